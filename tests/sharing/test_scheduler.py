"""Scheduled releases (catch-up, retries, report) and crisis activation end to end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from atlas.errors import PolicyRefused
from atlas.privacy.users import actor_for, add_user
from atlas.sharing.agreement import parse_agreement
from atlas.sharing.catalog import activate_crisis, add_agreement, end_crisis, get_agreement
from atlas.sharing.release import run_release, verify_release
from atlas.sharing.scheduler import due, run_due
from atlas.store.workspace import Workspace

from .conftest import agreement_data

CRISIS = {"may_activate": ["steward"], "trigger": "hurricane warning by the civil protection directorate",
          "finest_geography": "adm2", "purposes": ["emergency_response"], "max_days": 10,
          "tables": [{"name": "crisis_by_commune", "dimensions": [{"field": "area", "level": "adm2"}]}]}


def _add(ws: Workspace, **over: object) -> None:
    with ws.connect() as con:
        add_agreement(con, actor_for(con, ws.settings.user), parse_agreement(agreement_data(**over)))


def test_missed_slots_are_caught_up_by_one_release(populated: Workspace) -> None:
    _add(populated, start="2026-03-15")
    now = datetime.now(UTC)
    missed = due(populated, now)["ins-consulate-ven"]
    assert missed[0] == datetime(2026, 4, 1, tzinfo=UTC) and len(missed) >= 2
    report = run_due(populated, now=now)
    [run] = report.runs
    assert run.status == "released" and run.slots == missed and run.attempts == 1
    package = populated.releases_dir / "ins-consulate-ven" / "1"
    assert verify_release(package).ok
    target = package / "by_dept_sex.json"
    package.chmod(0o755)
    target.chmod(0o644)
    target.write_bytes(target.read_bytes().replace(b"HT01", b"HT02", 1))
    assert [p for p in verify_release(package).problems if "by_dept_sex.json" in p]
    assert run_due(populated, now=now).runs == []
    nxt = run_due(populated, now=now + timedelta(days=32))
    assert [r.release_id for r in nxt.runs] == ["ins-consulate-ven/2"]


def test_failed_runs_are_retried_then_reported(populated: Workspace) -> None:
    _add(populated)
    blocker = populated.releases_dir / "ins-consulate-ven" / "1"
    blocker.mkdir(parents=True)
    now = datetime(2026, 6, 2, tzinfo=UTC)
    report = run_due(populated, now=now, max_attempts=2)
    [run] = report.failed
    assert run.attempts == 2 and "never overwritten" in (run.error or "")
    with populated.connect(read_only=True) as con:
        failures = con.execute("SELECT count(*) FROM schedule_runs WHERE status = 'failed'").fetchone()
        logged = con.execute("SELECT count(*) FROM audit_log WHERE action = 'scheduler.failed'").fetchone()
    assert failures == (2,) and logged == (2,)
    blocker.rmdir()
    again = run_due(populated, now=now)
    assert again.runs[0].status == "released" and again.runs[0].attempts == 3


def test_suspended_agreements_are_not_due(populated: Workspace) -> None:
    _add(populated, status="suspended")
    assert due(populated, datetime(2026, 6, 2, tzinfo=UTC)) == {}


def test_crisis_activation_unlocks_tables_and_ends_on_its_date(populated: Workspace) -> None:
    _add(populated, circumstances={"routine": True, "crisis": CRISIS})
    with populated.connect() as con:
        add_user(con, actor_for(con, "ana"), "ana", role="steward")
        ana = actor_for(con, "ana")
        add_user(con, ana, "pia", role="partner", organisation="consulate-VEN")
        pia = actor_for(con, "pia")
        with pytest.raises(PolicyRefused) as exc:
            activate_crisis(con, pia, "ins-consulate-ven", "rumour")
        assert exc.value.clause == "circumstances.crisis.may_activate"
        start = datetime.now(UTC) - timedelta(days=1)
        a = activate_crisis(con, ana, "ins-consulate-ven", "hurricane Ida", days=99, now=start)
    assert a.crisis_state is not None and a.crisis_state.ends_at == start + timedelta(days=10)
    during = run_release(populated, "ins-consulate-ven", ana, purpose="emergency_response")
    assert "crisis_by_commune" in during.tables and (during.path / "crisis_by_commune.csv").exists()
    after = start + timedelta(days=10, seconds=1)
    routine = run_release(populated, "ins-consulate-ven", ana, now=after)
    assert routine.tables == ["by_dept_sex", "by_nat_sex"]
    with pytest.raises(PolicyRefused) as exc:
        run_release(populated, "ins-consulate-ven", ana, now=after, purpose="emergency_response")
    assert exc.value.clause == "purposes"
    with populated.connect() as con:
        assert end_crisis(con, ana, "ins-consulate-ven").crisis_state is None
        assert get_agreement(con, "ins-consulate-ven").allowed_geography(datetime.now(UTC)) == "adm1"
