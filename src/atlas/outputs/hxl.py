"""HXL-tagged CSV: the CSV of the output contract with a hashtag row, so humanitarian tools read it by tag.

Tags are the ones Atlas's own ingest maps back (`atlas.ingest.synonyms.HXL_TAGS`), so a release can be
read again without a mapping file.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from atlas.outputs.xlsxfile import safe_text
from atlas.protection.protected import ProtectedTable

TAGS = {
    "area": "#loc+code", "adm0": "#country+code", "adm1": "#adm1+code", "adm2": "#adm2+code",
    "nationality": "#nationality+code", "country_of_birth": "#country+birth+code",
    "origin_country": "#country+code+origin", "destination_country": "#country+code+dest",
    "entry_point": "#loc+entry", "sex": "#sex", "age": "#age", "age_band": "#age+group",
    "migration_status": "#status+migration",
}
VALUE_TAG = "#value"
FLAG_TAG = "#meta+flag"


def hashtag(field: str) -> str:
    """The tag of a dimension; fields without a standard tag get `#indicator+<field>`."""
    return TAGS.get(field) or "#indicator+" + re.sub(r"[^a-z0-9_]", "_", field.lower())


class HxlRenderer:
    name = "hxl"
    suffix = ".hxl.csv"
    media_type = "text/csv"

    def render(self, table: ProtectedTable, out: Path) -> Path:
        """Header row, hashtag row, then one row per cell (suppressed values empty, flag kept)."""
        cells = table.cells[[*table.dim_names, "value", "flag"]]
        for d in table.dimensions:
            cells[d.name] = cells[d.name].map(safe_text)
        with out.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow([*table.dim_names, "value", "flag"])
            w.writerow([*(hashtag(d) for d in table.dim_names), VALUE_TAG, FLAG_TAG])
            w.writerows(cells.astype(object).where(cells.notna(), "").itertuples(index=False, name=None))
        return out
