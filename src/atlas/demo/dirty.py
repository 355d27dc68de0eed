"""Messy variants of a clean demo file, each with a manifest of exactly what was broken and where."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pycountry

from atlas.demo.exports import HXL_TAGS, KOBO_GROUPS, KOBO_META, write_xlsx
from atlas.demo.population import generate_population

COUNTRY_NAMES: dict[str, tuple[str, str, str]] = {
    "VEN": ("Venezuela", "Venezuela", "فنزويلا"), "SYR": ("Syrie", "Siria", "سوريا"),
    "AFG": ("Afghanistan", "Afganistán", "أفغانستان"), "UKR": ("Ukraine", "Ucrania", "أوكرانيا"),
    "SDN": ("Soudan", "Sudán", "السودان"), "COL": ("Colombie", "Colombia", "كولومبيا"),
    "SSD": ("Soudan du Sud", "Sudán del Sur", "جنوب السودان"), "HTI": ("Haïti", "Haití", "هايتي"),
    "ERI": ("Érythrée", "Eritrea", "إريتريا"), "SOM": ("Somalie", "Somalia", "الصومال"),
    "MMR": ("Myanmar", "Myanmar", "ميانمار"), "COD": ("République démocratique du Congo",
                                                     "República Democrática del Congo", "الكونغو الديمقراطية"),
}
MISSPELLINGS = {"SYR": "Syira", "VEN": "Venezuala", "AFG": "Afganistan", "UKR": "Ukriane", "SDN": "Sudaan",
                "COL": "Columbia", "SSD": "South Sudn", "HTI": "Hati", "ERI": "Eritria", "SOM": "Somalya"}
SEX_TEXT = {"F": "female", "femme": "female", "Mujer": "female", "أنثى": "female", "M": "male",
            "homme": "male", "Hombre": "male", "Masculino": "male"}
FORMULAS = ('=HYPERLINK("http://x","click")', "=1+2", "+cmd|' /C calc'!A0", "@SUM(1,1)", "-2+3")
IMPOSSIBLE_AGES = ("-3", "140", "abc", "999")
BAD_DATES = (("2031-05-04", "future-date"), ("2099-12-31", "future-date"), ("31/02/2026", "invalid-date"),
             ("2026-13-01", "invalid-date"))


@dataclass
class Injection:
    """One deliberate defect: data row (1-based record), physical line, column, value, reason, expectation."""

    row: int | None
    line: int | None
    column: str | None
    value: str | None
    reason: str
    expect: str
    canonical: str | None = None


@dataclass
class DirtyFile:
    """One messy file and how to read it."""

    file: str
    format: str
    encoding: str = "utf-8"
    delimiter: str = ","
    decimal: str = "."
    header_rows: int = 1
    header_line: int = 1
    rows: int = 0
    injected: list[Injection] = field(default_factory=list)


@dataclass
class DirtyManifest:
    """Everything `write_dirty_set` produced; saved as manifest.json next to the files."""

    seed: int
    host_country: str
    clean_file: str
    files: list[DirtyFile] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2)


Rows = list[list[str]]


def _pick(rng: np.random.Generator, free: set[int], eligible: list[int], k: int) -> list[int]:
    """Up to k distinct rows not used by another defect, so each row carries one defect only."""
    pool = [i for i in eligible if i in free]
    chosen = [int(i) for i in rng.choice(pool, size=min(k, len(pool)), replace=False)] if pool else []
    free.difference_update(chosen)
    return sorted(chosen)


def _value_defects(df: pd.DataFrame, rng: np.random.Generator, names: dict[str, str]) -> list[Injection]:
    """Break cells in place; returns injections with 0-based record index in `row` (fixed up later)."""
    free = set(range(len(df)))
    out: list[Injection] = []
    nat = df["nationality"]

    def put(i: int, col: str, value: str, reason: str, expect: str, canonical: str | None = None) -> None:
        df.at[i, col] = value
        out.append(Injection(i, None, col, value, reason, expect, canonical))

    for i in _pick(rng, free, [i for i in range(len(df)) if nat[i] in MISSPELLINGS], 4):
        put(i, "nationality", MISSPELLINGS[nat[i]], "misspelled-country", "fix-or-reject", nat[i])
    for j, i in enumerate(_pick(rng, free, [i for i in range(len(df)) if nat[i] in COUNTRY_NAMES], 8)):
        code = nat[i]
        country = pycountry.countries.get(alpha_3=code)
        assert country is not None
        forms = (country.alpha_2, str(int(country.numeric)), country.name, *COUNTRY_NAMES[code])
        put(i, "nationality", forms[j % len(forms)], "country-not-iso3", "map", code)
    if names:
        for i in _pick(rng, free, list(range(len(df))), 4):
            put(i, "district", names[df.at[i, "district"]], "area-name-not-pcode", "map", df.at[i, "district"])
    for i in _pick(rng, free, list(range(len(df))), 2):
        put(i, "district", df.at[i, "district"][:3] + "9999", "unknown-area-code", "reject")
    for j, i in enumerate(_pick(rng, free, list(range(len(df))), len(SEX_TEXT))):
        text = list(SEX_TEXT)[j]
        put(i, "sex", text, "sex-free-text", "map", SEX_TEXT[text])
    for j, i in enumerate(_pick(rng, free, list(range(len(df))), len(IMPOSSIBLE_AGES))):
        put(i, "age", IMPOSSIBLE_AGES[j], "impossible-age", "reject")
    for j, i in enumerate(_pick(rng, free, list(range(len(df))), len(BAD_DATES))):
        put(i, "interview_date", BAD_DATES[j][0], BAD_DATES[j][1], "reject")
    for j, i in enumerate(_pick(rng, free, list(range(len(df))), len(FORMULAS))):
        put(i, "full_name", FORMULAS[j], "formula-injection", "neutralise")
    for i in _pick(rng, free, [i for i in range(len(df)) if df.at[i, "arrival_year"]], 2):
        year = str(int(df.at[i, "interview_date"][:4]) + 3)
        put(i, "arrival_year", year, "arrival-after-interview", "reject")
    dup = _pick(rng, free, list(range(1, len(df))), 1)
    for i in dup:
        put(i, "record_id", df.at[i - 1, "record_id"], "duplicate-record-id", "reject")
    return out


def _layout(rows: Rows, injections: list[Injection], rng: np.random.Generator, header_lines: int,
            blanks: int, ragged: int) -> tuple[list[list[str] | None], list[Injection]]:
    """Interleave blank lines and ragged rows; number every record and line as a reader would see them."""
    width = len(rows[0]) if rows else 0
    by_row = {inj.row: inj for inj in injections}
    blank_after = {int(i) for i in rng.choice(len(rows), size=min(blanks, len(rows)), replace=False)}
    ragged_at = [int(i) for i in rng.choice(len(rows), size=min(ragged, len(rows)), replace=False)
                 if int(i) not in by_row][:ragged]
    lines: list[list[str] | None] = []
    out: list[Injection] = []
    for i, row in enumerate(rows):
        if i in ragged_at:
            row = row + ["EXTRA"] if ragged_at.index(i) % 2 == 0 else row[: width - 3]
            out.append(Injection(i + 1, header_lines + len(lines) + 1, None, None, "ragged-row", "reject"))
        lines.append(row)
        if i in by_row:
            inj = by_row[i]
            out.append(Injection(i + 1, header_lines + len(lines), inj.column, inj.value, inj.reason,
                                 inj.expect, inj.canonical))
        if i in blank_after:
            lines.append(None)
            out.append(Injection(None, header_lines + len(lines), None, None, "blank-line", "skip"))
    return lines, sorted(out, key=lambda x: x.line or 0)


def _csv_text(header: list[list[str]], lines: list[list[str] | None], delimiter: str = ",") -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    for h in header:
        writer.writerow(h)
    for line in lines:
        if line is None:
            buf.write("\r\n")
        else:
            writer.writerow(line)
    return buf.getvalue()


def _encodable(df: pd.DataFrame, encoding: str) -> list[int]:
    ok = []
    for i, row in enumerate(df.itertuples(index=False)):
        try:
            "|".join(map(str, row)).encode(encoding)
            ok.append(i)
        except UnicodeEncodeError:
            continue
    return ok


def _plain(out_dir: Path, name: str, df: pd.DataFrame, encoding: str, delimiter: str = ",",
           decimal: str = ".") -> DirtyFile:
    frame = df.copy()
    if decimal != ".":
        frame["sampling_weight"] = frame["sampling_weight"].str.replace(".", decimal, regex=False)
    text = _csv_text([list(frame.columns)], [list(r) for r in frame.itertuples(index=False)], delimiter)
    (out_dir / name).write_bytes(text.encode(encoding))
    return DirtyFile(name, "csv", encoding, delimiter, decimal, rows=len(frame))


def write_dirty_set(out_dir: Path, *, areas: pd.DataFrame, host_country: str, seed: int = 0,
                    rows: int = 400) -> DirtyManifest:
    """Write a clean reference file and its messy variants (CSV, XLSX, HXL, KoBo) plus manifest.json."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    labels = "name" if "name" in areas.columns else "pcode"
    generate_population(rows, areas=areas, host_country=host_country, seed=seed, out=out_dir / "clean.csv")
    clean = pd.read_csv(out_dir / "clean.csv", dtype=str, keep_default_na=False)
    finest = areas[areas["level"] == areas["level"].max()]
    names = dict(zip(finest["pcode"], finest["name"])) if labels == "name" else {}
    rng = np.random.default_rng([seed, 99])
    manifest = DirtyManifest(seed, host_country, "clean.csv")
    messy = clean.copy()
    injections = _value_defects(messy, rng, names)
    lines, numbered = _layout([list(r) for r in messy.itertuples(index=False)], injections, rng, 1, 3, 2)
    (out_dir / "messy.csv").write_text(_csv_text([list(messy.columns)], lines), encoding="utf-8", newline="")
    manifest.files.append(DirtyFile("messy.csv", "csv", rows=len(messy), injected=numbered))
    for writer in _FORMAT_WRITERS:
        manifest.files.append(writer(out_dir, clean, rng))
    (out_dir / "manifest.json").write_text(manifest.to_json(), encoding="utf-8")
    return manifest


def _latin1(out_dir: Path, clean: pd.DataFrame, rng: np.random.Generator) -> DirtyFile:
    return _plain(out_dir, "latin1.csv", clean.iloc[_encodable(clean, "latin-1")][:150], "latin-1")


def _cp1252(out_dir: Path, clean: pd.DataFrame, rng: np.random.Generator) -> DirtyFile:
    return _plain(out_dir, "windows1252_semicolon.csv", clean.iloc[_encodable(clean, "cp1252")][:150],
                  "cp1252", ";", ",")


def _utf16(out_dir: Path, clean: pd.DataFrame, rng: np.random.Generator) -> DirtyFile:
    frame = clean.iloc[:150].copy().reset_index(drop=True)
    injected = []
    for i in range(0, len(frame), 25):
        code = frame.at[i, "nationality"]
        if code in COUNTRY_NAMES:
            frame.at[i, "nationality"] = COUNTRY_NAMES[code][2]
            injected.append(Injection(i + 1, i + 2, "nationality", COUNTRY_NAMES[code][2], "country-not-iso3",
                                      "map", code))
    entry = _plain(out_dir, "utf16.csv", frame, "utf-16")
    entry.injected = injected
    return entry


def _bom(out_dir: Path, clean: pd.DataFrame, rng: np.random.Generator) -> DirtyFile:
    return _plain(out_dir, "utf8_bom.csv", clean.iloc[:150], "utf-8-sig")


def _xlsx(out_dir: Path, clean: pd.DataFrame, rng: np.random.Generator) -> DirtyFile:
    frame = clean.iloc[:200].copy().reset_index(drop=True)
    frame.at[7, "full_name"] = FORMULAS[0]
    write_xlsx(out_dir / "register.xlsx", frame)
    return DirtyFile("register.xlsx", "xlsx", "binary", header_line=3, rows=len(frame), injected=[
        Injection(8, 11, "full_name", FORMULAS[0], "formula-injection", "neutralise")])


def _hxl(out_dir: Path, clean: pd.DataFrame, rng: np.random.Generator) -> DirtyFile:
    frame = clean.iloc[:200]
    tags = [HXL_TAGS.get(c, "") for c in frame.columns]
    text = _csv_text([list(frame.columns), tags], [list(r) for r in frame.itertuples(index=False)])
    (out_dir / "hxl.csv").write_text(text, encoding="utf-8", newline="")
    return DirtyFile("hxl.csv", "hxl", header_rows=2, rows=len(frame))


def _kobo(out_dir: Path, clean: pd.DataFrame, rng: np.random.Generator) -> DirtyFile:
    frame = clean.iloc[:200].reset_index(drop=True)
    cols = {f"{KOBO_GROUPS[c]}/{c}" if c in KOBO_GROUPS else c: frame[c] for c in frame.columns}
    kobo = pd.DataFrame(cols)
    for col in ("group_person/languages", "group_consent/consent_purposes", "group_route/transit_countries"):
        kobo[col] = kobo[col].str.replace(";", " ", regex=False)
    start = pd.to_datetime(frame["interview_date"]) + pd.to_timedelta(rng.integers(8 * 60, 17 * 60, len(frame)),
                                                                         unit="min")
    meta = pd.DataFrame({
        "start": start.dt.strftime("%Y-%m-%dT%H:%M:%S.000-03:00"),
        "end": (start + pd.Timedelta(minutes=25)).dt.strftime("%Y-%m-%dT%H:%M:%S.000-03:00"),
        "_id": 310_000_000 + np.arange(len(frame)),
        "_uuid": [f"00000000-0000-4000-8000-{i:012d}" for i in range(len(frame))],
        "_submission_time": (start + pd.Timedelta(hours=2)).dt.strftime("%Y-%m-%dT%H:%M:%S"),
        "_index": np.arange(1, len(frame) + 1),
    })
    out = pd.concat([meta[["start", "end"]], kobo, meta[[c for c in KOBO_META if c in meta.columns]]], axis=1)
    text = _csv_text([list(out.columns)], [list(map(str, r)) for r in out.itertuples(index=False)], ";")
    (out_dir / "kobo.csv").write_text(text, encoding="utf-8", newline="")
    return DirtyFile("kobo.csv", "kobo", delimiter=";", rows=len(out))


_FORMAT_WRITERS: tuple[Callable[[Path, pd.DataFrame, np.random.Generator], DirtyFile], ...] = (
    _latin1, _cp1252, _utf16, _bom, _xlsx, _hxl, _kobo,
)
