"""Releases as the portal lists them: who may see which package, its files, and its DCAT description."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from atlas.errors import Issue, NotFound
from atlas.privacy.access import authorize
from atlas.sharing.agreement import PUBLIC
from atlas.sharing.package import MANIFEST
from atlas.web.auth import Principal

MEDIA = {".csv": "text/csv", ".json": "application/json", ".xlsx":
         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".geojson": "application/geo+json",
         ".sig": "text/plain"}


@dataclass(frozen=True)
class ReleaseRow:
    """One recipient's package of one release."""

    release_id: str
    agreement: str
    version: int
    kind: str
    recipient: str
    purpose: str | None
    path: Path
    created_at: datetime
    request_id: int | None

    @property
    def url(self) -> str:
        return f"/releases/{self.agreement}/{self.version}/{self.recipient}"

    @property
    def public(self) -> bool:
        return self.recipient == PUBLIC

    def metadata(self) -> dict[str, Any]:
        return json.loads((self.path / "metadata.json").read_text(encoding="utf-8"))

    def files(self) -> list[tuple[str, int]]:
        """(file name, bytes) of every file of the package, manifest order."""
        manifest = json.loads((self.path / MANIFEST).read_text(encoding="utf-8"))
        return [(f["path"], int(f["bytes"])) for f in manifest["files"]] + [
            (MANIFEST, (self.path / MANIFEST).stat().st_size), ("manifest.sig", (self.path / "manifest.sig").stat().st_size)]


_COLUMNS = "release_id, agreement, version, kind, recipient, purpose, path, created_at, request_id"


def _rows(con: duckdb.DuckDBPyConnection, where: str, params: list[Any]) -> list[ReleaseRow]:
    rows = con.execute(f"SELECT {_COLUMNS} FROM releases WHERE {where} ORDER BY created_at DESC, version DESC",
                       params).fetchall()
    return [ReleaseRow(r[0], r[1], int(r[2]), r[3], r[4], r[5], Path(r[6]), r[7], r[8]) for r in rows]


def visible_releases(con: duckdb.DuckDBPyConnection, who: Principal, *, public_only: bool = False) -> list[ReleaseRow]:
    """Public releases for everyone; an organisation's own for its members; all for stewards and auditors."""
    if public_only or not who.can("read_releases"):
        return _rows(con, "recipient = ?", [PUBLIC])
    if who.is_steward or "auditor" in who.roles:
        return _rows(con, "TRUE", [])
    return _rows(con, "recipient = ? OR recipient = ?", [PUBLIC, who.organisation or ""])


def latest_public(con: duckdb.DuckDBPyConnection) -> ReleaseRow | None:
    found = _rows(con, "recipient = ?", [PUBLIC])
    return found[0] if found else None


def get_release(con: duckdb.DuckDBPyConnection, who: Principal, agreement: str, version: int,
                recipient: str) -> ReleaseRow:
    """One package, if the caller may read it (refusals are audited by `authorize`)."""
    found = _rows(con, "agreement = ? AND version = ? AND recipient = ?", [agreement, version, recipient])
    if not found:
        raise NotFound(f"No release {agreement}/{version} for {recipient}.",
                       issues=[Issue("release-missing", "see the catalogue", value=f"{agreement}/{version}")])
    row = found[0]
    if not row.public:
        if who.actor is None:
            raise NotFound(f"No release {agreement}/{version} for {recipient}.")
        authorize(who.actor, "read_releases", {"organisation": recipient, "id": row.release_id}, con=con)
    return row


def release_file(row: ReleaseRow, name: str) -> Path:
    """A file listed in the package (nothing else: no path outside it can be asked for)."""
    if name not in {n for n, _ in row.files()}:
        raise NotFound(f"No file {name!r} in release {row.release_id}.")
    return row.path / name


def _media(name: str) -> str:
    return MEDIA.get(Path(name).suffix.lower(), "application/octet-stream")


def dataset(row: ReleaseRow, base: str) -> dict[str, Any]:
    """A dcat:Dataset for one package, with one dcat:Distribution per file."""
    meta = row.metadata()
    url = base.rstrip("/") + row.url
    period = meta.get("period") or {}
    return {
        "@type": "dcat:Dataset", "@id": url, "dct:identifier": row.release_id,
        "dct:title": meta.get("title") or f"{row.agreement} release {row.version}",
        "dct:description": "; ".join(t.get("title") or t["name"] for t in meta.get("tables", [])),
        "dct:publisher": {"@type": "foaf:Agent", "foaf:name": meta.get("provider")},
        "dct:issued": {"@value": row.created_at.isoformat(), "@type": "xsd:dateTime"},
        "dct:temporal": {"@type": "dct:PeriodOfTime", "dcat:startDate": period.get("from"),
                         "dcat:endDate": period.get("to")},
        "dct:license": meta.get("licence"), "dct:accessRights": "public" if row.public else "restricted",
        "dcat:keyword": [t["name"] for t in meta.get("tables", [])],
        "dcat:landingPage": url,
        "dcat:distribution": [{
            "@type": "dcat:Distribution", "dct:title": name, "dcat:downloadURL": f"{url}/files/{name}",
            "dcat:mediaType": _media(name), "dcat:byteSize": size,
            **({"dct:license": meta.get("licence")} if meta.get("licence") else {}),
        } for name, size in row.files()],
    }


CONTEXT = {"dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/",
           "foaf": "http://xmlns.com/foaf/0.1/", "xsd": "http://www.w3.org/2001/XMLSchema#"}


def catalog(rows: list[ReleaseRow], base: str, title: str) -> dict[str, Any]:
    """A dcat:Catalog of the given packages (the public catalogue lists public releases only)."""
    return {"@context": CONTEXT, "@type": "dcat:Catalog", "@id": base.rstrip("/") + "/catalogue",
            "dct:title": title, "dcat:dataset": [dataset(r, base) for r in rows]}


def single(row: ReleaseRow, base: str) -> dict[str, Any]:
    return {"@context": CONTEXT, **dataset(row, base)}
