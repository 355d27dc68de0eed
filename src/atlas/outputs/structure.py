"""`<name>.structure.json`: every dimension's codes with parent and label, and the policy applied."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from atlas.outputs.jsonfile import FLAG_LEGEND, jsonable
from atlas.protection.protected import ProtectedTable

FORMAT_VERSION = 1


def structure(table: ProtectedTable) -> dict[str, Any]:
    """The document written to structure.json (also used by other renderers)."""
    dims = []
    for d in table.dimensions:
        dims.append(
            {
                "name": d.name,
                "sensitive": d.sensitive,
                "codes": [
                    {"code": c, "parent": p, "label": d.labels.get(c, c), "level": d.level(c)}
                    for c, p in d.parent.items()
                ],
            }
        )
    return jsonable(
        {
            "format_version": FORMAT_VERSION,
            "name": table.name,
            "title": table.title,
            "measure": table.measure,
            "dimensions": dims,
            "policy": table.policy.to_dict(),
            "method_details": table.method_details,
            "audit": table.audit,
            "flags": FLAG_LEGEND,
            "zeros_omitted": table.zeros_omitted,
            "notes": list(table.notes),
            "cells": len(table),
        }
    )


class StructureRenderer:
    name = "structure"
    suffix = ".structure.json"
    media_type = "application/json"

    def render(self, table: ProtectedTable, out: Path) -> Path:
        out.write_text(json.dumps(structure(table), ensure_ascii=False, indent=1), encoding="utf-8")
        return out
