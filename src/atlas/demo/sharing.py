"""The main job's sharing step: people, agreements and first releases, so the portal has a picture to show.

Three fictional arrangements (open data, a consulate, a humanitarian agency with a crisis clause) are
loaded from `atlas/demo/agreements`, released once, and one special run waits for a steward's approval.
Passwords are random per workspace and written only to a 0600 file next to the master key.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import duckdb

from atlas.errors import PolicyRefused
from atlas.privacy.users import actor_for, add_user
from atlas.sharing.agreement import load_agreement
from atlas.sharing.catalog import add_agreement, list_agreements
from atlas.sharing.release import run_release
from atlas.sharing.requests import submit_request
from atlas.store.workspace import Workspace
from atlas.tables.spec import parse_spec

LOGINS_FILE = "demo-logins.txt"

# (user, role, organisation); the workspace's own user comes first as the steward.
PEOPLE = [("consul", "partner", "consulate-VEN"), ("agency", "partner", "humanitarian-agency"),
          ("auditor", "auditor", None)]

PENDING_RUN = {
    "name": "ven_by_region_purpose",
    "title": "Venezuelan nationals by region and purpose of migration (special run)",
    "filter": [{"field": "nationality", "op": "eq", "value": "VEN"}],
    "dimensions": [{"field": "area", "level": "adm1"}, {"field": "purpose"}],
    "protection": {"method": "suppression", "min_count": 10, "secondary": "fast"},
}


@dataclass(frozen=True)
class DemoLogin:
    name: str
    role: str
    organisation: str | None
    password: str


def agreement_files() -> list[Path]:
    folder = resources.files("atlas.demo").joinpath("agreements")
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith(".yaml"))


def share_demo(ws: Workspace, say: Callable[[str], None] = lambda _: None) -> list[DemoLogin]:
    """Users, agreements, one release per agreement and a pending special run (skipped when present)."""
    with ws.connect() as con:
        if list_agreements(con):
            return []
        say("adding stakeholders and their agreements")
        logins = _add_people(ws, con)
        steward = actor_for(con, ws.settings.user)
        for path in agreement_files():
            add_agreement(con, steward, load_agreement(path))
        names = [a.name for a in list_agreements(con)]
    say("releasing each agreement's first package (signed, fingerprinted per recipient)")
    for name in names:
        try:
            run_release(ws, name)
        except PolicyRefused as exc:  # a small demo population: the refusal is the protection working
            say(f"release of {name} refused: {exc}")
    with ws.connect() as con:
        consul = actor_for(con, "consul")
    submit_request(ws, parse_spec(PENDING_RUN), "consulate-ven-xat", "preparedness", consul)
    _write_logins(ws.home / LOGINS_FILE, logins)
    return logins


def _add_people(ws: Workspace, con: duckdb.DuckDBPyConnection) -> list[DemoLogin]:
    logins = []
    me = ws.settings.user
    if con.execute("SELECT 1 FROM users WHERE name = ?", [me]).fetchone() is None:
        password = secrets.token_urlsafe(12)
        add_user(con, actor_for(con, me), me, role="steward", password=password)
        logins.append(DemoLogin(me, "steward", None, password))
    steward = actor_for(con, me)
    for name, role, org in PEOPLE:
        password = secrets.token_urlsafe(12)
        add_user(con, steward, name, role=role, organisation=org, password=password)
        logins.append(DemoLogin(name, role, org, password))
    return logins


def _write_logins(path: Path, logins: list[DemoLogin]) -> None:
    lines = ["# Demo portal logins (fictional users of this workspace only). Keep this file private.\n"]
    lines += [f"{x.name}\t{x.role}\t{x.organisation or '-'}\t{x.password}\n" for x in logins]
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.writelines(lines)
