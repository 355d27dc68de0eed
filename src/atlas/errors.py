"""Errors as data: every problem carries a location and renders once, at the edge (CLI or API)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum


class ExitCode(IntEnum):
    """Documented exit codes of the `atlas` CLI (2 is Click's usage error)."""

    OK = 0
    INTERNAL = 1
    USAGE = 2
    REJECTED_INPUT = 3
    POLICY_REFUSED = 4
    KEY_ERROR = 5
    NOT_FOUND = 6


@dataclass(frozen=True)
class Issue:
    """One problem found in one place of an input: file, row (1-based data row), column, value."""

    code: str
    message: str
    file: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None
    hint: str | None = None


@dataclass
class Report:
    """Issues collected while processing an input; only fatal problems raise."""

    issues: list[Issue] = field(default_factory=list)

    def add(self, issue: Issue) -> None:
        self.issues.append(issue)

    @property
    def ok(self) -> bool:
        return not self.issues


class AtlasError(Exception):
    """Base of every error Atlas reports to a person; `code` is stable and machine-readable."""

    code = "atlas-error"
    exit_code = ExitCode.INTERNAL
    http_status = 500
    title = "Internal error"

    def __init__(self, message: str, *, issues: list[Issue] | None = None, detail: dict | None = None):
        super().__init__(message)
        self.message = message
        self.issues = issues or []
        self.detail = detail or {}


class RejectedInput(AtlasError):
    code = "rejected-input"
    exit_code = ExitCode.REJECTED_INPUT
    http_status = 422
    title = "Input rejected"


class PolicyRefused(AtlasError):
    """Refused by a disclosure, purpose, agreement or access policy; names the clause that refused."""

    code = "policy-refused"
    exit_code = ExitCode.POLICY_REFUSED
    http_status = 403
    title = "Refused by policy"

    def __init__(self, message: str, *, clause: str | None = None, **kw: object):
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.clause = clause


class KeyProblem(AtlasError):
    code = "key-error"
    exit_code = ExitCode.KEY_ERROR
    http_status = 500
    title = "Key problem"


class NotFound(AtlasError):
    code = "not-found"
    exit_code = ExitCode.NOT_FOUND
    http_status = 404
    title = "Not found"


class WorkspaceProblem(AtlasError):
    code = "workspace-error"
    exit_code = ExitCode.USAGE
    http_status = 500
    title = "Workspace problem"
