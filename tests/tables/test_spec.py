"""Table specs: valid specs load, mistakes are reported with their place in the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from atlas.errors import NotFound, RejectedInput
from atlas.protection.policy import DisclosurePolicy
from atlas.tables.spec import TableSpec, load_spec, parse_spec

GOOD = """\
name: migrants_by_district_nationality_sex
kind: person
filter: [{field: migration_status, op: in, value: [regular, irregular]}]
dimensions:
  - {field: area, level: adm2}
  - {field: nationality, grouping: un_m49_region}
  - {field: sex}
  - field: age
    grouping: {bands: [0, 15, 65], groups: {"00-64": ["00-14", "15-64"]}}
measure: count
protection: {method: suppression, min_count: 10}
"""


def write(tmp_path: Path, text: str, name: str = "spec.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_design_example_loads(tmp_path: Path) -> None:
    spec = load_spec(write(tmp_path, GOOD))
    assert isinstance(spec, TableSpec)
    assert [d.field for d in spec.dimensions] == ["area", "nationality", "sex", "age"]
    assert spec.filter[0].op == "in" and spec.filter[0].value == ["regular", "irregular"]
    assert spec.measure.kind == "count"
    assert isinstance(spec.policy, DisclosurePolicy) and spec.policy.min_count == 10


def test_json_spec(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        '{"name": "t", "dimensions": [{"field": "sex"}], "measure": {"weighted": "sampling_weight"},'
        ' "protection": {"method": "rounding", "rounding_base": 3}}',
        "t.json",
    )
    spec = load_spec(p)
    assert spec.measure.kind == "weighted" and spec.measure.field == "sampling_weight"
    assert spec.policy.rounding.base == 3


@pytest.mark.parametrize(
    ("snippet", "column", "row"),
    [
        (
            "filter: [{field: migration_statu, op: eq, value: x}]\ndimensions: [{field: sex}]\n",
            "filter[0].field",
            2,
        ),
        ("dimensions:\n  - {field: sex}\n  - {field: area, level: adm3}\n", "dimensions[1]", 4),
        ("dimensions: [{field: sex, grouping: un_m49_region}]\n", "dimensions[0]", 2),
        ("dimensions: [{field: sex}]\nmeasure: {sum: sex}\n", "measure", 3),
        ("dimensions: [{field: sex}]\nfilter: [{field: age, op: between, value: 3}]\n", "filter[0]", 3),
        ("dimensions: [{field: sex}]\nfilter: [{field: age, op: is_null, value: 3}]\n", "filter[0]", 3),
        ("dimensions: [{field: sex}]\nprotection: {method: suppresion}\n", "protection.method", 3),
        ("dimensions: [{field: sex}]\nsql: 'select 1'\n", "sql", 3),
        ("dimensions: [{field: sex}, {field: sex}]\n", None, None),
    ],
)
def test_mistakes_are_located(tmp_path: Path, snippet: str, column: str | None, row: int | None) -> None:
    with pytest.raises(RejectedInput) as info:
        load_spec(write(tmp_path, "name: t\n" + snippet))
    issue = info.value.issues[0]
    assert issue.file and issue.file.endswith("spec.yaml")
    if column is not None:
        assert issue.column == column
        assert issue.row == row


def test_unsafe_threshold_refused(tmp_path: Path) -> None:
    with pytest.raises(RejectedInput) as info:
        load_spec(write(tmp_path, "name: t\ndimensions: [{field: sex}]\nprotection: {min_count: 2}\n"))
    assert info.value.issues[0].column == "protection"


def test_yaml_syntax_error_has_line(tmp_path: Path) -> None:
    with pytest.raises(RejectedInput) as info:
        load_spec(write(tmp_path, "name: t\ndimensions: [{field: sex}\n"))
    assert info.value.issues[0].code == "spec-syntax" and info.value.issues[0].row is not None


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        load_spec(tmp_path / "nope.yaml")


def test_sensitivity_defaults_from_vocabulary() -> None:
    spec = parse_spec({"name": "t", "dimensions": [{"field": "migration_status"}, {"field": "sex"}]})
    assert [d.is_sensitive for d in spec.dimensions] == [True, False]


def test_cell_key_needs_counts() -> None:
    with pytest.raises(RejectedInput):
        parse_spec(
            {
                "name": "t",
                "dimensions": [{"field": "sex"}],
                "measure": {"weighted": "sampling_weight"},
                "protection": {"method": "cell_key"},
            }
        )


def test_fields_must_exist_for_the_record_kind() -> None:
    with pytest.raises(RejectedInput, match="not valid"):
        parse_spec({"name": "t", "kind": "aggregate", "dimensions": [{"field": "wg_seeing"}]})
    spec = parse_spec(
        {"name": "t", "kind": "aggregate", "dimensions": [{"field": "indicator"}, {"field": "adm1"}]}
    )
    assert spec.kind == "aggregate"


@pytest.mark.parametrize(
    ("dimension", "column"),
    [
        ({"field": "age", "grouping": {"bands": [5, 3]}}, "dimensions[0].grouping.bands"),
        ({"field": "nationality", "grouping": "continents"}, "dimensions[0].grouping"),
    ],
)
def test_one_issue_per_grouping_mistake(dimension: dict, column: str) -> None:
    with pytest.raises(RejectedInput) as info:
        parse_spec({"name": "t", "dimensions": [dimension]})
    assert [i.column for i in info.value.issues] == [column]


def test_measure_typo_reported() -> None:
    with pytest.raises(RejectedInput) as info:
        parse_spec({"name": "t", "dimensions": [{"field": "sex"}], "measure": "counts"})
    assert info.value.issues and info.value.issues[0].column == "measure"


def test_filter_values_checked_against_code_lists() -> None:
    with pytest.raises(RejectedInput, match="not valid") as info:
        parse_spec(
            {
                "name": "t",
                "dimensions": [{"field": "sex"}],
                "filter": [{"field": "migration_status", "op": "in", "value": ["regular", "irregullar"]}],
            }
        )
    assert "irregullar" in info.value.issues[0].message
    ok = parse_spec(
        {
            "name": "t",
            "dimensions": [{"field": "sex"}],
            "filter": [{"field": "informal_work", "op": "eq", "value": True}],
        }
    )
    assert ok.filter[0].value is True


def test_ptable_path_relative_to_spec(tmp_path: Path) -> None:
    spec = load_spec(
        write(
            tmp_path, "name: t\ndimensions: [{field: sex}]\nprotection: {method: cell_key, ptable: p.txt}\n"
        )
    )
    assert spec.policy.cell_key.ptable == str(tmp_path / "p.txt")
