"""Recognise a file's format, text encoding and delimiter from its bytes, not from its name alone."""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from charset_normalizer import from_bytes

from atlas.ingest.readers.source import reject

SAMPLE_BYTES = 1 << 20
_CHUNK = 1 << 22
_BINARY_MAGIC = {
    b"\x89PNG": "PNG image",
    b"\xff\xd8\xff": "JPEG image",
    b"GIF8": "GIF image",
    b"%PDF": "PDF document",
    b"\x1f\x8b": "gzip archive",
    b"\xd0\xcf\x11\xe0": "legacy Office (OLE2) file; save it as .xlsx or .csv",
    b"7z\xbc\xaf": "7-Zip archive",
    b"Rar!": "RAR archive",
    b"SQLite format 3": "SQLite database",
}
_CP1252_UNDEFINED = {0x81, 0x8D, 0x8F, 0x90, 0x9D}
_DELIMITERS = [",", ";", "\t", "|"]


@dataclass(frozen=True)
class FileFacts:
    """Bytes-level facts gathered in one pass: digest, size, newline count, final byte."""

    sha256: str
    size: int
    newlines: int
    ends_with_newline: bool


def file_facts(path: Path) -> FileFacts:
    """Hash the file and count its newlines in the same streaming pass."""
    digest = hashlib.sha256()
    newlines = size = 0
    last = b""
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            newlines += chunk.count(b"\n")
            size += len(chunk)
            last = chunk[-1:]
    return FileFacts(digest.hexdigest(), size, newlines, last == b"\n")


def read_sample(path: Path, size: int = SAMPLE_BYTES) -> bytes:
    with path.open("rb") as handle:
        return handle.read(size)


def detect_format(path: Path, sample: bytes) -> str:
    """One of csv, hxl, xlsx, json, ndjson, parquet, sav, dta; rejects binaries it cannot read."""
    suffix = path.suffix.lower()
    if sample.startswith(b"PAR1"):
        return "parquet"
    if sample.startswith(b"PK\x03\x04"):
        if suffix in {".xlsx", ".xlsm"} or b"xl/" in sample[:4096] or b"[Content_Types].xml" in sample[:4096]:
            return "xlsx"
        raise reject(path, "unknown-format", "a ZIP archive that is not an XLSX workbook")
    if sample.startswith((b"$FL2", b"$FL3")) or suffix in {".sav", ".zsav"}:
        return "sav"
    if suffix == ".dta" or sample.startswith(b"<stata_dta>"):
        return "dta"
    for magic, what in _BINARY_MAGIC.items():
        if sample.startswith(magic):
            raise reject(path, "unknown-format", f"this is a {what}, not a table Atlas can read")
    text_start = sample.lstrip(b"\xef\xbb\xbf \t\r\n")
    if suffix in {".ndjson", ".jsonl"}:
        return "ndjson"
    if text_start[:1] in {b"[", b"{"} and suffix not in {".csv", ".tsv", ".txt"}:
        return "json" if text_start[:1] == b"[" or not _looks_ndjson(text_start) else "ndjson"
    return "csv"


def _looks_ndjson(text: bytes) -> bool:
    first, _, rest = text.partition(b"\n")
    return first.rstrip().endswith(b"}") and rest.lstrip()[:1] == b"{"


def detect_encoding(path: Path, sample: bytes) -> str:
    """Python codec name of the text: BOMs first, then strict UTF-8, then a statistical guess."""
    if sample.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if sample.startswith(b"\xff\xfe"):
        return "utf-16-le"
    if sample.startswith(b"\xfe\xff"):
        return "utf-16-be"
    if b"\x00" in sample:
        bom_less = _utf16_without_bom(sample)
        if bom_less:
            return bom_less
        raise reject(path, "binary-file", "the file contains NUL bytes and no UTF-16 byte-order mark: not text")
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as error:
        if error.start >= len(sample) - 4 and len(sample) == SAMPLE_BYTES:
            return "utf-8"
    return _single_byte_encoding(path, sample)


def _utf16_without_bom(sample: bytes) -> str | None:
    """UTF-16 text of mostly ASCII characters has NUL in every other byte: the side tells the byte order."""
    even, odd = sample[0::2], sample[1::2]
    if len(odd) < 8:
        return None
    if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def _single_byte_encoding(path: Path, sample: bytes) -> str:
    """Latin-1 vs Windows-1252 by the C1 range; other code pages as charset-normalizer guesses them."""
    best = from_bytes(sample).best()
    guess = best.encoding if best is not None else None
    if guess is None:
        raise reject(path, "undecodable", "the file is neither UTF-8 nor any text encoding that could be recognised",
                     hint="save it as UTF-8 CSV")
    western = {"cp1252", "latin_1", "iso8859_15", "iso8859_1", "cp850", "mac_roman", "cp1250", "iso8859_2"}
    if guess not in western and _mostly_ascii_letters(sample):
        guess = "cp1252"  # accents sprinkled in Latin-script text: far likelier than a Baltic or DOS code page
    if guess in western or guess.startswith(("iso8859", "cp12")):
        c1 = {b for b in set(sample) if 0x80 <= b <= 0x9F}
        if not c1:
            return "latin-1"
        if not c1 & _CP1252_UNDEFINED:
            return "cp1252"
        return "latin-1"
    return guess


def _mostly_ascii_letters(sample: bytes) -> bool:
    """Western text has few non-ASCII letters; Cyrillic, Greek or Arabic single-byte text has mostly those."""
    units = np.frombuffer(sample, dtype=np.uint8)
    high = int(np.count_nonzero(units >= 0x80))
    lower = units | 0x20
    ascii_letters = int(np.count_nonzero((units < 0x80) & (lower >= 0x61) & (lower <= 0x7A)))
    return high > 0 and high < 0.3 * (high + ascii_letters)


def sniff_delimiter(text: str, suffix: str) -> str:
    """Delimiter that splits the first lines into the most consistent number of fields."""
    if suffix == ".tsv":
        return "\t"
    lines = [line[:4096] for line in text.splitlines()[:50] if line.strip()]
    if not lines:
        return ","
    try:
        found = csv.Sniffer().sniff("\n".join(lines[:20]), delimiters="".join(_DELIMITERS)).delimiter
    except csv.Error:
        found = None
    scores = {}
    for delim in _DELIMITERS:
        counts = [len(next(csv.reader([line], delimiter=delim), [])) for line in lines[:20]]
        modal = max(set(counts), key=counts.count)
        scores[delim] = (modal > 1) * (counts.count(modal) / len(counts)) * min(modal, 50)
    best = max(scores, key=lambda d: scores[d])
    if found in scores and scores[found] >= scores[best] * 0.8:
        return found
    return best if scores[best] > 0 else ","
