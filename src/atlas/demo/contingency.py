"""The main job's contingency step: directory, focal points, evidence and trafficking reports, then public outputs.

Everything written under `outputs/contingency/` is protected aggregate output: coverage counts of
networks and of focal points, the reviewed public evidence, and (in `restricted/`, for the fictional
counter-trafficking task force under its agreement) trafficking counts by department. No contact
detail and no unreviewed text is ever written. The step is skipped when the directory already holds
networks, so re-running the demo is quick.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from atlas.communities.evidence import add_evidence, review, search
from atlas.communities.focal_points import (
    add_focal_points,
    contact,
    due_for_review,
    focal_coverage,
    withdraw_focal_consent,
)
from atlas.communities.networks import add_networks, network_coverage
from atlas.communities.trafficking import add_reports, trafficking_table
from atlas.demo.country import DEMO_COUNTRY, demo_areas
from atlas.demo.directory import RELIEF_AGENCY, demo_focal_points, demo_networks
from atlas.demo.evidence_docs import demo_evidence
from atlas.demo.trafficking_reports import demo_reports
from atlas.errors import PolicyRefused
from atlas.privacy.access import Actor
from atlas.privacy.session import acting
from atlas.privacy.users import add_user
from atlas.sharing.agreement import parse_agreement
from atlas.sharing.catalog import activate_crisis, add_agreement
from atlas.store.workspace import Workspace
from atlas.tables.service import write_table

TASK_FORCE = "xat-counter-trafficking-taskforce"
RESPONDERS = "demo-crisis-contacts"
COUNTER_TRAFFICKING = "demo-counter-trafficking"
PEOPLE = (("relief", RELIEF_AGENCY), ("taskforce", TASK_FORCE))


def _agreement(name: str, recipient: str, purposes: list[str], crisis: dict | None, today: date) -> dict:
    return {"name": name, "title": f"FAKE demo agreement: {name}",
            "parties": {"provider": "xat-statistics-office", "recipients": [recipient]},
            "tables": [{"name": "people_by_department", "dimensions": [{"field": "area", "level": "adm1"}]}],
            "dimensions": ["area"], "finest_geography": "adm1", "purposes": purposes,
            "circumstances": {"routine": True, **({"crisis": crisis} if crisis else {})},
            "disclosure": {"method": "suppression", "min_count": 10},
            "start": str(today - timedelta(days=30)), "expiry": str(today + timedelta(days=365))}


def _load(ws: Workspace, con, steward: Actor, seed: int, say: Callable[[str], None]) -> dict:  # type: ignore[no-untyped-def]
    today = datetime.now(UTC).date()
    areas = demo_areas()
    say("adding the directory of networks and focal points (contacts sealed in the vault)")
    networks = demo_networks(areas, DEMO_COUNTRY, seed)
    add_networks(con, steward, networks)
    focal = demo_focal_points(networks, areas, DEMO_COUNTRY, seed, today)
    add_focal_points(con, ws.keys, steward, focal)
    withdrawn = next(f.focal_id for f in focal if f.consent is not None)
    withdraw_focal_consent(con, steward, withdrawn, channel="phone")
    say("adding the evidence library (identifying text sealed and held for review)")
    status = add_evidence(con, ws.keys, steward, demo_evidence(areas, DEMO_COUNTRY, seed))
    review(con, ws.keys, steward, "EVX01", "redacted", "demo: informant details removed")
    say("adding trafficking and smuggling reports")
    reports = add_reports(con, steward, demo_reports(areas, DEMO_COUNTRY, seed))
    if not steward.bootstrap:
        for name, org in PEOPLE:
            if not con.execute("SELECT 1 FROM users WHERE name = ?", [name]).fetchone():
                add_user(con, steward, name, role="partner", organisation=org)
    crisis = {"trigger": "FAKE: cyclone warning", "purposes": ["emergency_response", "evacuation"], "max_days": 14}
    add_agreement(con, steward, parse_agreement(_agreement(RESPONDERS, RELIEF_AGENCY, ["preparedness"], crisis,
                                                           today)))
    add_agreement(con, steward, parse_agreement(_agreement(COUNTER_TRAFFICKING, TASK_FORCE,
                                                           ["counter_trafficking"], None, today)))
    return {"networks": len(networks), "focal_points": len(focal), "focal_point_withdrawn": withdrawn,
            "evidence": status["review_status"].value_counts().to_dict(), "trafficking_reports": reports}


def _count(con, sql: str, params: list | None = None) -> object:  # type: ignore[no-untyped-def]
    row = con.execute(sql, params or []).fetchone()
    return row[0] if row else None


def _refusal_shown(ws: Workspace, con, focal_id: str) -> str:  # type: ignore[no-untyped-def]
    """A partner without an agreement asks for a contact: refused, and the refusal is in the audit trail."""
    try:
        contact(con, ws.keys, Actor("demo-partner", frozenset({"partner"}), RELIEF_AGENCY), focal_id,
                purpose="emergency_response")
    except PolicyRefused as exc:
        return exc.clause or "refused"
    return "not refused"


def run_contingency(ws: Workspace, out: Path, *, seed: int = 1, say: Callable[[str], None] = lambda _: None
                    ) -> dict[str, Path]:
    """Load the demo directory, evidence and reports once, then write the public (and task-force) outputs."""
    folder = out / "contingency"
    (folder / "restricted").mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    with acting(ws) as (con, steward):
        summary: dict = {}
        if not _count(con, "SELECT count(*) FROM networks"):
            summary = _load(ws, con, steward, seed, say)
        say("writing coverage counts, public evidence and the task force's trafficking table")
        cov = network_coverage(con, level="adm1", actor=steward)
        written["network_coverage"] = write_table(cov.table, "csv", folder)[0]
        (folder / "network_coverage.txt").write_text("\n".join(cov.statements) + "\n", encoding="utf-8")
        focal = focal_coverage(con, purpose="emergency_response", level="adm1")
        written["focal_point_coverage"] = write_table(focal.table, "csv", folder)[0]
        public = search(con, None, audience="public", limit=1000)
        written["evidence_public"] = folder / "evidence_public.csv"
        public.to_csv(written["evidence_public"], index=False)
        if not steward.bootstrap and not _count(con, "SELECT count(*) FROM crisis_activations WHERE name = ?",
                                                [RESPONDERS]):
            activate_crisis(con, steward, RESPONDERS, "FAKE: cyclone warning", days=7)
        table = trafficking_table(con, steward, agreement=COUNTER_TRAFFICKING, dimensions=["area", "kind"])
        written["trafficking"] = write_table(table, "csv", folder / "restricted")[0]
        routes = trafficking_table(con, steward, agreement=COUNTER_TRAFFICKING, dimensions=["route_origin", "kind"])
        written["trafficking_routes"] = write_table(routes, "csv", folder / "restricted")[0]
        first = str(_count(con, "SELECT min(focal_id) FROM focal_points"))
        summary |= {"contact_without_agreement": _refusal_shown(ws, con, first),
                    "review_prompts": len(due_for_review(con, steward)),
                    "public_evidence_items": len(public)}
    written["summary"] = folder / "summary.json"
    written["summary"].write_text(json.dumps(summary, indent=2, default=str) + "\n", encoding="utf-8")
    return written
