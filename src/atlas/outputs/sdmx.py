"""SDMX-CSV 2.0 (as Eurostat publishes it), with a compact data structure definition next to it.

Dimension ids are the field names in upper case; OBS_VALUE is empty where suppressed and CONF_STATUS says
why (C primary, D secondary, F free); perturbed values carry OBS_STATUS E (estimated).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pandas as pd

from atlas.outputs.xlsxfile import safe_text
from atlas.protection.protected import ProtectedTable

AGENCY = "ATLAS"
VERSION = "1.0"
CONF = {"p": "C", "s": "D"}
OBS_STATUS = {"c": "E"}


def structure_id(table: ProtectedTable) -> str:
    return f"{AGENCY}:{table.name.upper().replace('.', '_').replace('-', '_')}({VERSION})"


def dsd(table: ProtectedTable) -> dict[str, Any]:
    """The data structure: dimensions with their code lists (code, parent, label), the measure, attributes."""
    return {
        "id": structure_id(table), "name": table.title or table.name,
        "dimensions": [{"id": d.name.upper(), "codelist": [{"id": c, "parent": p, "name": d.labels.get(c, c)}
                                                          for c, p in d.parent.items()]} for d in table.dimensions],
        "measure": {"id": "OBS_VALUE", "type": "integer" if table.measure == "count" else "decimal"},
        "attributes": [{"id": "OBS_STATUS", "codes": {"E": "estimated (perturbed or noisy)"}},
                       {"id": "CONF_STATUS", "codes": {"F": "free", "C": "confidential (primary)",
                                                       "D": "secondary confidentiality"}}],
    }


class SdmxCsvRenderer:
    name = "sdmx"
    suffix = ".sdmx.csv"
    media_type = "application/vnd.sdmx.data+csv;version=2.0.0"

    def render(self, table: ProtectedTable, out: Path) -> Path:
        """One row per cell, and `<name>.dsd.json` beside it."""
        cells = table.cells
        sid = structure_id(table)
        with out.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(["STRUCTURE", "STRUCTURE_ID", *(d.upper() for d in table.dim_names), "OBS_VALUE",
                        "OBS_STATUS", "CONF_STATUS"])
            for row in cells.itertuples(index=False):
                rec = row._asdict()
                value = rec["value"]
                w.writerow(["dataflow", sid, *(safe_text(rec[d]) for d in table.dim_names),
                            "" if pd.isna(value) else value,
                            OBS_STATUS.get(rec["flag"], ""), CONF.get(rec["flag"], "F")])
        dsd_path = out.with_name(out.name.removesuffix(self.suffix) + ".dsd.json")
        dsd_path.write_text(json.dumps(dsd(table), ensure_ascii=False, indent=1), encoding="utf-8")
        return out
