"""What callers may see: agreements by party, releases by recipient, on-demand tables, agreements in force."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from atlas.errors import PolicyRefused
from atlas.privacy.access import Actor
from atlas.sharing.agreement import check_in_force, parse_agreement
from atlas.sharing.catalog import add_agreement, get_agreement, set_status
from atlas.sharing.release import run_release
from atlas.sharing.serving import (
    agreement_for,
    release_file_digest,
    release_files,
    release_for,
    serving_key,
    table_for,
    visible_agreements,
    visible_releases,
)

from .conftest import EXPIRY, agreement_data

STEWARD = Actor("boss", frozenset({"steward"}), "INS", bootstrap=True)
CONSULATE = Actor("pia", frozenset({"partner"}), "consulate-VEN")
NGO = Actor("olga", frozenset({"partner"}), "ngo-x")
NO_ROLE = Actor("sam", frozenset({"public"}), "consulate-VEN")


def _public() -> dict:
    return agreement_data(name="open", parties={"provider": "INS", "recipients": ["public"]}, licence="CC-BY-4.0",
                          special_runs={"allowed": False}, tables=[{"name": "by_sex", "dimensions": [{"field": "sex"}]}])


@pytest.fixture
def shared(populated):
    with populated.connect() as con:
        for data in (_public(), agreement_data()):
            add_agreement(con, STEWARD, parse_agreement(data))
    for name in ("open", "ins-consulate-ven"):
        run_release(populated, name, STEWARD)
    return populated


def test_agreements_and_releases_by_party(shared) -> None:
    with shared.connect() as con:
        assert {a.name for a in visible_agreements(con, None)} == {"open"}
        assert {a.name for a in visible_agreements(con, CONSULATE)} == {"open", "ins-consulate-ven"}
        assert {a.name for a in visible_agreements(con, NO_ROLE)} == {"open"}  # membership alone is not enough
        with pytest.raises(PolicyRefused, match="not a party") as exc:
            agreement_for(con, NGO, "ins-consulate-ven")
        assert exc.value.clause == "parties"
        assert {r["release_id"] for r in visible_releases(con, None)} == {"open/1"}
        assert {r["release_id"] for r in visible_releases(con, CONSULATE)} == {"open/1", "ins-consulate-ven/1"}
        with pytest.raises(PolicyRefused) as exc:
            release_for(con, NGO, "ins-consulate-ven", 1)
        assert exc.value.clause == "access:read_releases"
        row = release_for(con, CONSULATE, "ins-consulate-ven", 1)
        files = release_files(row)
        assert "by_dept_sex.csv" in files and len(files["manifest.json"]["sha256"]) == 64
        for name in ("by_dept_sex.csv", "manifest.json", "manifest.sig"):
            assert release_file_digest(row, name) == files[name]["sha256"]
        assert release_file_digest(row, "../master.key") is None


def test_suspension_cuts_access_but_not_the_providers(shared) -> None:
    with shared.connect() as con:
        set_status(con, STEWARD, "ins-consulate-ven", "suspended", "breach")
        with pytest.raises(PolicyRefused) as exc:
            release_for(con, CONSULATE, "ins-consulate-ven", 1)
        assert exc.value.clause == "status"
        assert release_for(con, STEWARD, "ins-consulate-ven", 1)["recipient"] == "consulate-VEN"
        assert {r["release_id"] for r in visible_releases(con, CONSULATE)} == {"open/1"}
        with pytest.raises(PolicyRefused):
            table_for(con, CONSULATE, get_agreement(con, "ins-consulate-ven"), "by_dept_sex")


def test_on_demand_table_equals_the_released_one_and_keys_change_with_data(shared) -> None:
    import pandas as pd

    with shared.connect() as con:
        a = get_agreement(con, "ins-consulate-ven")
        key = serving_key(con, a)
        t = table_for(con, CONSULATE, a, "by_dept_sex")
        released = pd.read_csv(release_for(con, CONSULATE, "ins-consulate-ven", 1)["path"] + "/by_dept_sex.csv",
                               dtype=str, keep_default_na=False)
        assert len(t.cells) == len(released)
        assert set(t.cells["flag"].fillna("")) == set(released["flag"])
        with pytest.raises(PolicyRefused):
            table_for(con, CONSULATE, a, "by_dept_sex", purpose="evacuation")
        con.execute("INSERT INTO release_tables SELECT * FROM release_tables LIMIT 1")
        assert serving_key(con, a) != key


def test_check_in_force_names_the_clause() -> None:
    a = parse_agreement(agreement_data())
    check_in_force(a, datetime(2026, 6, 1, tzinfo=UTC))
    for when, clause in ((datetime(2025, 6, 1, tzinfo=UTC), "start"), (datetime.fromisoformat(EXPIRY).replace(tzinfo=UTC), "expiry")):
        with pytest.raises(PolicyRefused) as exc:
            check_in_force(a, when)
        assert exc.value.clause == clause
    with pytest.raises(PolicyRefused) as exc:
        check_in_force(a.model_copy(update={"status": "suspended"}), datetime(2026, 6, 1, tzinfo=UTC))
    assert exc.value.clause == "status"
