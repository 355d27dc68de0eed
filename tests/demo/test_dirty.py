"""Messy files: every injected defect is where the manifest says, and nothing else differs."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from atlas.demo.country import demo_areas
from atlas.demo.dirty import DirtyManifest, write_dirty_set


@pytest.fixture(scope="module")
def dirty(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DirtyManifest]:
    out = tmp_path_factory.mktemp("dirty")
    return out, write_dirty_set(out, areas=demo_areas(), host_country="XAT", seed=3, rows=400)


def _entry(manifest: DirtyManifest, name: str):
    return next(f for f in manifest.files if f.file == name)


def _lines(path: Path, encoding: str, delimiter: str = ",") -> list[list[str]]:
    text = path.read_bytes().decode(encoding)
    return [next(csv.reader([line], delimiter=delimiter)) if line else [] for line in text.split("\r\n")[:-1]]


def test_manifest_json_lists_every_file(dirty: tuple[Path, DirtyManifest]) -> None:
    out, manifest = dirty
    saved = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [f["file"] for f in saved["files"]] == [f.file for f in manifest.files]
    for f in manifest.files:
        assert (out / f.file).is_file()
    reasons = {i.reason for i in _entry(manifest, "messy.csv").injected}
    assert reasons >= {"misspelled-country", "country-not-iso3", "area-name-not-pcode", "unknown-area-code",
                       "sex-free-text", "impossible-age", "future-date", "invalid-date", "formula-injection",
                       "blank-line", "ragged-row", "duplicate-record-id", "arrival-after-interview"}


def test_messy_differs_exactly_where_manifest_says(dirty: tuple[Path, DirtyManifest]) -> None:
    out, manifest = dirty
    entry = _entry(manifest, "messy.csv")
    clean = pd.read_csv(out / "clean.csv", dtype=str, keep_default_na=False)
    lines = _lines(out / "messy.csv", "utf-8")
    header = lines[0]
    assert header == list(clean.columns)
    by_line = {i.line: i for i in entry.injected}
    records = 0
    seen: set[tuple[int, str]] = set()
    for number, fields in enumerate(lines[1:], start=2):
        if not fields:
            assert by_line[number].reason == "blank-line"
            continue
        records += 1
        if len(fields) != len(header):
            assert by_line[number].reason == "ragged-row" and by_line[number].row == records
            continue
        for col, value, original in zip(header, fields, clean.iloc[records - 1]):
            if value != original:
                seen.add((records, col))
                inj = by_line[number]
                assert (inj.row, inj.column, inj.value) == (records, col, value)
    assert records == len(clean) == entry.rows
    expected = {(i.row, i.column) for i in entry.injected if i.column}
    assert seen == expected


def test_canonical_values_are_given_for_mappable_defects(dirty: tuple[Path, DirtyManifest]) -> None:
    for inj in _entry(dirty[1], "messy.csv").injected:
        if inj.expect == "map":
            assert inj.canonical
        if inj.reason == "sex-free-text":
            assert inj.canonical in {"female", "male"}


@pytest.mark.parametrize("name,encoding,delimiter", [
    ("latin1.csv", "latin-1", ","), ("windows1252_semicolon.csv", "cp1252", ";"),
    ("utf16.csv", "utf-16", ","), ("utf8_bom.csv", "utf-8-sig", ","),
])
def test_encoded_variants(dirty: tuple[Path, DirtyManifest], name: str, encoding: str, delimiter: str) -> None:
    out, manifest = dirty
    entry = _entry(manifest, name)
    assert (entry.encoding, entry.delimiter) == (encoding, delimiter)
    raw = (out / name).read_bytes()
    frame = pd.read_csv(io.StringIO(raw.decode(encoding)), sep=delimiter, dtype=str, keep_default_na=False)
    assert len(frame) == entry.rows and frame.columns[0] == "record_id"
    if encoding in ("latin-1", "cp1252"):
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
    if encoding == "cp1252":
        assert "’" in raw.decode(encoding) and frame["sampling_weight"].str.contains(",").all()
    if encoding == "utf-8-sig":
        assert raw.startswith(b"\xef\xbb\xbf")
    for inj in entry.injected:
        assert frame.at[inj.row - 1, inj.column] == inj.value


def test_xlsx(dirty: tuple[Path, DirtyManifest]) -> None:
    out, manifest = dirty
    entry = _entry(manifest, "register.xlsx")
    sheet = openpyxl.load_workbook(out / entry.file)["register"]
    header = [c.value for c in sheet[entry.header_line]]
    assert header[0] == "record_id"
    inj = entry.injected[0]
    cell = sheet.cell(row=inj.line, column=header.index(inj.column) + 1)
    assert cell.value == inj.value and cell.data_type == "s"
    assert isinstance(sheet.cell(row=entry.header_line + 1, column=header.index("age") + 1).value, int)
    assert sheet.max_row == entry.header_line + entry.rows


def test_hxl_and_kobo(dirty: tuple[Path, DirtyManifest]) -> None:
    out, manifest = dirty
    hxl = _lines(out / "hxl.csv", "utf-8")
    assert all(tag.startswith("#") for tag in hxl[1]) and "#adm2+code" in hxl[1] and "#sex" in hxl[1]
    assert len(hxl) - 2 == _entry(manifest, "hxl.csv").rows
    kobo = pd.read_csv(out / "kobo.csv", sep=";", dtype=str, keep_default_na=False)
    assert {"start", "end", "_uuid", "_submission_time", "group_person/sex", "group_location/district"} <= set(
        kobo.columns)
    assert not kobo["group_person/languages"].str.contains(";").any()


def test_deterministic(tmp_path: Path, dirty: tuple[Path, DirtyManifest]) -> None:
    again = write_dirty_set(tmp_path, areas=demo_areas(), host_country="XAT", seed=3, rows=400)
    assert again.to_json() == dirty[1].to_json()
    assert (tmp_path / "messy.csv").read_bytes() == (dirty[0] / "messy.csv").read_bytes()
