"""JSON of the output contract: the cells as objects (`value` null when suppressed) with the flag legend."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from atlas.protection.protected import ProtectedTable

FLAG_LEGEND = {
    "": "published as computed",
    "p": "suppressed: unsafe cell (primary)",
    "s": "suppressed to protect another cell (secondary)",
    "z": "structural zero",
    "c": "value perturbed, rounded or noisy by the disclosure method (see notes)",
}


def jsonable(obj: Any) -> Any:
    """numpy/pandas scalars and NA as plain JSON values."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if obj is None or obj is pd.NA or (isinstance(obj, float) and np.isnan(obj)):
        return None
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return None if np.isnan(obj) else float(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj


def cell_records(table: ProtectedTable) -> list[dict[str, Any]]:
    """Cells as dicts in table order (suppressed values as None)."""
    return json.loads(table.cells.to_json(orient="records", force_ascii=False))


class JsonRenderer:
    name = "json"
    suffix = ".json"
    media_type = "application/json"

    def render(self, table: ProtectedTable, out: Path) -> Path:
        doc = {
            "name": table.name,
            "title": table.title,
            "measure": table.measure,
            "dimensions": table.dim_names,
            "flags": FLAG_LEGEND,
            "notes": list(table.notes),
            "zeros_omitted": table.zeros_omitted,
            "cells": cell_records(table),
        }
        out.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
        return out
