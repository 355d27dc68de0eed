"""A conservative detector of text that may identify a person: names, phone numbers, e-mails, document numbers.

It errs on the side of flagging: a flagged text is not refused, it waits for a person to review it
before it can be shared. Only the redacted copy (each finding replaced by its kind) is ever indexed
or shown; the original is sealed in the vault. Names are found by honorifics, by "named ..." phrases,
and as runs of capitalised words that are not common words, months, places or countries; that catches
most names written in Latin script and is documented as a limit for other scripts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import pycountry

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"(?<![\w+])\+?\(?\d[\d ().-]{6,}\d(?!\w)")
DOCUMENT = re.compile(
    r"(?i:\b(?:passport|pasaporte|passeport|id|identity card|c[ée]dula|carte d'identit[ée]|permit|permis|document|"
    r"visa|registration)\s*(?:no\.?|number|num[ée]ro|n[°º.])?\s*[:#]?\s*)([A-Z0-9][A-Z0-9-]{4,})"
    r"|\b[A-Z]{1,3}\d{6,9}\b")
HONORIFIC = re.compile(
    r"\b(?:Mr|Mrs|Ms|Miss|Dr|Sr|Sra|Srta|Mme|Mlle|Don|Doña|Sheikh|Imam|Pastor|Father|Sister|Brother|Madam)\.?"
    r"\s+[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){0,3}")
NAMED = re.compile(r"(?i:\b(?:named|called|name is|nommée?|llamad[oa]|se llama|s'appelle)\s+)"
                   r"([A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){0,3})")
CAPITALISED = re.compile(r"\b[A-Z][a-zà-ÿ'’-]+(?:\s+[A-Z][a-zà-ÿ'’-]+)+")
ISO_DATE = re.compile(r"\d{4}[-/.]\d{1,2}(?:[-/.]\d{1,2})?|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}|\d{4}\s*[-–]\s*\d{4}")

COMMON = frozenset(["the", "a", "an", "and", "or", "of", "in", "on", "at", "to", "for", "from", "by", "with", "without", "this", "that", "these", "those", "there", "their", "they", "we", "our", "he", "she", "it", "his", "her", "its", "i", "you", "your", "my", "mr", "mrs", "ms", "according", "however", "although", "also", "after", "before", "during", "while", "when", "where", "since", "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "spring", "summer", "autumn", "winter", "north", "south", "east", "west", "northern", "southern", "eastern", "western", "central", "upper", "lower", "new", "old", "great", "saint", "san", "santa", "port", "cape", "river", "lake", "mount", "island", "islands", "bay", "city", "town", "village", "district", "department", "province", "region", "commune", "municipality", "state", "republic", "kingdom", "united", "nations", "national", "international", "association", "network", "church", "mosque", "temple", "group", "committee", "council", "office", "ministry", "agency", "embassy", "consulate", "community", "centre", "center", "union", "federation", "foundation", "organisation", "organization", "project", "programme", "program", "red", "cross", "crescent", "women", "youth", "migrants", "migrant", "refugees", "refugee", "diaspora", "team", "school", "hospital", "clinic", "health", "university", "court", "police", "border", "service", "services", "office", "focus", "key", "informant", "interview", "report", "survey", "assessment", "fake", "invented", "demo", "test", "participants", "family", "families", "workers", "children", "many", "most", "some", "several", "one", "two", "three"])


@dataclass(frozen=True)
class Finding:
    """One span that may identify a person; the text itself is never kept in the finding."""

    kind: str
    start: int
    end: int


@lru_cache(maxsize=1)
def _country_words() -> frozenset[str]:
    words: set[str] = set()
    for c in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            words.update(w.lower() for w in re.findall(r"[A-Za-z]+", str(getattr(c, attr, "") or "")))
    return frozenset(words)


def _is_name(run: str, extra: frozenset[str]) -> bool:
    words = [w.lower() for w in run.split()]
    stop = COMMON | _country_words() | extra
    return sum(w not in stop for w in words) >= 2


def find_identifiers(text: str, known_words: frozenset[str] = frozenset()) -> list[Finding]:
    """Spans that may identify someone, sorted and without overlaps; `known_words` (place names...) are not names."""
    found: list[Finding] = [Finding("email", m.start(), m.end()) for m in EMAIL.finditer(text)]
    for m in PHONE.finditer(text):
        digits = sum(ch.isdigit() for ch in m.group())
        if digits >= 7 and not ISO_DATE.fullmatch(m.group().strip()):
            found.append(Finding("phone", m.start(), m.end()))
    for m in DOCUMENT.finditer(text):
        g = 1 if m.group(1) else 0
        found.append(Finding("document", m.start(g), m.end(g)))
    found += [Finding("name", m.start(), m.end()) for m in HONORIFIC.finditer(text)]
    found += [Finding("name", m.start(1), m.end(1)) for m in NAMED.finditer(text)]
    found += [Finding("name", m.start(), m.end()) for m in CAPITALISED.finditer(text) if _is_name(m.group(), known_words)]
    found.sort(key=lambda f: (f.start, -f.end))
    out: list[Finding] = []
    for f in found:
        if out and f.start < out[-1].end:
            if f.end > out[-1].end:
                out[-1] = Finding(out[-1].kind, out[-1].start, f.end)
            continue
        out.append(f)
    return out


def redact(text: str, findings: list[Finding]) -> str:
    """The text with every finding replaced by its kind in brackets, e.g. `[NAME]`."""
    parts, pos = [], 0
    for f in findings:
        parts += [text[pos:f.start], f"[{f.kind.upper()}]"]
        pos = f.end
    parts.append(text[pos:])
    return "".join(parts)


def summary(findings: list[Finding]) -> dict[str, int]:
    """How many findings of each kind (stored with the evidence; never the values)."""
    out: dict[str, int] = {}
    for f in findings:
        out[f.kind] = out.get(f.kind, 0) + 1
    return out
