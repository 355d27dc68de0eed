"""Tables protected on the fly, only within the caller's agreements and formats."""

from __future__ import annotations

import csv
import io

from .conftest import bearer

PUBLIC_TABLE = "/api/v1/tables/open-hti/pop_by_dept_sex"
CONSULATE_TABLE = "/api/v1/tables/ins-consulate-ven/by_dept_sex"


def test_table_lists_follow_the_agreements(client, world) -> None:
    def names(headers: dict | None = None) -> set[str]:
        r = client.get("/api/v1/tables", headers=headers or {})
        assert r.status_code == 200
        return {f"{t['agreement']}/{t['table']}" for t in r.json()}

    assert names() == {"open-hti/pop_by_dept_sex"}
    assert names(bearer(world, "pia")) == {"open-hti/pop_by_dept_sex", "ins-consulate-ven/by_dept_sex",
                                           "ins-consulate-ven/by_nat_sex"}
    assert "ins-consulate-ven/by_dept_sex" not in names(bearer(world, "olga"))
    assert len(names(bearer(world, "alice"))) == 4


def test_public_table_is_protected_and_matches_the_release(client, world) -> None:
    r = client.get(PUBLIC_TABLE + "?format=csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert rows and {"value", "flag"} <= set(rows[0])
    for row in rows:
        assert row["value"] == "" or int(float(row["value"])) == 0 or int(float(row["value"])) >= 10
    released = client.get("/api/v1/releases/open-hti/1/files/pop_by_dept_sex.csv").text
    assert sorted(released.splitlines()) == sorted(r.text.splitlines())
    assert client.get(PUBLIC_TABLE).headers["content-type"].startswith("application/json")


def test_table_etag_and_304(client) -> None:
    r = client.get(PUBLIC_TABLE + "?format=csv")
    etag = r.headers["etag"]
    assert client.get(PUBLIC_TABLE + "?format=csv", headers={"If-None-Match": etag}).status_code == 304


def test_public_user_asking_for_a_non_public_table_is_refused(client, world) -> None:
    anonymous = client.get(CONSULATE_TABLE)
    assert anonymous.status_code == 403 and anonymous.json()["clause"] == "parties"
    pub = client.get(CONSULATE_TABLE, headers=bearer(world, "pub"))
    assert pub.status_code == 403 and pub.json()["clause"] == "parties"
    other = client.get(CONSULATE_TABLE, headers=bearer(world, "olga"))
    assert other.status_code == 403


def test_partner_gets_its_table_in_agreed_formats_only(client, world) -> None:
    ok = client.get(CONSULATE_TABLE + "?format=csv", headers=bearer(world, "pia"))
    assert ok.status_code == 200 and "private" in ok.headers["cache-control"]
    refused = client.get(CONSULATE_TABLE + "?format=xlsx", headers=bearer(world, "pia"))
    assert refused.status_code == 403 and refused.json()["clause"] == "formats"
    wrong_purpose = client.get(CONSULATE_TABLE + "?purpose=evacuation", headers=bearer(world, "pia"))
    assert wrong_purpose.status_code == 403 and wrong_purpose.json()["clause"] == "purposes"
    assert client.get("/api/v1/tables/ins-consulate-ven/nothing", headers=bearer(world, "pia")).status_code == 404
    with client.app.state.workspace.connect() as con:
        served = con.execute("SELECT count(*) FROM audit_log WHERE action = 'table.serve' AND actor = 'pia'").fetchone()
    assert served[0] == 1


def test_suspended_agreement_cuts_table_access_at_once(client, world) -> None:
    assert client.get(CONSULATE_TABLE, headers=bearer(world, "pia")).status_code == 200
    with client.app.state.workspace.connect() as con:
        from atlas.privacy.users import actor_for
        from atlas.sharing.catalog import set_status

        set_status(con, actor_for(con, "alice"), "ins-consulate-ven", "suspended", "audit finding")
    r = client.get(CONSULATE_TABLE, headers=bearer(world, "pia"))
    assert r.status_code == 403 and r.json()["clause"] == "status"


def test_suspended_public_agreement_disappears(client, world) -> None:
    client.post("/api/v1/agreements/open-hti/status", json={"status": "suspended", "reason": "error found"},
                headers=bearer(world, "alice"))
    assert client.get(PUBLIC_TABLE).status_code == 403
    assert client.get("/api/v1/tables").json() == []
    assert client.get("/api/v1/releases").json() == []
