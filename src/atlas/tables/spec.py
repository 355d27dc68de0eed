"""Table specs (YAML/JSON) as validated models: structured filters only, fields from the vocabulary, typed policy."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from atlas.errors import Issue, NotFound, PolicyRefused, RejectedInput
from atlas.protection.policy import (
    CellKeyPolicy,
    DisclosurePolicy,
    Dominance,
    DPPolicy,
    GroupDisclosure,
    PPercent,
    ProtectionIntervalPolicy,
    RoundingPolicy,
)
from atlas.tables.fields import FIELDS, field_names

Op = Literal["eq", "ne", "in", "not_in", "lt", "le", "gt", "ge", "between", "is_null", "not_null"]
Scalar = str | int | float | bool
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}$"
BUILTIN_GROUPINGS = ("un_m49_region", "un_m49_subregion")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _known_field(name: str) -> str:
    if name not in FIELDS:
        raise ValueError(f"unknown field {name!r}; known fields: {', '.join(field_names())}")
    return name


class FilterClause(_Strict):
    """One condition of the population filter; the compute layer turns it into a bound expression."""

    field: str
    op: Op = "eq"
    value: Scalar | list[Scalar] | None = None

    @field_validator("field")
    @classmethod
    def _field_ok(cls, v: str) -> str:
        return _known_field(v)

    @model_validator(mode="after")
    def _value_fits_op(self) -> FilterClause:
        v = self.value
        if self.op in ("is_null", "not_null"):
            if v is not None:
                raise ValueError(f"op {self.op} takes no value")
        elif self.op in ("in", "not_in"):
            if not isinstance(v, list) or not v:
                raise ValueError(f"op {self.op} needs a non-empty list")
        elif self.op == "between":
            if not isinstance(v, list) or len(v) != 2:
                raise ValueError("op between needs a list [low, high]")
        elif v is None or isinstance(v, list):
            raise ValueError(f"op {self.op} needs one value")
        codes = FIELDS[self.field].codes
        if codes and self.op in ("eq", "ne", "in", "not_in"):
            given = v if isinstance(v, list) else [v]
            bad = [x for x in given if not isinstance(x, bool) and str(x) not in codes]
            if bad:
                raise ValueError(f"values {bad} are not codes of {self.field} ({', '.join(codes)})")
        return self


class GroupingSpec(_Strict):
    """Custom groups declared in the spec: numeric bands and/or named groups of codes."""

    bands: list[int] | None = None
    groups: dict[str, list[str]] = Field(default_factory=dict)
    labels: dict[str, str] = Field(default_factory=dict)

    @field_validator("bands")
    @classmethod
    def _increasing(cls, v: list[int] | None) -> list[int] | None:
        if v is not None and (len(v) < 1 or any(b <= a for a, b in itertools.pairwise(v))):
            raise ValueError("bands must be strictly increasing lower bounds, e.g. [0, 15, 25, 65]")
        return v


class DimensionSpec(_Strict):
    """One dimension: a field, its finest level (areas), its grouping and whether it is sensitive."""

    field: str
    level: str | None = None
    grouping: Literal["un_m49_region", "un_m49_subregion"] | GroupingSpec | None = None
    sensitive: bool | None = None
    codes: list[str] | None = None
    labels: dict[str, str] = Field(default_factory=dict)

    @field_validator("field")
    @classmethod
    def _field_ok(cls, v: str) -> str:
        return _known_field(v)

    @model_validator(mode="after")
    def _fits_field(self) -> DimensionSpec:
        f = FIELDS[self.field]
        if not f.dimension:
            raise ValueError(f"field {self.field!r} is a measure or identifier, not a dimension")
        if self.level is not None and self.level not in f.levels:
            raise ValueError(
                f"level {self.level!r} not valid for {self.field!r} (levels: {list(f.levels) or 'none'})"
            )
        if isinstance(self.grouping, str) and f.kind != "country":
            raise ValueError(f"grouping {self.grouping!r} applies to country fields only")
        if (
            isinstance(self.grouping, GroupingSpec)
            and self.grouping.bands
            and f.kind not in ("number", "year")
        ):
            raise ValueError("bands apply to numeric fields (age, arrival_year)")
        if f.codes and self.codes:
            bad = sorted(set(self.codes) - set(f.codes))
            if bad:
                raise ValueError(f"codes {bad} are not in the {self.field} vocabulary {list(f.codes)}")
        return self

    @property
    def is_sensitive(self) -> bool:
        return FIELDS[self.field].sensitive if self.sensitive is None else self.sensitive

    @property
    def name(self) -> str:
        return self.field


class MeasureSpec(_Strict):
    """What a cell holds: a count of records, a weighted count, or a sum of a numeric field."""

    kind: Literal["count", "weighted", "sum"] = "count"
    field: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if data == "count":
            return {"kind": "count"}
        if isinstance(data, dict) and len(data) == 1 and next(iter(data)) in ("weighted", "sum"):
            ((k, v),) = data.items()
            return {"kind": k, "field": v}
        return data

    @model_validator(mode="after")
    def _field_needed(self) -> MeasureSpec:
        if self.kind == "count":
            if self.field is not None:
                raise ValueError("count takes no field")
        elif self.field is None:
            raise ValueError(f"{self.kind} needs a numeric field")
        else:
            _known_field(self.field)
            if FIELDS[self.field].kind != "number":
                raise ValueError(f"{self.field!r} is not numeric")
        return self


class ProtectionSpec(_Strict):
    """The `protection:` block of a spec; becomes a `DisclosurePolicy`."""

    method: Literal["suppression", "cell_key", "rounding", "dp"] = "suppression"
    min_count: int = 10
    zeros: Literal["published", "protected"] = "published"
    group_threshold: float | None = 0.9
    group_max_n: int | None = None
    dominance: tuple[int, float] | None = None
    p_percent: float | None = None
    q_percent: float = 100.0
    secondary: Literal["fast", "optimal", "auto"] = "auto"
    interval_lower_pct: float = 0.0
    interval_upper_pct: float = 0.0
    interval_absolute: float | None = None
    rounding_base: int = 5
    rounding_mode: Literal["random", "conventional"] = "random"
    max_perturbation: int = 3
    variance: float = 1.0
    ptable: str | None = None  # relative to the spec file's folder
    epsilon: float = 1.0
    time_limit: float = 60.0

    def to_policy(self) -> DisclosurePolicy:
        """The typed policy; raises PolicyRefused when a threshold is unsafe."""
        return DisclosurePolicy(
            method=self.method,
            min_count=self.min_count,
            zeros=self.zeros,
            group=None
            if self.group_threshold is None
            else GroupDisclosure(self.group_threshold, self.group_max_n),
            dominance=None if self.dominance is None else Dominance(*self.dominance),
            p_percent=None if self.p_percent is None else PPercent(self.p_percent, self.q_percent),
            secondary=self.secondary,
            interval=ProtectionIntervalPolicy(
                self.interval_lower_pct, self.interval_upper_pct, self.interval_absolute
            ),
            rounding=RoundingPolicy(self.rounding_base, self.rounding_mode),
            cell_key=CellKeyPolicy(self.max_perturbation, self.variance, self.ptable),
            dp=DPPolicy(self.epsilon),
            time_limit=self.time_limit,
        )


class TableSpec(_Strict):
    """One protected table asked for by name."""

    name: str = Field(pattern=NAME_PATTERN)
    title: str | None = None
    kind: Literal["person", "aggregate"] = "person"
    filter: list[FilterClause] = Field(default_factory=list)
    dimensions: list[DimensionSpec] = Field(min_length=1)
    measure: MeasureSpec = Field(default_factory=MeasureSpec)
    protection: ProtectionSpec = Field(default_factory=ProtectionSpec)

    @model_validator(mode="after")
    def _fields_of_kind(self) -> TableSpec:
        used = [("filter", c.field) for c in self.filter] + [("dimensions", d.field) for d in self.dimensions]
        if self.measure.field:
            used.append(("measure", self.measure.field))
        bad = sorted({f for _, f in used if self.kind not in FIELDS[f].record_kinds})
        if bad:
            raise ValueError(f"fields {bad} do not exist in {self.kind} records")
        return self

    @model_validator(mode="after")
    def _distinct_dimensions(self) -> TableSpec:
        names = [d.field for d in self.dimensions]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"dimension fields repeated: {dup}")
        if self.protection.method == "cell_key" and self.measure.kind != "count":
            raise ValueError("cell_key perturbation is implemented for counts only")
        return self

    @property
    def policy(self) -> DisclosurePolicy:
        return self.protection.to_policy()


def parse_spec(data: Any, *, source: str | None = None, text: str | None = None) -> TableSpec:
    """Validate a mapping as a spec; errors carry the spec path (and YAML line when `text` is given)."""
    try:
        spec = TableSpec.model_validate(data)
        spec.policy  # noqa: B018 - unsafe thresholds must fail at load time, not at release time
        return spec
    except ValidationError as exc:
        issues = [_issue(err, source, text) for err in exc.errors() if not _other_branch(err)]
        raise RejectedInput(f"table spec {source or ''} is not valid".strip(), issues=issues) from None
    except PolicyRefused as exc:
        raise RejectedInput(
            exc.message,
            issues=[Issue(i.code, i.message, file=source, column="protection") for i in exc.issues],
        ) from None


def load_spec(path: str | Path) -> TableSpec:
    """Read a YAML or JSON table spec from `path`; raises RejectedInput/NotFound with locations."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotFound(
            f"table spec {p} not found", issues=[Issue("spec-missing", "no such file", file=str(p))]
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RejectedInput(
            f"cannot read table spec {p}", issues=[Issue("spec-unreadable", str(exc), file=str(p))]
        ) from None
    try:
        data = json.loads(text) if p.suffix.lower() == ".json" else yaml.safe_load(text)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else getattr(exc, "lineno", None)
        raise RejectedInput(
            f"table spec {p} is not valid YAML/JSON",
            issues=[Issue("spec-syntax", str(exc).splitlines()[0], file=str(p), row=row)],
        ) from None
    if not isinstance(data, dict):
        raise RejectedInput(
            f"table spec {p} must be a mapping",
            issues=[Issue("spec-shape", "top level is not a mapping", file=str(p))],
        )
    spec = parse_spec(data, source=str(p), text=text if p.suffix.lower() != ".json" else None)
    ptable = spec.protection.ptable
    if ptable and not Path(ptable).is_absolute():
        protection = spec.protection.model_copy(update={"ptable": str(p.parent / ptable)})
        spec = spec.model_copy(update={"protection": protection})
    return spec


def _other_branch(err: Any) -> bool:
    """Errors of the grouping union's branch the input was clearly not meant for (mapping vs named grouping)."""
    if "grouping" not in err["loc"]:
        return False
    return (err["type"] == "literal_error" and isinstance(err.get("input"), dict)) or (
        err["type"] == "model_type" and isinstance(err.get("input"), str)
    )


def _issue(err: Any, source: str | None, text: str | None) -> Issue:
    loc = tuple(x for x in err["loc"] if not (isinstance(x, str) and x in _UNION_TAGS))
    where = "".join(f"[{x}]" if isinstance(x, int) else (f".{x}" if i else str(x)) for i, x in enumerate(loc))
    value = err.get("input")
    return Issue(
        code=f"spec-{err['type']}".replace("_", "-"),
        message=err["msg"].removeprefix("Value error, "),
        file=source,
        row=_yaml_line(text, loc) if text else None,
        column=where or None,
        value=None if isinstance(value, (dict, list)) else (None if value is None else str(value)),
    )


_UNION_TAGS = {"GroupingSpec", "literal['un_m49_region','un_m49_subregion']", "function-after[_fits_field()]"}


def _yaml_line(text: str, loc: tuple[Any, ...]) -> int | None:
    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return None
    line = None
    for key in loc:
        if node is None:
            break
        line = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            node = None
    return node.start_mark.line + 1 if node is not None else line
