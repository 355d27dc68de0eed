"""XLSX: header detection under title rows, multi-row headers, zip bombs, the UN DESA workbook."""

from __future__ import annotations

import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from atlas.errors import RejectedInput
from atlas.ingest.readers import ReadLimits, Source, open_source


def _xlsx(path: Path, rows_: list[list[object]]) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows_:
        sheet.append(row)
    for line in sheet.iter_rows():
        for cell in line:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"
    book.save(path)
    return path


def test_xlsx_title_rows_multirow_header_and_formula_text(
    tmp_path: Path, con: duckdb.DuckDBPyConnection, rows: Callable[[Source], list[tuple]]
) -> None:
    path = _xlsx(tmp_path / "t.xlsx", [
        ["Migrant stock"], [None], [None, "Both", None, "Male", None],
        ["Country", 2015, 2020, 2015, 2020], ["Chad", 5, 6, 2, 3], ["=HYPERLINK(\"x\")", 1, 1, 1, 1],
    ])
    source = open_source(path, con=con)
    assert [c.original for c in source.columns] == ["Country", "Both / 2015", "Both / 2020", "Male / 2015",
                                                    "Male / 2020"]
    assert rows(source) == [("Chad", "5", "6", "2", "3", 5), ('=HYPERLINK("x")', "1", "1", "1", "1", 6)]


def _bomb(path: Path, size: int) -> Path:
    """A valid workbook with one member of `size` zero bytes: tiny on disk, huge inflated."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            block = b"\0" * (1 << 20)
            for _ in range(size >> 20):
                member.write(block)
    return path


def test_zip_bomb_rejected_before_parsing(tmp_path: Path) -> None:
    path = _bomb(tmp_path / "bomb.xlsx", 64 << 20)
    with pytest.raises(RejectedInput) as caught:
        open_source(path)
    assert caught.value.issues[0].code == "zip-bomb"
    with pytest.raises(RejectedInput):
        open_source(path, limits=ReadLimits(max_xlsx_uncompressed=1 << 20, max_xlsx_ratio=10**9))


def test_forged_declared_size_rejected(tmp_path: Path) -> None:
    path = tmp_path / "forged.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<x/>" * 1000)
    data = bytearray(path.read_bytes())
    struct.pack_into("<I", data, data.rfind(b"PK\x01\x02") + 24, 0xFFFFFFF0)
    path.write_bytes(bytes(data))
    with pytest.raises(RejectedInput) as caught:
        open_source(path)
    assert caught.value.issues[0].code == "zip-bomb"


def test_undesa_workbook(shared_data: Path, con: duckdb.DuckDBPyConnection) -> None:
    path = shared_data / "migration/undesa_2020_raw_xlsx/undesa_pd_2020_ims_stock_by_sex_and_destination.xlsx"
    for header_row in (None, 11):
        source = open_source(path, sheet="Table 1", header_row=header_row, con=con)
        names = {c.original: c.name for c in source.columns}
        both_2020 = names["International migrant stock at mid-year, both sexes combined / 2020"]
        place = names["Region, development group, country or area"]
        world = source.relation(con).filter(f"{place} = 'WORLD'").project(f"{both_2020}, _row").fetchall()
        assert world == [("280598105", 12)]


def test_xlsx_without_header(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    source = open_source(_xlsx(tmp_path / "n.xlsx", [["a", 1], ["b", 2]]), header_row=0, con=con)
    assert [c.name for c in source.columns] == ["c_column_1", "c_column_2"]
    assert source.relation(con).fetchall() == [("a", "1", 1), ("b", "2", 2)]
