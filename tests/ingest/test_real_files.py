"""Real files written by others: UN DESA workbook, IOM DTM HXL with Haiti P-codes, sdcMicro microdata."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from atlas.ingest.pipeline import IngestOptions, ingest_file
from atlas.store.workspace import Workspace

UNDESA_MAPPING = """
kind: aggregate
source: "UN DESA International Migrant Stock 2020"
legal_basis: public_task
purposes: [statistics]
sheet: "Table 1"
columns:
  Location code: country
  "Region, development group, country or area": {ignore: true}
  Notes: {ignore: true}
  Type of data: {ignore: true}
skip:
  Location code: "^(9\\\\d\\\\d|\\\\d{4})$"
wide:
  pattern: "(?P<sex>both sexes combined|males|females) / (?P<period>\\\\d{4})"
  field: value
  values:
    sex: {"both sexes combined": "_T", males: male, females: female}
"""


def _undesa_expected(path: Path) -> dict[str, float]:
    """Both-sexes 2020 stock per M49 code, read independently with openpyxl."""
    ws = openpyxl.load_workbook(path, read_only=True, data_only=True)["Table 1"]
    out = {}
    for row in ws.iter_rows(min_row=12, values_only=True):
        code, value = row[3], row[11]
        if isinstance(code, int | float) and isinstance(value, int | float):
            out[str(int(code))] = float(value)
    return out


def test_undesa_workbook_as_aggregates(workspace: Workspace, shared_data: Path, tmp_path: Path) -> None:
    book = shared_data / "migration" / "undesa_2020_raw_xlsx" / "undesa_pd_2020_ims_stock_by_sex_and_destination.xlsx"
    mapping = tmp_path / "undesa.yaml"
    mapping.write_text(UNDESA_MAPPING)
    r = ingest_file(workspace, book, IngestOptions(kind="aggregate", mapping=mapping))
    assert r.rows_stored > 4500
    assert {i.value for i in r.issues} == {"830"}  # Channel Islands: an M49 area with no ISO 3166 code
    expected = _undesa_expected(book)
    assert expected["900"] == 280_598_105  # WORLD, skipped as a regional aggregate
    with workspace.connect(read_only=True) as con:
        got = dict(con.execute("""SELECT country, value FROM aggregates
                                  WHERE period = '2020' AND sex = '_T'""").fetchall())
        assert got["USA"] == expected["840"] and got["HTI"] == expected["332"] and got["DEU"] == expected["276"]
        assert con.execute("SELECT count(*) FROM aggregates WHERE country IS NULL").fetchone() == (0,)
        off = con.execute("""
            SELECT country FROM aggregates WHERE period = '2020' GROUP BY country
            HAVING count(value) = 3 AND abs(sum(value) FILTER (WHERE sex <> '_T')
                                            - sum(value) FILTER (WHERE sex = '_T')) > 1""").fetchall()
        assert off == []
        assert con.execute("SELECT count(*) FROM aggregates WHERE period = '2020' AND value IS NULL").fetchone()[0] > 0


def test_iom_dtm_hxl_resolves_every_haiti_pcode(workspace: Workspace, shared_data: Path) -> None:
    f = shared_data / "migration" / "iom_dtm" / "global-iom-dtm-from-api-admin-0-to-2.hxl.csv"
    r = ingest_file(workspace, f, IngestOptions(kind="aggregate"))
    assert r.rows_read == 13_367
    assert not [i for i in r.issues if (i.value or "").startswith("HT")]
    with workspace.connect(read_only=True) as con:
        levels = dict(con.execute("""SELECT CASE WHEN adm2 IS NOT NULL THEN 2 WHEN adm1 IS NOT NULL THEN 1 ELSE 0 END,
                                            count(*) FROM aggregates WHERE country = 'HTI' GROUP BY 1""").fetchall())
        assert levels == {0: 114, 1: 235, 2: 1384}  # hxlcount figures in shared/data/README.md
        assert con.execute("SELECT count(*) FROM aggregates WHERE country = 'HTI' AND value IS NULL").fetchone() == (0,)
        parents = con.execute("""SELECT count(*) FROM aggregates WHERE adm2 IS NOT NULL AND substr(adm2, 1, 4) <> adm1""").fetchone()
        assert parents == (0,)


def test_sdcmicro_testdata_as_person_records(workspace: Workspace, shared_data: Path, tmp_path: Path) -> None:
    f = shared_data / "sdc" / "sdcmicro_testdata.csv"
    mapping = tmp_path / "sdc.yaml"
    mapping.write_text("kind: person\nsource: sdcMicro testdata\ncolumns:\n  sex: {field: sex, values: {'1': male, '2': female}}\n"
                       "  age: age\n  sampling_weight: sampling_weight\n  ori_hid: household_id\n"
                       "  urbrur: {ignore: true}\n  roof: {ignore: true}\n  walls: {ignore: true}\n  water: {ignore: true}\n"
                       "  electcon: {ignore: true}\n  relat: {ignore: true}\n  hhcivil: {ignore: true}\n"
                       "  expend: {ignore: true}\n  income: {ignore: true}\n  savings: {ignore: true}\n"
                       "  household_weights: {ignore: true}\n")
    r = ingest_file(workspace, f, IngestOptions(mapping=mapping))
    assert r.rows_read == 4580 and r.rows_stored + r.rows_quarantined == 4580
    with workspace.connect(read_only=True) as con:
        n, w = con.execute("SELECT count(*), sum(sampling_weight) FROM persons").fetchone()
        assert n == r.rows_stored and w > 0
        assert con.execute("SELECT count(DISTINCT sex) FROM persons").fetchone()[0] <= 3


@pytest.mark.parametrize("name", ["test_io_input-valid.csv", "test_io_input-valid-latin1.csv"])
def test_hxl_validator_files(workspace: Workspace, shared_data: Path, name: str) -> None:
    f = shared_data / "validators" / "hxl" / name
    r = ingest_file(workspace, f, IngestOptions(kind="aggregate"))
    assert r.rows_read > 0 and r.committed
