"""Evidence library: tags from the controlled vocabulary, full-text search, and no sharing before review."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atlas.communities.evidence import (
    EvidenceIn,
    add_evidence,
    evidence_for,
    link,
    read_document,
    review,
    search,
    share,
)
from atlas.communities.redaction import find_identifiers, redact
from atlas.errors import PolicyRefused, RejectedInput
from atlas.privacy.users import actor_for, add_user

SECRET = "Mr. Jonah Pellwick (passport P12345678, phone +509 3456 7890, jonah.p@example.org)"


@pytest.fixture
def library(workspace):
    with workspace.connect() as con:
        add_user(con, actor_for(con, "x"), "ana", role="steward", organisation="INS")
        steward = actor_for(con, "ana")
        add_user(con, steward, "lia", role="liaison", organisation="INS")
        add_user(con, steward, "partner", role="partner", organisation="relief-agency")
        add_evidence(con, workspace.keys, actor_for(con, "lia"), [
            EvidenceIn(evidence_id="EV1", title="Evictions of Venezuelan families in the west",
                       text="Families described overcrowded housing and evictions by landlords after rent rises.",
                       places=["HT0111"], nationalities=["VEN"], themes=["housing"], method="focus_group",
                       sensitivity="public", reliability="B", credibility=2,
                       period_start=date(2026, 1, 1), period_end=date(2026, 3, 31)),
            EvidenceIn(evidence_id="EV2", title="Passports kept by employers",
                       text=f"A key informant, {SECRET}, said employers in the port keep workers' passports.",
                       places=["HT0921"], nationalities=["CUB"], themes=["labour_exploitation", "documentation"],
                       method="key_informant", sensitivity="public", reliability="C", credibility=3),
            EvidenceIn(evidence_id="EV3", title="Clinic access", text="Clinics refuse patients without documents.",
                       places=["HT0112"], themes=["health"], method="assessment", sensitivity="confidential")])
    return workspace


def test_identifying_text_is_flagged_sealed_and_redacted(library) -> None:
    with library.connect() as con:
        status = dict(con.execute("SELECT evidence_id, review_status FROM evidence").fetchall())
        assert status == {"EV1": "clean", "EV2": "pending_review", "EV3": "clean"}
        body = con.execute("SELECT body FROM evidence WHERE evidence_id = 'EV2'").fetchone()[0]
        assert "Pellwick" not in body and "P12345678" not in body and "3456" not in body and "@" not in body
        assert "[NAME]" in body and "[DOCUMENT]" in body and "[PHONE]" in body and "[EMAIL]" in body
        assert search(con, "Pellwick", actor=actor_for(con, "lia"), audience="internal").empty
    for path in (p for p in library.home.rglob("*") if p.is_file()):
        data = path.read_bytes()
        assert b"Pellwick" not in data and b"P12345678" not in data, path


def test_a_replaced_item_leaves_no_sealed_text_behind(library) -> None:
    with library.connect() as con:
        lia = actor_for(con, "lia")
        add_evidence(con, library.keys, lia, [EvidenceIn(evidence_id="EV2", title="Passports kept by employers",
                                                         text="Employers in the port keep workers' passports.",
                                                         themes=["documentation"], method="key_informant")])
        assert con.execute("SELECT count(*) FROM vault").fetchone()[0] == 0
        assert con.execute("SELECT review_status FROM evidence WHERE evidence_id = 'EV2'").fetchone()[0] == "clean"


def test_unreviewed_text_cannot_be_shared_and_the_refusal_is_logged(library) -> None:
    with library.connect() as con:
        steward = actor_for(con, "ana")
        with pytest.raises(PolicyRefused) as exc:
            share(con, steward, ["EV1", "EV2"], "public")
        assert exc.value.clause == "evidence.review"
        logged = con.execute("SELECT object FROM audit_log WHERE action = 'access.refused'").fetchall()
        assert ("evidence:EV2",) in logged
        assert search(con, "passports", audience="public").empty
        link(con, actor_for(con, "lia"), "EV2", "brief", "pack-west")
        assert evidence_for(con, "brief", "pack-west").empty
        review(con, library.keys, steward, "EV2", "redacted", "informant details removed")
        shared = share(con, steward, ["EV1", "EV2"], "public")
        assert "Pellwick" not in shared.to_csv()
        assert evidence_for(con, "brief", "pack-west")["evidence_id"].tolist() == ["EV2"]
        assert search(con, "passports", audience="public")["evidence_id"].tolist() == ["EV2"]
        with pytest.raises(PolicyRefused, match="confidential"):
            share(con, steward, ["EV3"], "partner")


def test_withheld_items_never_leave_and_cleared_items_get_their_text_back(library) -> None:
    with library.connect() as con:
        steward = actor_for(con, "ana")
        review(con, library.keys, steward, "EV2", "withheld", "informant at risk")
        with pytest.raises(PolicyRefused):
            share(con, steward, ["EV2"], "partner")
        review(con, library.keys, steward, "EV2", "cleared", "the name is a public official")
        assert "Pellwick" in share(con, steward, ["EV2"], "partner").loc[0, "body"]
        with pytest.raises(PolicyRefused, match="approve_sharing"):
            review(con, library.keys, actor_for(con, "lia"), "EV2", "cleared", "self-approval")


@pytest.mark.parametrize("embedded", [True, False], ids=["index-in-store", "server-mode-index-in-memory"])
def test_full_text_search_with_tag_filters(library, embedded: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    import atlas.communities.evidence as ev

    monkeypatch.setattr(ev, "_embedded", lambda con: embedded)
    with library.connect() as con:
        lia = actor_for(con, "lia")
        hits = search(con, "eviction", actor=lia, audience="internal")
        assert hits["evidence_id"].tolist() == ["EV1"]
        assert search(con, "documents", actor=lia, audience="internal", themes=["health"])["evidence_id"].tolist() == [
            "EV3"]
        assert search(con, None, actor=lia, audience="internal", nationalities=["VEN"])["evidence_id"].tolist() == ["EV1"]
        assert search(con, None, actor=lia, audience="internal",
                      period=(date(2026, 2, 1), date(2026, 2, 2)))["evidence_id"].tolist() == ["EV1"]
        assert search(con, "clinics", audience="partner", actor=actor_for(con, "partner")).empty  # confidential
        with pytest.raises(PolicyRefused):
            search(con, "clinics", audience="internal", actor=actor_for(con, "partner"))


def test_tags_come_from_the_controlled_vocabulary(library) -> None:
    with pytest.raises(ValueError, match="themes"):
        EvidenceIn(evidence_id="E", title="t", text="x", themes=["gossip"], method="survey")
    with library.connect() as con, pytest.raises(RejectedInput) as exc:
        add_evidence(con, library.keys, actor_for(con, "lia"), [EvidenceIn(
            evidence_id="E9", title="t", text="x", themes=["health"], method="survey", places=["HT9999"],
            nationalities=["XXX"])])
    assert {i.code for i in exc.value.issues} == {"unknown-area", "unknown-country"}


def test_documents_are_read_from_text_and_word_files(tmp_path: Path) -> None:
    import zipfile

    (tmp_path / "a.md").write_text("# Notes\nHousing", encoding="utf-8")
    assert "Housing" in read_document(tmp_path / "a.md")
    xml = ('<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
           '<w:p><w:r><w:t>Interview summary</w:t></w:r></w:p></w:body></w:document>')
    with zipfile.ZipFile(tmp_path / "b.docx", "w") as z:
        z.writestr("word/document.xml", xml)
    assert read_document(tmp_path / "b.docx") == "Interview summary"
    with pytest.raises(RejectedInput):
        read_document(tmp_path / "c.exe")


@settings(max_examples=60, deadline=None)
@given(user=st.from_regex(r"[a-z]{3,10}", fullmatch=True), digits=st.from_regex(r"[2-9]\d{7,9}", fullmatch=True),
       filler=st.sampled_from(["housing was scarce", "the clinic closed", "rents went up"]))
def test_emails_and_phone_numbers_are_always_found(user: str, digits: str, filler: str) -> None:
    text = f"{filler}; write to {user}@example.org or call +{digits} about it"
    out = redact(text, find_identifiers(text))
    assert user + "@" not in out and digits not in out and filler in out


@pytest.mark.parametrize("clean", [
    "Families in the North reported evictions between 2015-2025 and on 2026-03-01.",
    "The Red Cross office in the United States closed.",
])
def test_ordinary_sentences_are_not_flagged(clean: str) -> None:
    assert find_identifiers(clean) == []
