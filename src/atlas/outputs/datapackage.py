"""A Frictionless Data Package (`<name>.datapackage.json`): the cells inline, with a typed table schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from atlas.outputs.jsonfile import FLAG_LEGEND, cell_records
from atlas.protection.protected import ProtectedTable

PROFILE = "tabular-data-package"


def descriptor(table: ProtectedTable, *, licence: str | None = None) -> dict[str, Any]:
    """The data package: one tabular resource, dimensions as enumerated strings, the value possibly missing."""
    fields: list[dict[str, Any]] = [
        {"name": d.name, "type": "string", "constraints": {"required": True, "enum": d.codes},
         "description": f"codes of {d.name}; _T is the total"} for d in table.dimensions]
    fields.append({"name": "value", "type": "integer" if table.measure == "count" else "number",
                   "description": "empty where the cell is suppressed (see flag)"})
    fields.append({"name": "flag", "type": "string", "constraints": {"enum": list(FLAG_LEGEND)},
                   "description": "; ".join(f"{k or 'empty'}: {v}" for k, v in FLAG_LEGEND.items())})
    doc: dict[str, Any] = {
        "profile": PROFILE,
        "name": table.name.lower().replace(".", "-"),
        "title": table.title or table.name,
        "description": " ".join(table.notes),
        "resources": [{
            "name": table.name.lower().replace(".", "-"),
            "profile": "tabular-data-resource",
            "data": [[*table.dim_names, "value", "flag"],
                     *([r[d] for d in table.dim_names] + [r["value"], r["flag"]] for r in cell_records(table))],
            "schema": {"fields": fields, "primaryKey": table.dim_names, "missingValues": [""]},
        }],
    }
    if licence:
        doc["licenses"] = [{"name": licence}]
    return doc


class DataPackageRenderer:
    name = "datapackage"
    suffix = ".datapackage.json"
    media_type = "application/json"

    def render(self, table: ProtectedTable, out: Path) -> Path:
        out.write_text(json.dumps(descriptor(table), ensure_ascii=False, indent=1), encoding="utf-8")
        return out
