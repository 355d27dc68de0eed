"""Agreements: validation, readable rendering, and check_request refusing with the clause that refuses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from atlas.errors import PolicyRefused, RejectedInput
from atlas.sharing.agreement import check_request, parse_agreement, render_markdown, spec_geography
from atlas.sharing.cadence import parse_cadence, slots
from atlas.tables.spec import parse_spec

from .conftest import agreement_data

NOW = datetime(2026, 6, 15, 12, tzinfo=UTC)


def _spec(**over: object):
    data: dict[str, object] = {"name": "t", "dimensions": [{"field": "area", "level": "adm1"}, {"field": "sex"}]}
    data.update(over)
    return parse_spec(data)


def test_valid_agreement_renders_every_clause() -> None:
    a = parse_agreement(agreement_data())
    text = render_markdown(a)
    for words in ("consulate-VEN", "consular_assistance", "adm1", "minimum count 10", "monthly on day 1",
                  "Onward transfer", "Retention", "by_dept_sex"):
        assert words in text
    again = parse_agreement(__import__("yaml").safe_load(a.to_yaml()))
    assert again == a


@pytest.mark.parametrize(("over", "field"), [
    ({"purposes": ["marketing"]}, "purposes"),
    ({"expiry": "2025-01-01"}, ""),
    ({"cadence": "every full moon"}, "cadence"),
    ({"formats": ["pdf"]}, ""),
    ({"dimensions": ["shoe_size"]}, "dimensions"),
    ({"parties": {"provider": "INS", "recipients": ["public"]}}, ""),
])
def test_invalid_agreements_are_rejected_with_location(over: dict, field: str) -> None:
    with pytest.raises(RejectedInput) as exc:
        parse_agreement(agreement_data(**over))
    assert exc.value.issues
    if field:
        assert any((i.column or "").startswith(field) for i in exc.value.issues)


def test_public_agreement_needs_licence_strict_floor_and_no_special_runs() -> None:
    ok = parse_agreement(agreement_data(parties={"provider": "INS", "recipients": ["public"]}, licence="CC-BY-4.0",
                                        special_runs={"allowed": False}))
    assert ok.is_public
    with pytest.raises(RejectedInput):
        parse_agreement(agreement_data(parties={"provider": "INS", "recipients": ["public"]}, licence="CC-BY-4.0",
                                       special_runs={"allowed": False}, disclosure={"min_count": 5}))


@pytest.mark.parametrize(("over", "spec", "purpose", "kw", "clause"), [
    ({}, {}, "marketing", {}, "purposes"),
    ({}, {}, "research", {}, "purposes"),
    ({}, {"dimensions": [{"field": "area", "level": "adm2"}]}, "statistics", {}, "finest_geography"),
    ({}, {"dimensions": [{"field": "adm2"}]}, "statistics", {}, "finest_geography"),
    ({}, {"filter": [{"field": "adm2", "op": "eq", "value": "HT0111"}]}, "statistics", {}, "finest_geography"),
    ({}, {"dimensions": [{"field": "migration_status"}]}, "statistics", {}, "dimensions"),
    ({"expiry": "2026-06-01"}, {}, "statistics", {}, "expiry"),
    ({"start": "2026-07-01", "expiry": "2027-01-01"}, {}, "statistics", {}, "start"),
    ({"status": "suspended"}, {}, "statistics", {}, "status"),
    ({"status": "revoked"}, {}, "statistics", {}, "status"),
    ({"special_runs": {"allowed": False}}, {}, "statistics", {"special": True}, "special_runs.allowed"),
    ({}, {}, "statistics", {"special": True, "runs_this_month": 5}, "special_runs.max_per_month"),
    ({}, {}, "statistics", {"special": True, "cells": 501}, "special_runs.max_cells"),
    ({}, {"protection": {"min_count": 5}}, "statistics", {}, "disclosure.min_count"),
    ({}, {"protection": {"method": "rounding"}}, "statistics", {}, "disclosure.method"),
    ({"categories": {"sex": ["female"]}}, {}, "statistics", {}, "categories.sex"),
    ({"circumstances": {"routine": False, "crisis": {"trigger": "x"}}}, {}, "statistics", {}, "circumstances"),
])
def test_check_request_refuses_naming_the_clause(over: dict, spec: dict, purpose: str, kw: dict, clause: str) -> None:
    a = parse_agreement(agreement_data(**over))
    with pytest.raises(PolicyRefused) as exc:
        check_request(a, _spec(**spec), purpose, NOW, **kw)
    assert exc.value.clause == clause
    assert exc.value.issues and exc.value.issues[0].column == clause


def test_check_request_accepts_what_the_agreement_covers() -> None:
    a = parse_agreement(agreement_data(categories={"sex": ["female", "male"]}))
    check_request(a, _spec(dimensions=[{"field": "area", "level": "adm1"},
                                       {"field": "sex", "codes": ["female", "male"]}]), "statistics", NOW,
                  special=True, runs_this_month=4, cells=500)


def test_spec_geography_is_the_finest_level_shown_or_filtered() -> None:
    assert spec_geography(_spec()) == "adm1"
    assert spec_geography(_spec(dimensions=[{"field": "sex"}])) is None
    assert spec_geography(_spec(dimensions=[{"field": "area"}])) == "adm2"


def test_crisis_unlocks_only_while_active() -> None:
    from atlas.sharing.agreement import ActiveCrisis

    crisis = {"trigger": "hurricane warning", "finest_geography": "adm2", "purposes": ["emergency_response"],
              "tables": [{"name": "crisis_by_commune", "dimensions": [{"field": "area", "level": "adm2"}]}]}
    base = parse_agreement(agreement_data(circumstances={"routine": True, "crisis": crisis}))
    spec = _spec(dimensions=[{"field": "area", "level": "adm2"}])
    state = ActiveCrisis(activated_by="ana", trigger="storm", starts_at=NOW - timedelta(days=1),
                         ends_at=NOW + timedelta(days=1))
    on = base.model_copy(update={"crisis_state": state})
    check_request(on, spec, "emergency_response", NOW)
    assert [t.name for t in on.tables_for(NOW)][-1] == "crisis_by_commune"
    later = NOW + timedelta(days=2)
    with pytest.raises(PolicyRefused) as exc:
        check_request(on, spec, "statistics", later)
    assert exc.value.clause == "finest_geography"
    assert [t.name for t in on.tables_for(later)] == ["by_dept_sex", "by_nat_sex"]


@pytest.mark.parametrize(("text", "after", "until", "expected"), [
    ("monthly on day 1", "2026-01-15", "2026-04-02", ["2026-02-01", "2026-03-01", "2026-04-01"]),
    ("weekly on monday at 06:30", "2026-01-01", "2026-01-13", ["2026-01-05T06:30", "2026-01-12T06:30"]),
    ("0 6 1 */3 *", "2026-01-01", "2026-12-31", ["2026-01-01T06:00", "2026-04-01T06:00", "2026-07-01T06:00", "2026-10-01T06:00"]),
    ("daily", "2026-01-01T12:00", "2026-01-03", ["2026-01-02", "2026-01-03"]),
])
def test_cadence_slots(text: str, after: str, until: str, expected: list[str]) -> None:
    def t(s: str) -> datetime:
        return datetime.fromisoformat(s).replace(tzinfo=UTC)

    assert list(slots(parse_cadence(text), t(after), t(until))) == [t(e) for e in expected]


@pytest.mark.parametrize("text", ["monthly on day 31", "0 25 * * *", "weekly on funday", "* * *"])
def test_bad_cadences_are_rejected(text: str) -> None:
    with pytest.raises(RejectedInput):
        parse_cadence(text)


@given(day=st.integers(1, 28), start=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1)),
       span=st.integers(0, 400))
def test_monthly_slots_fall_on_the_day_and_inside_the_window(day: int, start: datetime, span: int) -> None:
    after = start.replace(tzinfo=UTC)
    until = after + timedelta(days=span)
    found = list(slots(parse_cadence(f"monthly on day {day}"), after, until))
    assert all(s.day == day and after < s <= until for s in found)
    assert found == sorted(found)
    assert len(found) >= span // 31 - 1
