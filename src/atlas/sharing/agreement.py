"""Data-sharing agreements as validated models, and the one check that refuses anything outside them."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from atlas.errors import Issue, NotFound, PolicyRefused, RejectedInput
from atlas.privacy.purposes import PURPOSES
from atlas.sharing.cadence import parse_cadence
from atlas.tables.fields import FIELDS
from atlas.tables.spec import NAME_PATTERN, TableSpec, load_spec, parse_spec

GEO_RANK = {"adm0": 0, "adm1": 1, "adm2": 2}
PUBLIC = "public"
PUBLIC_MIN_COUNT = 10


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Parties(_Strict):
    """Who provides and who receives; `public` as the only recipient makes it an open-data agreement."""

    provider: str
    recipients: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _public_alone(self) -> Parties:
        if PUBLIC in self.recipients and len(self.recipients) > 1:
            raise ValueError("'public' cannot be combined with named recipients")
        return self


class DisclosureFloor(_Strict):
    """The weakest protection any table under the agreement may have."""

    method: Literal["suppression", "cell_key", "rounding", "dp"] = "suppression"
    min_count: int = Field(default=10, ge=1)
    interval_lower_pct: float = Field(default=0.0, ge=0)
    interval_upper_pct: float = Field(default=0.0, ge=0)


class Crisis(_Strict):
    """Crisis activation: who may switch it on, why, what it unlocks, and for how long at most."""

    may_activate: list[str] = Field(default_factory=lambda: ["steward"])
    trigger: str
    tables: list[TableSpec] = Field(default_factory=list)
    dimensions: list[str] = Field(default_factory=list)
    finest_geography: Literal["adm0", "adm1", "adm2"] | None = None
    purposes: list[str] = Field(default_factory=list)
    max_days: int = Field(default=30, ge=1, le=366)


class Circumstances(_Strict):
    routine: bool = True
    crisis: Crisis | None = None


class SpecialRuns(_Strict):
    allowed: bool = False
    max_cells: int = Field(default=5000, ge=1)
    max_per_month: int = Field(default=4, ge=0)
    approval_required: bool = True
    approvers: list[str] = Field(default_factory=lambda: ["steward"])


class OnwardTransfer(_Strict):
    allowed: bool = False
    conditions: str = "No onward transfer without the provider's written consent."


class Retention(_Strict):
    days: int = Field(default=365, ge=1)
    then: Literal["delete", "return", "archive"] = "delete"


class ActiveCrisis(_Strict):
    """Runtime state loaded from the store, never written in the YAML."""

    activated_by: str
    trigger: str | None
    starts_at: datetime
    ends_at: datetime


class Agreement(_Strict):
    """One machine-enforced sharing agreement (see docs/sharing.md for every clause)."""

    name: str = Field(pattern=NAME_PATTERN)
    title: str | None = None
    version: int | None = None
    parties: Parties
    tables: list[TableSpec] = Field(min_length=1)
    dimensions: list[str] = Field(min_length=1)
    finest_geography: Literal["adm0", "adm1", "adm2"] = "adm1"
    categories: dict[str, list[str]] = Field(default_factory=dict)
    disclosure: DisclosureFloor = Field(default_factory=DisclosureFloor)
    formats: list[str] = Field(default_factory=lambda: ["csv"])
    cadence: str | None = None
    circumstances: Circumstances = Field(default_factory=Circumstances)
    purposes: list[str] = Field(min_length=1)
    special_runs: SpecialRuns = Field(default_factory=SpecialRuns)
    onward_transfer: OnwardTransfer = Field(default_factory=OnwardTransfer)
    retention: Retention = Field(default_factory=Retention)
    licence: str | None = None
    start: date
    expiry: date
    status: Literal["active", "suspended", "revoked"] = "active"
    crisis_state: ActiveCrisis | None = None

    @field_validator("dimensions")
    @classmethod
    def _known_dims(cls, v: list[str]) -> list[str]:
        bad = [d for d in v if d not in FIELDS]
        if bad:
            raise ValueError(f"unknown dimension fields {bad}")
        return v

    @field_validator("purposes")
    @classmethod
    def _known_purposes(cls, v: list[str]) -> list[str]:
        bad = [p for p in v if p not in PURPOSES]
        if bad:
            raise ValueError(f"purposes {bad} are not in the controlled list ({', '.join(PURPOSES)})")
        return v

    @field_validator("cadence")
    @classmethod
    def _cadence_ok(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                parse_cadence(v)
            except RejectedInput as exc:
                raise ValueError(exc.message) from None
        return v

    @model_validator(mode="after")
    def _coherent(self) -> Agreement:
        if self.expiry <= self.start:
            raise ValueError("expiry must be after start")
        from atlas.outputs.registry import formats

        unknown = sorted(set(self.formats) - set(formats()))
        if unknown:
            raise ValueError(f"formats {unknown} have no renderer (known: {', '.join(formats())})")
        if self.is_public:
            if self.disclosure.min_count < PUBLIC_MIN_COUNT:
                raise ValueError(f"public agreements need disclosure.min_count >= {PUBLIC_MIN_COUNT}")
            if self.special_runs.allowed:
                raise ValueError("public agreements do not take special runs")
            if not self.licence:
                raise ValueError("public agreements need an open licence (e.g. CC-BY-4.0)")
        crisis = self.circumstances.crisis
        if crisis is not None:
            bad = [p for p in crisis.purposes if p not in PURPOSES]
            if bad:
                raise ValueError(f"crisis purposes {bad} are not in the controlled list")
        return self

    @property
    def is_public(self) -> bool:
        return self.parties.recipients == [PUBLIC]

    def crisis_on(self, now: datetime) -> bool:
        s = self.crisis_state
        return s is not None and s.starts_at <= now < s.ends_at

    def allowed_dimensions(self, now: datetime) -> set[str]:
        extra = self.circumstances.crisis.dimensions if self.crisis_on(now) and self.circumstances.crisis else []
        return {*self.dimensions, *extra}

    def allowed_geography(self, now: datetime) -> str:
        crisis = self.circumstances.crisis
        if self.crisis_on(now) and crisis and crisis.finest_geography:
            return max(self.finest_geography, crisis.finest_geography, key=GEO_RANK.__getitem__)
        return self.finest_geography

    def allowed_purposes(self, now: datetime) -> list[str]:
        crisis = self.circumstances.crisis
        extra = crisis.purposes if self.crisis_on(now) and crisis else []
        return list(dict.fromkeys([*self.purposes, *extra]))

    def tables_for(self, now: datetime) -> list[TableSpec]:
        """Routine tables, plus the crisis tables while an activation is running."""
        crisis = self.circumstances.crisis
        extra = crisis.tables if self.crisis_on(now) and crisis else []
        return [*self.tables, *extra]

    def to_yaml(self) -> str:
        data = self.model_dump(mode="json", exclude={"crisis_state", "version", "status"}, exclude_defaults=False)
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def parse_agreement(data: Any, *, source: str | None = None, base: Path | None = None) -> Agreement:
    """Validate a mapping; table entries may be embedded specs or spec file names relative to `base`."""
    if not isinstance(data, dict):
        raise RejectedInput("an agreement must be a mapping", issues=[Issue("agreement-shape", "not a mapping",
                                                                          file=source)])
    data = dict(data)
    data["tables"] = [_table(t, base, source) for t in data.get("tables") or []]
    crisis = (data.get("circumstances") or {}).get("crisis")
    if isinstance(crisis, dict) and crisis.get("tables"):
        crisis = dict(crisis, tables=[_table(t, base, source) for t in crisis["tables"]])
        data["circumstances"] = dict(data["circumstances"], crisis=crisis)
    try:
        return Agreement.model_validate(data)
    except ValidationError as exc:
        issues = [Issue(f"agreement-{e['type']}".replace("_", "-"), e["msg"].removeprefix("Value error, "),
                        file=source, column=".".join(str(x) for x in e["loc"]) or None) for e in exc.errors()]
        raise RejectedInput(f"agreement {source or ''} is not valid".strip(), issues=issues) from None


def _table(entry: Any, base: Path | None, source: str | None) -> TableSpec:
    if isinstance(entry, TableSpec):
        return entry
    if isinstance(entry, str):
        return load_spec((base or Path.cwd()) / entry)
    return parse_spec(entry, source=source)


def load_agreement(path: str | Path) -> Agreement:
    """Read an agreement YAML file; spec file names resolve next to it."""
    p = Path(path)
    if not p.is_file():
        raise NotFound(f"agreement file {p} not found", issues=[Issue("agreement-missing", "no such file", file=str(p))])
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise RejectedInput(f"agreement {p} is not valid YAML",
                            issues=[Issue("agreement-syntax", str(exc).splitlines()[0], file=str(p))]) from None
    return parse_agreement(data, source=str(p), base=p.parent)


def agreement_from_json(body: str, **state: Any) -> Agreement:
    """An agreement as stored in the catalog, with its runtime state (version, status, crisis)."""
    return Agreement.model_validate({**json.loads(body), **state})


def _refuse(clause: str, message: str, hint: str | None = None) -> PolicyRefused:
    return PolicyRefused(f"Refused by the agreement: {message}.", clause=clause,
                         issues=[Issue(f"agreement-{clause.split('.')[0]}", message, column=clause, hint=hint)])


def spec_geography(spec: TableSpec) -> str | None:
    """The finest admin level a spec shows or filters on (None when it has no area at all)."""
    levels = []
    for d in spec.dimensions:
        if FIELDS[d.field].kind == "area":
            levels.append(d.field if d.field in GEO_RANK else (d.level or "adm2"))
    for c in spec.filter:
        if FIELDS[c.field].kind == "area":
            levels.append(c.field if c.field in GEO_RANK else "adm2")
    return max(levels, key=GEO_RANK.__getitem__) if levels else None


def check_in_force(agreement: Agreement, now: datetime | None = None) -> None:
    """Refuse (clause status, start or expiry) when the agreement does not allow any sharing at `now`."""
    today = (now or datetime.now(UTC)).date()
    if agreement.status != "active":
        raise _refuse("status", f"agreement {agreement.name} is {agreement.status}")
    if today < agreement.start:
        raise _refuse("start", f"agreement {agreement.name} starts on {agreement.start}")
    if today >= agreement.expiry:
        raise _refuse("expiry", f"agreement {agreement.name} expired on {agreement.expiry}")


def check_request(agreement: Agreement, spec: TableSpec, purpose: str, now: datetime | None = None, *,
                  special: bool = False, runs_this_month: int = 0, cells: int | None = None) -> None:
    """Refuse (PolicyRefused naming the clause) any table the agreement does not cover at `now`."""
    now = now or datetime.now(UTC)
    check_in_force(agreement, now)
    if not agreement.circumstances.routine and not agreement.crisis_on(now):
        raise _refuse("circumstances", "this agreement shares data only during a crisis activation")
    if purpose not in agreement.allowed_purposes(now):
        raise _refuse("purposes", f"purpose {purpose!r} is not accepted (accepted: "
                      f"{', '.join(agreement.allowed_purposes(now))})")
    allowed = agreement.allowed_dimensions(now)
    for d in spec.dimensions:
        if d.field not in allowed:
            raise _refuse("dimensions", f"dimension {d.field!r} is not allowed (allowed: {', '.join(sorted(allowed))})")
    level, finest = spec_geography(spec), agreement.allowed_geography(now)
    if level is not None and GEO_RANK[level] > GEO_RANK[finest]:
        raise _refuse("finest_geography", f"geography {level} is finer than the agreed {finest}")
    _check_categories(agreement, spec)
    _check_floor(agreement.disclosure, spec)
    if special:
        runs = agreement.special_runs
        if not runs.allowed:
            raise _refuse("special_runs.allowed", "special runs are not allowed under this agreement")
        if runs_this_month >= runs.max_per_month:
            raise _refuse("special_runs.max_per_month", f"{runs_this_month} special runs this month already "
                          f"(limit {runs.max_per_month})")
        if cells is not None and cells > runs.max_cells:
            raise _refuse("special_runs.max_cells", f"the table would have {cells} cells (limit {runs.max_cells})")


def _check_categories(agreement: Agreement, spec: TableSpec) -> None:
    for field, allowed in agreement.categories.items():
        shown: set[str] | None = None
        dim = next((d for d in spec.dimensions if d.field == field), None)
        if dim is not None:
            shown = set(dim.codes) if dim.codes else None
        for c in spec.filter:
            if c.field == field and c.op in ("eq", "in"):
                vals = {str(v) for v in (c.value if isinstance(c.value, list) else [c.value])}
                shown = vals if shown is None else shown & vals
        used = dim is not None or any(c.field == field for c in spec.filter)
        if used and (shown is None or not shown <= set(allowed)):
            raise _refuse(f"categories.{field}", f"{field} may only show {allowed}",
                          hint=f"restrict it with codes: or a filter `{field} in {allowed}`")


def _check_floor(floor: DisclosureFloor, spec: TableSpec) -> None:
    p = spec.protection
    if p.method != floor.method:
        raise _refuse("disclosure.method", f"method {p.method} differs from the agreed {floor.method}")
    if p.min_count < floor.min_count:
        raise _refuse("disclosure.min_count", f"min_count {p.min_count} is below the agreed {floor.min_count}")
    if p.interval_lower_pct < floor.interval_lower_pct or p.interval_upper_pct < floor.interval_upper_pct:
        raise _refuse("disclosure.interval", "the protection interval is narrower than agreed")


def with_floor(agreement: Agreement, spec: TableSpec) -> TableSpec:
    """The spec with the agreement's disclosure floor applied (thresholds only ever go up)."""
    f, p = agreement.disclosure, spec.protection
    protection = p.model_copy(update={
        "min_count": max(p.min_count, f.min_count),
        "interval_lower_pct": max(p.interval_lower_pct, f.interval_lower_pct),
        "interval_upper_pct": max(p.interval_upper_pct, f.interval_upper_pct)})
    return spec.model_copy(update={"protection": protection})


def render_markdown(a: Agreement) -> str:
    """The agreement as a person reads it: every clause in plain words."""
    crisis = a.circumstances.crisis
    runs = a.special_runs
    lines = [
        f"# Agreement {a.name}" + (f" (version {a.version})" if a.version else ""), "",
        *([a.title, ""] if a.title else []),
        f"- **Status:** {a.status}; in force from {a.start} until {a.expiry} (exclusive).",
        f"- **Provider:** {a.parties.provider}",
        f"- **Recipients:** {', '.join(a.parties.recipients)}",
        f"- **Accepted purposes:** {', '.join(f'{p} ({PURPOSES[p]})' for p in a.purposes)}",
        f"- **Dimensions allowed:** {', '.join(a.dimensions)}",
        f"- **Finest geography:** {a.finest_geography}",
        *(f"- **Categories of {k}:** {', '.join(v)}" for k, v in a.categories.items()),
        (f"- **Disclosure control (floor):** {a.disclosure.method}, minimum count {a.disclosure.min_count}, "
         f"protection interval -{a.disclosure.interval_lower_pct}% / +{a.disclosure.interval_upper_pct}%"),
        f"- **Formats:** {', '.join(a.formats)}",
        f"- **Update cadence:** {a.cadence or 'on demand only'}",
        f"- **Routine sharing:** {'yes' if a.circumstances.routine else 'no (crisis only)'}",
        "- **Special data runs:** " + (
            f"allowed, at most {runs.max_cells} cells and {runs.max_per_month} per month; "
            + (f"approval by {', '.join(runs.approvers)}" if runs.approval_required else "no approval needed")
            if runs.allowed else "not allowed"),
        (f"- **Onward transfer:** {'allowed' if a.onward_transfer.allowed else 'not allowed'}. "
         f"{a.onward_transfer.conditions}"),
        f"- **Retention by the recipient:** {a.retention.days} days, then {a.retention.then}",
        *([f"- **Licence:** {a.licence}"] if a.licence else []),
        "", "## Tables", "",
        *(f"- `{t.name}`: {', '.join(d.field + (f' ({d.level})' if d.level else '') for d in t.dimensions)}"
          for t in a.tables),
    ]
    if crisis is not None:
        lines += ["", "## Crisis activation", "",
                  f"- **Who may activate:** {', '.join(crisis.may_activate)}",
                  f"- **Trigger:** {crisis.trigger}",
                  (f"- **Unlocks:** tables {', '.join(t.name for t in crisis.tables) or 'none'}; dimensions "
                   f"{', '.join(crisis.dimensions) or 'none'}; geography {crisis.finest_geography or 'unchanged'}"),
                  f"- **Ends automatically** after {crisis.max_days} days"]
        if a.crisis_state:
            s = a.crisis_state
            lines.append(f"- **Active:** since {s.starts_at:%Y-%m-%d %H:%M} UTC by {s.activated_by}, "
                         f"ends {s.ends_at:%Y-%m-%d %H:%M} UTC")
    return "\n".join(lines) + "\n"
