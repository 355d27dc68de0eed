from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from atlas.cli import app
from atlas.errors import PolicyRefused, WorkspaceProblem


@pytest.fixture()
def run(ws, monkeypatch):
    """Invoke `atlas ...` on the test workspace as a given ATLAS_USER; returns the Click result."""
    monkeypatch.setenv("ATLAS_HOME", str(ws.home))
    monkeypatch.setenv("ATLAS_MASTER_KEY", ws.settings.master_key.get_secret_value())
    runner = CliRunner()

    def invoke(user: str, *args: str, stdin: str | None = None):
        monkeypatch.setenv("ATLAS_USER", user)
        return runner.invoke(app, list(args), input=stdin)

    return invoke


def test_users_lifecycle_and_escalation_through_the_cli(run) -> None:
    assert run("alice", "users", "add", "alice", "--role", "steward").exit_code == 0
    assert run("alice", "users", "add", "bob", "--role", "steward").exit_code == 0
    assert run("alice", "users", "add", "pat", "--role", "partner", "--org", "unhcr", "--password-stdin",
               stdin="s3cret-pass\n").exit_code == 0
    refused = run("pat", "users", "grant", "pat", "steward")
    assert isinstance(refused.exception, PolicyRefused)
    assert isinstance(run("pat", "users", "add", "eve", "--role", "steward").exception, PolicyRefused)
    assert isinstance(run("mallory", "users", "list").exception, PolicyRefused)
    assert run("bob", "users", "grant", "pat", "analyst").exit_code == 0
    listing = run("alice", "users", "list")
    assert "pat" in listing.output and "analyst" in listing.output
    created = run("alice", "users", "key-create", "pat", "--days", "7")
    assert created.exit_code == 0 and "atl_" in created.output
    key_id = created.output.split("atl_")[1].split("_")[0]
    assert run("alice", "users", "key-revoke", key_id).exit_code == 0
    assert run("bob", "users", "revoke", "pat", "analyst").exit_code == 0
    report = run("alice", "audit", "report")
    assert report.exit_code == 0 and "access.refused" in report.output
    assert isinstance(run("pat", "audit", "tail").exception, PolicyRefused)
    assert run("alice", "audit", "verify").exit_code == 0


def test_audit_verify_fails_on_tampering(run, ws) -> None:
    run("alice", "users", "add", "alice", "--role", "steward")
    with ws.connect() as con:
        con.execute("UPDATE audit_log SET actor = 'nobody' WHERE seq = 1")
    result = run("alice", "audit", "verify")
    assert isinstance(result.exception, WorkspaceProblem) and "entry 1" in result.exception.message


def test_retention_subject_incident_and_record_commands(run, ws, tmp_path: Path) -> None:
    assert run("s", "retention", "set", "purpose", "research", "365").exit_code == 0
    assert "research" in run("s", "retention", "rules").output
    assert run("s", "retention", "run", "--today", "2030-01-01").exit_code == 0
    assert run("s", "audit", "incident", "add", "Wrong recipient", "--severity", "high").exit_code == 0
    assert "Wrong recipient" in run("s", "audit", "incident", "list").output
    assert run("s", "audit", "incident", "close", "1", "--actions", "recalled").exit_code == 0
    assert '"security_measures"' in run("s", "audit", "record").output
    leak = tmp_path / "leak.csv"
    leak.write_text("a,b\n1,2\n")
    assert "No recipient" in run("s", "audit", "trace", str(leak)).output
    assert run("s", "subject", "export", "DOC-1").exception.__class__.__name__ == "NotFound"
    assert run("s", "subject", "rectify", "DOC-1", "--set", "nationality=FRA").exception is not None
