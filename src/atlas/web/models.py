"""Response and request shapes of the REST API (what clients see, separate from the stored shapes)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Problem(BaseModel):
    """RFC 9457 problem details (media type application/problem+json)."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    instance: str | None = None
    clause: str | None = Field(None, description="The agreement or access clause that refused the request.")
    issues: list[dict[str, Any]] | None = None
    error_id: str | None = Field(None, description="Quote it to the operator (unexpected errors only).")


class Me(BaseModel):
    name: str
    organisation: str | None
    roles: list[str]
    permissions: list[str]
    authenticated_by: str
    csrf_token: str | None = Field(None, description="Echo in X-CSRF-Token on unsafe requests made with the cookie.")


class Login(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class SessionOut(BaseModel):
    user: str
    expires_at: datetime
    csrf_token: str


class KeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    days: int = Field(90, ge=1, le=366)
    label: str | None = Field(None, max_length=100)
    user: str | None = Field(None, description="Another user's name (needs manage_users).", max_length=64)


class KeyOut(BaseModel):
    key_id: str
    label: str | None = None
    created_at: datetime | None = None
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None


class NewKeyOut(BaseModel):
    key_id: str
    token: str = Field(description="Shown once; Atlas keeps only its argon2 hash.")
    expires_at: datetime


class AgreementSummary(BaseModel):
    name: str
    title: str | None
    version: int | None
    status: str
    public: bool
    provider: str
    recipients: list[str]
    start: str
    expiry: str
    crisis_active: bool
    tables: list[str]
    formats: list[str]


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["active", "suspended", "revoked"]
    reason: str = Field(min_length=1, max_length=1000)


class CrisisIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    trigger: str = Field(min_length=1, max_length=1000)
    days: int | None = Field(None, ge=1, le=366)


class TableSummary(BaseModel):
    agreement: str
    table: str
    title: str | None
    dimensions: list[str]
    formats: list[str]
    public: bool
    href: str


class ReleaseOut(BaseModel):
    release_id: str
    agreement: str
    version: int
    kind: str
    recipient: str
    purpose: str | None
    created_at: datetime | None
    request_id: int | None
    href: str


class FileOut(BaseModel):
    name: str
    sha256: str
    bytes: int
    href: str


class ReleaseDetail(ReleaseOut):
    files: list[FileOut]


class RunRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agreement: str = Field(min_length=1, max_length=100)
    purpose: str = Field(min_length=1, max_length=100)
    spec: dict[str, Any] = Field(description="A table spec, as in a spec YAML file.")


class RunRequestOut(BaseModel):
    request_id: int
    agreement: str | None = None
    purpose: str | None = None
    requester: str | None = None
    organisation: str | None = None
    status: str
    reason: str | None = None
    submitted_at: datetime | None = None
    decided_by: str | None = None
    release_id: str | None = None
    cells: int | None = None


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=1000)


class IssueOut(BaseModel):
    code: str
    message: str
    file: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None
    hint: str | None = None


class IngestOut(BaseModel):
    batch_id: int | None
    file: str
    committed: bool
    rows_read: int
    rows_stored: int
    rows_quarantined: int
    issue_count: int
    issues: list[IssueOut]
    notes: list[IssueOut]
    columns: list[dict[str, Any]]


class AuditEntry(BaseModel):
    seq: int
    logged_at: datetime
    actor: str
    action: str
    object: str | None
    purpose: str | None
    detail: dict[str, Any]


class AuditCheck(BaseModel):
    ok: bool
    entries: int
    signed_heads: int
    first_bad_seq: int | None
    problem: str | None


class Health(BaseModel):
    status: str
    store: str
    version: str
