"""Protected tables read back from a sealed release package, so the portal draws only what was released.

Maps, charts and narratives on the portal are rendered from the files of a release (cells as published,
flags, hierarchy and policy from `structure.json`), never from records. The package is verified against
its signed manifest first: a tampered file is refused instead of drawn.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pandas as pd

from atlas.errors import Issue, NotFound, RejectedInput
from atlas.protection.cube import Dimension
from atlas.protection.policy import DisclosurePolicy
from atlas.protection.protected import ProtectedTable, _build
from atlas.sharing.package import MANIFEST, verify_release


def _dimension(doc: dict) -> Dimension:
    codes = doc["codes"]
    return Dimension(doc["name"], {c["code"]: c["parent"] for c in codes},
                     {c["code"]: c["label"] for c in codes if c.get("label") not in (None, c["code"])},
                     bool(doc.get("sensitive", False)))


def _cells(folder: Path, name: str, dims: list[str]) -> pd.DataFrame:
    """Published cells from the JSON file, else the CSV file (suppressed values stay missing)."""
    js, csv = folder / f"{name}.json", folder / f"{name}.csv"
    if js.is_file():
        frame = pd.DataFrame(json.loads(js.read_text(encoding="utf-8"))["cells"])
    elif csv.is_file():
        frame = pd.read_csv(csv, dtype={d: str for d in dims} | {"flag": str}, keep_default_na=False,
                            na_values={"value": [""]})
    else:
        raise NotFound(f"release has no cells for table {name}", issues=[Issue("no-cells", name, file=str(folder))])
    frame["flag"] = frame["flag"].fillna("").astype(str)
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce")
    for d in dims:
        frame[d] = frame[d].astype(str)
    return frame[[*dims, "value", "flag"]]


def table_names(folder: Path) -> list[str]:
    """Tables of a package, in the order its metadata lists them."""
    meta = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    return [t["name"] for t in meta.get("tables", [])]


def read_table(folder: Path, name: str, title: str | None = None) -> ProtectedTable:
    """One table of a verified package, as the ProtectedTable it was released from (published cells only)."""
    doc = json.loads((folder / f"{name}.structure.json").read_text(encoding="utf-8"))
    dims = [_dimension(d) for d in doc["dimensions"]]
    cells = _cells(folder, name, [d.name for d in dims])
    return _build(name=doc["name"], dimensions=tuple(dims), _cells=cells,
                  policy=DisclosurePolicy.from_dict(doc["policy"]), method_details=doc.get("method_details") or {},
                  info_loss={}, audit=doc.get("audit"), title=title or doc.get("title"),
                  measure=doc.get("measure", "count"), zeros_omitted=bool(doc.get("zeros_omitted")),
                  notes=tuple(doc.get("notes") or ()))


@lru_cache(maxsize=64)
def _verified(folder: str, manifest_mtime: float) -> bool:
    return verify_release(folder).ok


def read_release(folder: Path) -> list[ProtectedTable]:
    """Every table of one recipient's package, after checking its signature and hashes."""
    manifest = folder / MANIFEST
    if not manifest.is_file() or not _verified(str(folder), manifest.stat().st_mtime):
        raise RejectedInput(f"release package {folder.name} does not verify",
                            issues=[Issue("release-unverified", "signature or file hashes differ", file=str(folder))])
    meta = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    return [read_table(folder, t["name"], t.get("title")) for t in meta.get("tables", [])]
