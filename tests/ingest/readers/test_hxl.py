"""HXL hashtag rows in CSV, XLSX and JSON, including the libhxl test files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from atlas.ingest.readers import Source, open_source
from atlas.ingest.readers.hxl import is_hashtag_row, normalise_tag


def test_hxl_detection(
    con: duckdb.DuckDBPyConnection, rows: Callable[[Source], list[tuple]], write: Callable[..., Path]
) -> None:
    text = "Title of the table,,\nDistrict,P-code,People\n#adm2+name,#adm2 +Code,#affected\nA,X1,3\n"
    source = open_source(write("h.csv", text), con=con)
    assert source.format == "hxl"
    assert [c.hxl for c in source.columns] == ["#adm2+name", "#adm2+code", "#affected"]
    assert [c.original for c in source.columns] == ["District", "P-code", "People"]
    assert rows(source) == [("A", "X1", "3", 4)]


def test_dtm_hxl(shared_data: Path, con: duckdb.DuckDBPyConnection) -> None:
    path = shared_data / "migration/iom_dtm/global-iom-dtm-from-api-admin-0-to-2.hxl.csv"
    source = open_source(path, con=con)
    assert source.format == "hxl"
    assert source.relation(con).count("*").fetchone() == (13_367,)
    tags = {c.original: c.hxl for c in source.columns}
    assert tags["admin1Pcode"] == "#adm1+code"
    assert source.relation(con).min("_row").fetchone() == (3,)


@pytest.mark.parametrize(
    ("name", "tagged"),
    [
        ("test_io_input-valid.csv", True), ("test_io_input-valid-latin1.csv", True),
        ("test_io_input-multiple-headers.csv", True), ("test_io_input-valid.xlsx", True),
        ("test_io_input-valid.json", True), ("test_io_input-untagged.csv", False),
        ("test_io_input-invalid.csv", False), ("test_io_input-valid-objects.json", False),
    ],
)
def test_hxl_validator_files(
    shared_data: Path, con: duckdb.DuckDBPyConnection, name: str, tagged: bool
) -> None:
    source = open_source(shared_data / "validators/hxl" / name, con=con)
    assert any(c.hxl for c in source.columns) is tagged
    assert source.relation(con).count("*").fetchone()[0] >= 2  # type: ignore[index]


def test_latin1_hxl_values(
    shared_data: Path, con: duckdb.DuckDBPyConnection, rows: Callable[[Source], list[tuple]]
) -> None:
    source = open_source(shared_data / "validators/hxl/test_io_input-valid-latin1.csv", con=con)
    assert source.columns[3].original == "Organización"
    assert rows(source)[0][6] == "Panamá"


@pytest.mark.parametrize(
    ("cell", "tag"),
    [("#adm1+code", "#adm1+code"), (" #Adm1 +Code ", "#adm1+code"), ("#affected+f+children", "#affected+f+children"),
     ("adm1", None), ("#1adm", None), ("#adm1+", None), ("# adm1", None), ("", None)],
)
def test_normalise_tag(cell: str, tag: str | None) -> None:
    assert normalise_tag(cell) == tag


def test_hashtag_row_needs_half_of_the_filled_cells() -> None:
    assert is_hashtag_row(["", "#org", "#adm1", "country"])
    assert not is_hashtag_row(["#org", "name", "country"])
    assert not is_hashtag_row(["", ""])
