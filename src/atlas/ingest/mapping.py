"""The mapping file: how a source's columns and values map onto the vocabulary (users write these)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from atlas.errors import Issue, RejectedInput
from atlas.store.fields import FIELDS_BY_KIND, IDENTIFIER_FIELDS

Kind = Literal["person", "aggregate"]
# Person-file columns that feed the consent register (consent_events), not the statistical records.
CONSENT_ONLY_FIELDS = ("consent_channel", "consent_withdrawn_date")
LEGAL_BASES = ("consent", "legal_obligation", "public_task", "vital_interests", "legitimate_interests", "contract")


class ColumnRule(BaseModel):
    """One source column: which field it feeds, extra value mappings, or that it is an identifier."""

    model_config = ConfigDict(extra="forbid")

    field: str | None = None
    level: str | None = Field(None, description="For area columns: adm1, adm2 (informative; P-codes carry their level).")
    identifier: bool = Field(False, description="Personal identifier: goes to the encrypted vault only.")
    ignore: bool = Field(False, description="Drop this column.")
    values: dict[str, str] = Field(default_factory=dict, description="Extra value mappings: source value -> code.")
    separator: str | None = Field(None, description="Separator of list fields (languages, transit countries).")


class WideRule(BaseModel):
    """Wide sources (one column per year x sex…): matching headers become rows (a melt)."""

    model_config = ConfigDict(extra="forbid")

    pattern: str = Field(description="Regex on the header; named groups give fields, e.g. (?P<period>\\d{4}).")
    field: str = Field("value", description="Field fed by the cell values.")
    values: dict[str, dict[str, str]] = Field(default_factory=dict, description="Per group: header text -> code.")


class Mapping(BaseModel):
    """A whole mapping file; unknown keys are refused so typos never pass silently."""

    model_config = ConfigDict(extra="forbid")

    kind: Kind = "person"
    source: str | None = None
    legal_basis: Literal[LEGAL_BASES] = "public_task"  # type: ignore[valid-type]
    purposes: list[str] = Field(default_factory=lambda: ["statistics"])
    country: str | None = Field(None, description="Host country (ISO3) for resolving admin names.")
    columns: dict[str, str | ColumnRule] = Field(default_factory=dict)
    auto: bool = Field(True, description="Map the columns not listed by header synonyms and HXL hashtags.")
    date_format: str | None = None
    sheet: str | None = Field(None, description="Spreadsheet sheet to read (default: the first with data).")
    header_row: int | None = Field(None, description="1-based row of the header when the reader should not guess.")
    wide: WideRule | None = None
    skip: dict[str, str] = Field(default_factory=dict,
                                 description="Header -> regex: rows whose value matches are skipped (e.g. regional aggregates).")

    @model_validator(mode="after")
    def _known_fields(self) -> Mapping:
        known = {f.name for f in FIELDS_BY_KIND[self.kind]} | set(IDENTIFIER_FIELDS)
        known |= set(CONSENT_ONLY_FIELDS) if self.kind == "person" else set()
        for header, rule in self.columns.items():
            target = rule if isinstance(rule, str) else rule.field
            if target is not None and target not in known:
                raise ValueError(f"column {header!r} maps to unknown field {target!r}")
        return self

    def rule(self, header: str) -> ColumnRule | None:
        raw = self.columns.get(header)
        if raw is None:
            return None
        return ColumnRule(field=raw) if isinstance(raw, str) else raw


def load_mapping(path: Path) -> Mapping:
    """Read and validate a mapping file (YAML or JSON), reporting every problem with its place."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RejectedInput(f"The mapping file {path} cannot be read: {exc}") from exc
    try:
        return Mapping.model_validate(doc or {})
    except ValidationError as exc:
        issues = [Issue("invalid-mapping", e["msg"], file=str(path), column=".".join(map(str, e["loc"])))
                  for e in exc.errors()]
        raise RejectedInput(f"The mapping file {path} is not valid.", issues=issues) from exc
