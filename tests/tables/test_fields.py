"""The field list of the table layer follows the store's canonical fields."""

from __future__ import annotations

from atlas.store.fields import PERSON_FIELDS
from atlas.tables.fields import FIELDS, get_field


def test_every_person_field_is_known() -> None:
    assert {f.name for f in PERSON_FIELDS} <= set(FIELDS)


def test_code_lists_and_sensitivity() -> None:
    assert get_field("sex").codes[:2] == ("female", "male")
    assert get_field("migration_status").sensitive
    assert get_field("area").levels == ("adm0", "adm1", "adm2")
    assert not get_field("record_id").dimension
