"""Attacks on focal-point contacts: no agreement, wrong party, outside the crisis, outside consent, withdrawn."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from atlas.communities.focal_points import (
    ConsentIn,
    FocalPointIn,
    add_focal_points,
    contact,
    contact_sheet,
    due_for_review,
    focal_coverage,
    record_focal_consent,
    withdraw_focal_consent,
)
from atlas.communities.networks import NetworkIn, add_networks
from atlas.errors import PolicyRefused
from atlas.privacy.access import Actor
from atlas.privacy.consent import withdraw
from atlas.privacy.users import actor_for, add_user
from atlas.sharing.agreement import parse_agreement
from atlas.sharing.catalog import activate_crisis, add_agreement

TODAY = datetime.now(UTC).date()
NAMES = {"FP1": "Amara Quennell-Test", "FP2": "Boris Vantablack", "FP3": "Celia Moonwhistle", "FP4": "Dario Fenwright"}


def responders_agreement(**over: object) -> dict:
    data: dict = {
        "name": "crisis-contacts", "parties": {"provider": "INS", "recipients": ["relief-agency"]},
        "tables": [{"name": "by_dept", "dimensions": [{"field": "area", "level": "adm1"}]}],
        "dimensions": ["area"], "purposes": ["preparedness"],
        "circumstances": {"routine": True, "crisis": {"trigger": "hurricane warning", "purposes":
                                                       ["emergency_response", "evacuation"], "max_days": 30}},
        "start": str(TODAY - timedelta(days=30)), "expiry": str(TODAY + timedelta(days=300)),
    }
    return data | over


@pytest.fixture
def directory(workspace):
    """Users, one agreement, two networks and four focal points with different consents."""
    with workspace.connect() as con:
        boot = actor_for(con, "nobody")
        add_user(con, boot, "ana", role="steward", organisation="INS")
        steward = actor_for(con, "ana")
        add_user(con, steward, "lia", role="liaison", organisation="INS")
        add_user(con, steward, "rescuer", role="partner", organisation="relief-agency")
        add_user(con, steward, "outsider", role="partner", organisation="other-ngo")
        add_user(con, steward, "analyst", role="analyst", organisation="INS")
        add_agreement(con, steward, parse_agreement(responders_agreement()))
        lia = actor_for(con, "lia")
        add_networks(con, lia, [
            NetworkIn(network_id="N1", name="Venezuelan Association of the West", kind="diaspora_association",
                      nationalities=["VEN"], areas=["HT0111", "HT0112"], languages=["spa"]),
            NetworkIn(network_id="N2", name="Informal network (test)", kind="informal_network", formal=False,
                      nationalities=["CUB"], areas=["HT0921"])])
        crisis = {"purposes": ["emergency_response", "evacuation"], "given_at": TODAY - timedelta(days=20),
                  "expires_at": TODAY + timedelta(days=200)}
        add_focal_points(con, workspace.keys, lia, [
            FocalPointIn(focal_id="FP1", network_id="N1", full_name=NAMES["FP1"], phone="+509 3710 0001",
                         email="amara@example.org", areas=["HT0111"], verified_at=TODAY,
                         consent=ConsentIn(**crisis, scope="crisis_only")),
            FocalPointIn(focal_id="FP2", network_id="N1", full_name=NAMES["FP2"], phone="+509 3710 0002",
                         areas=["HT0112"], verified_at=TODAY - timedelta(days=400),
                         consent=ConsentIn(**crisis, recipients=["another-agency"], scope="always")),
            FocalPointIn(focal_id="FP3", network_id="N2", full_name=NAMES["FP3"], phone="+509 3710 0003",
                         areas=["HT0921"], verified_at=TODAY,
                         consent=ConsentIn(purposes=["community_engagement"], given_at=TODAY - timedelta(days=5),
                                           scope="always")),
            FocalPointIn(focal_id="FP4", network_id="N2", full_name=NAMES["FP4"], phone="+509 3710 0004",
                         areas=["HT0921"], verified_at=TODAY,
                         consent=ConsentIn(purposes=["emergency_response"], given_at=TODAY - timedelta(days=300),
                                           expires_at=TODAY + timedelta(days=10), scope="always"))])
    return workspace


def refusals(con) -> list[dict]:
    import json

    rows = con.execute("SELECT actor, object, detail FROM audit_log WHERE action = 'access.refused' ORDER BY seq")
    return [{"actor": a, "object": o, **json.loads(d)} for a, o, d in rows.fetchall()]


def who(con, name: str) -> Actor:
    return actor_for(con, name)


def test_partner_without_agreement_is_refused_and_the_refusal_is_logged(directory) -> None:
    with directory.connect() as con:
        with pytest.raises(PolicyRefused) as exc:
            contact(con, directory.keys, who(con, "rescuer"), "FP1", purpose="emergency_response")
        assert exc.value.clause == "agreement"
        last = refusals(con)[-1]
        assert last == last | {"actor": "rescuer", "object": "focal_point:FP1", "clause": "agreement"}


@pytest.mark.parametrize(("user", "purpose", "clause"), [
    ("outsider", "emergency_response", "parties"),         # not a recipient of the agreement
    ("rescuer", "emergency_response", "purposes"),         # crisis purpose while no activation runs
    ("rescuer", "statistics", "purposes"),                 # purpose the agreement never accepts
    ("analyst", "emergency_response", "parties"),          # the provider's own analyst is no responder
])
def test_agreement_clauses_refuse_and_are_logged(directory, user: str, purpose: str, clause: str) -> None:
    with directory.connect() as con:
        with pytest.raises(PolicyRefused) as exc:
            contact(con, directory.keys, who(con, user), "FP1", purpose=purpose, agreement="crisis-contacts")
        assert exc.value.clause == clause
        logged = con.execute("SELECT count(*) FROM audit_log WHERE action = 'access.refused' AND actor = ?",
                             [user]).fetchone()[0]
        assert logged == 1


def test_consent_decides_each_contact_during_a_crisis(directory) -> None:
    with directory.connect() as con:
        activate_crisis(con, who(con, "ana"), "crisis-contacts", "hurricane warning")
        rescuer = who(con, "rescuer")
        got = contact(con, directory.keys, rescuer, "FP1", purpose="emergency_response", agreement="crisis-contacts")
        assert got["full_name"] == NAMES["FP1"] and got["phone"] == "+509 3710 0001"
        view = con.execute("SELECT actor, purpose, detail FROM audit_log WHERE action = 'focal_point.view'").fetchall()
        assert view[-1][:2] == ("rescuer", "emergency_response") and "crisis-contacts" in view[-1][2]
        for focal, purpose, clause in [("FP2", "emergency_response", "consent.recipients"),
                                       ("FP3", "emergency_response", "consent.purposes"),
                                       ("FP1", "preparedness", "consent.purposes")]:
            with pytest.raises(PolicyRefused) as exc:
                contact(con, directory.keys, rescuer, focal, purpose=purpose, agreement="crisis-contacts")
            assert exc.value.clause == clause
            assert refusals(con)[-1]["clause"] == clause
        sheet = contact_sheet(con, directory.keys, rescuer, purpose="emergency_response", agreement="crisis-contacts")
        assert [c["focal_id"] for c in sheet.contacts] == ["FP1", "FP4"] and sheet.withheld == 2


def test_crisis_only_consent_is_refused_when_the_crisis_ends(directory) -> None:
    with directory.connect() as con:
        activate_crisis(con, who(con, "ana"), "crisis-contacts", "flood", days=1)
        later = datetime.now(UTC) + timedelta(days=2)
        with pytest.raises(PolicyRefused) as exc:
            contact(con, directory.keys, who(con, "rescuer"), "FP1", purpose="emergency_response",
                    agreement="crisis-contacts", now=later)
        assert exc.value.clause == "purposes"


def test_withdrawal_removes_the_focal_point_from_every_later_output(directory) -> None:
    with directory.connect() as con:
        activate_crisis(con, who(con, "ana"), "crisis-contacts", "hurricane warning")
        rescuer, lia = who(con, "rescuer"), who(con, "lia")
        before = focal_coverage(con, level="adm2")
        assert contact_sheet(con, directory.keys, rescuer, purpose="emergency_response",
                             agreement="crisis-contacts").contacts[0]["focal_id"] == "FP1"
        withdraw_focal_consent(con, lia, "FP1", channel="phone")
        for actor, agreement in ((rescuer, "crisis-contacts"), (lia, None)):
            with pytest.raises(PolicyRefused) as exc:
                contact(con, directory.keys, actor, "FP1", purpose="emergency_response", agreement=agreement)
            assert exc.value.clause == "consent.withdrawn"
        sheet = contact_sheet(con, directory.keys, rescuer, purpose="emergency_response", agreement="crisis-contacts")
        assert "FP1" not in {c["focal_id"] for c in sheet.contacts}
        assert all(NAMES["FP1"] not in str(c) for c in sheet.contacts)
        after = focal_coverage(con, level="adm2", min_count=3)
        assert _total_hidden_or_less(before, after)
        assert "FP1" not in due_for_review(con, lia, TODAY)["focal_id"].tolist()
        # a withdrawal through the general consent register (e.g. by the DPO) is honoured too
        fp4 = con.execute("SELECT pseudonym FROM focal_points WHERE focal_id = 'FP4'").fetchone()[0]
        withdraw(con, fp4, ["emergency_response"])
        with pytest.raises(PolicyRefused, match="consent.withdrawn"):
            contact(con, directory.keys, rescuer, "FP4", purpose="emergency_response", agreement="crisis-contacts")
        # renewed consent brings the person back, and only then
        record_focal_consent(con, lia, "FP1", ConsentIn(purposes=["emergency_response"], given_at=TODAY,
                                                        scope="crisis_only"))
        assert contact(con, directory.keys, rescuer, "FP1", purpose="emergency_response",
                       agreement="crisis-contacts")["focal_id"] == "FP1"


def _total_hidden_or_less(before, after) -> bool:
    """Coverage after withdrawal never counts more than before in any published cell."""
    b = before.table.cells.set_index(["area", "nationality"])["value"]
    a = after.table.cells.set_index(["area", "nationality"])["value"]
    joined = a.to_frame("a").join(b.to_frame("b"), how="left").dropna()
    return bool((joined["a"] <= joined["b"]).all())


def test_coverage_counts_withdrawn_focal_points_no_more(directory) -> None:
    with directory.connect() as con:
        lia = who(con, "lia")
        add_focal_points(con, directory.keys, lia, [FocalPointIn(
            focal_id=f"X{i}", network_id="N1", full_name=f"Test Person {i}", areas=[area],
            consent=ConsentIn(purposes=["emergency_response"], given_at=TODAY))
            for i, area in enumerate(["HT0111"] * 5 + ["HT0112"] * 5)])
        cells = focal_coverage(con, level="adm2").table.cells.set_index(["area", "nationality"])
        assert cells.loc[("HT0111", "VEN"), "value"] == 6
        withdraw_focal_consent(con, lia, "X0")
        cells = focal_coverage(con, level="adm2").table.cells.set_index(["area", "nationality"])
        assert cells.loc[("HT0111", "VEN"), "value"] == 5


def test_expiry_is_refused_and_prompted(directory) -> None:
    with directory.connect() as con:
        activate_crisis(con, who(con, "ana"), "crisis-contacts", "hurricane warning")
        lia = who(con, "lia")
        prompts = due_for_review(con, lia, TODAY).set_index("focal_id")
        assert prompts.loc["FP4", "consent_prompt"].startswith("consent expires on")
        assert prompts.loc["FP2", "verify_prompt"].startswith("last verified on")
        later = datetime.now(UTC) + timedelta(days=11)
        with pytest.raises(PolicyRefused) as exc:
            contact(con, directory.keys, who(con, "rescuer"), "FP4", purpose="emergency_response",
                    agreement="crisis-contacts", now=later)
        assert exc.value.clause == "consent.expiry"


def test_contacts_are_never_in_plaintext_on_disk(directory) -> None:
    home: Path = directory.home
    needles = [*NAMES.values(), "3710 0001", "amara@example.org"]
    for path in (p for p in home.rglob("*") if p.is_file()):
        data = path.read_bytes()
        assert not [n for n in needles if n.encode() in data or n.encode("utf-16-le") in data], path


def test_only_directory_keepers_read_the_directory_contacts_without_an_agreement(directory) -> None:
    with directory.connect() as con:
        got = contact(con, directory.keys, who(con, "lia"), "FP3", purpose="community_engagement")
        assert got["full_name"] == NAMES["FP3"]
        with pytest.raises(PolicyRefused):
            contact(con, directory.keys, who(con, "analyst"), "FP3", purpose="community_engagement")


def test_a_focal_point_is_a_data_subject_found_exported_and_erased(directory) -> None:
    from atlas.privacy.subjects import erase_subject, export_subject

    with directory.connect() as con:
        steward = who(con, "ana")
    exported = export_subject(directory, "+509 3710 0002", steward)   # found by phone, without decryption
    assert NAMES["FP2"] in str(exported) and "emergency_response" in str(exported)
    erase_subject(directory, NAMES["FP1"], steward, reason="asked to be forgotten")
    with directory.connect() as con:
        activate_crisis(con, who(con, "ana"), "crisis-contacts", "hurricane warning")
        with pytest.raises(PolicyRefused) as exc:
            contact(con, directory.keys, who(con, "rescuer"), "FP1", purpose="emergency_response",
                    agreement="crisis-contacts")
        assert exc.value.clause in ("focal_point.erased", "consent.missing")
        sheet = contact_sheet(con, directory.keys, who(con, "rescuer"), purpose="emergency_response",
                              agreement="crisis-contacts")
        assert "FP1" not in {c["focal_id"] for c in sheet.contacts}
        with pytest.raises(PolicyRefused, match="erased"):
            add_focal_points(con, directory.keys, who(con, "lia"), [FocalPointIn(focal_id="FP1", full_name="Again")])


def test_an_update_replaces_every_contact_detail(directory) -> None:
    with directory.connect() as con:
        lia = who(con, "lia")
        add_focal_points(con, directory.keys, lia, [FocalPointIn(focal_id="FP3", network_id="N2", full_name="New Name",
                                                                 areas=["HT0921"])])
        got = contact(con, directory.keys, lia, "FP3", purpose="community_engagement")
        assert got["full_name"] == "New Name" and "phone" not in got   # the old phone is gone, not left behind
