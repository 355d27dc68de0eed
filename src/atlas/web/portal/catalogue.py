"""Releases as the portal lists them: who may see which package, its files, and its DCAT description."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from atlas.errors import NotFound
from atlas.sharing.agreement import PUBLIC
from atlas.sharing.serving import release_files, release_for, visible_releases
from atlas.web.auth import PUBLIC as PUBLIC_VISITOR
from atlas.web.auth import Principal

MEDIA = {".csv": "text/csv", ".json": "application/json", ".xlsx":
         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".geojson": "application/geo+json",
         ".sig": "text/plain"}


@dataclass(frozen=True)
class ReleaseRow:
    """One recipient's package of one release, as `atlas.sharing.serving` lists it."""

    release_id: str
    agreement: str
    version: int
    kind: str
    recipient: str
    purpose: str | None
    path: Path
    created_at: datetime
    request_id: int | None

    @classmethod
    def of(cls, row: dict[str, Any]) -> ReleaseRow:
        return cls(row["release_id"], row["agreement"], int(row["version"]), row["kind"], row["recipient"],
                   row["purpose"], Path(row["path"]), row["created_at"], row["request_id"])

    @property
    def url(self) -> str:
        return f"/releases/{self.agreement}/{self.version}/{self.recipient}"

    @property
    def public(self) -> bool:
        return self.recipient == PUBLIC

    def metadata(self) -> dict[str, Any]:
        return json.loads((self.path / "metadata.json").read_text(encoding="utf-8"))

    def files(self) -> list[tuple[str, int]]:
        """(file name, bytes) of every file of the package, from its signed manifest."""
        listed = release_files({"path": str(self.path)})
        return [(name, int(info["bytes"])) for name, info in listed.items()]


def visible(con: duckdb.DuckDBPyConnection, who: Principal, *, public_only: bool = False) -> list[ReleaseRow]:
    """Packages the caller may download now (the rules of `atlas.sharing.serving`), newest first."""
    rows = [ReleaseRow.of(r) for r in visible_releases(con, who.actor)]
    return [r for r in rows if r.public] if public_only else rows


def latest_public(con: duckdb.DuckDBPyConnection) -> ReleaseRow | None:
    found = visible(con, PUBLIC_VISITOR, public_only=True)
    return found[0] if found else None


def get_release(con: duckdb.DuckDBPyConnection, who: Principal, agreement: str, version: int,
                recipient: str) -> ReleaseRow:
    """One package, if the caller may read it (refusals name the clause and are audited)."""
    return ReleaseRow.of(release_for(con, who.actor, agreement, version, recipient=recipient))


def release_file(row: ReleaseRow, name: str) -> Path:
    """A file listed in the package's manifest (nothing else: no path outside it can be asked for)."""
    if name not in {n for n, _ in row.files()}:
        raise NotFound(f"No file {name!r} in release {row.release_id}.")
    return row.path / name


SPDX = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.+-]{1,63}$")


def licence_ref(licence: str | None) -> dict[str, str] | str | None:
    """An SPDX identifier as its licence IRI (DCAT wants a resource); free text stays text."""
    if licence and SPDX.match(licence):
        return {"@id": f"https://spdx.org/licenses/{licence}.html", "dct:identifier": licence}
    return licence


def _media(name: str) -> str:
    return MEDIA.get(Path(name).suffix.lower(), "application/octet-stream")


def dataset(row: ReleaseRow, base: str, title: str | None = None) -> dict[str, Any]:
    """A dcat:Dataset for one package, with one dcat:Distribution per file."""
    meta = row.metadata()
    url = base.rstrip("/") + row.url
    period = meta.get("period") or {}
    return {
        "@type": "dcat:Dataset", "@id": url, "dct:identifier": row.release_id,
        "dct:title": f"{title or row.agreement} ({row.release_id})",
        "dct:description": "; ".join(t.get("title") or t["name"] for t in meta.get("tables", [])),
        "dct:publisher": {"@type": "foaf:Agent", "foaf:name": meta.get("provider")},
        "dct:issued": {"@value": row.created_at.isoformat(), "@type": "xsd:dateTime"},
        "dct:temporal": {"@type": "dct:PeriodOfTime", "dcat:startDate": period.get("from"),
                         "dcat:endDate": period.get("to")},
        "dct:license": licence_ref(meta.get("licence")), "dct:accessRights": "public" if row.public else "restricted",
        "dcat:keyword": [t["name"] for t in meta.get("tables", [])],
        "dcat:landingPage": url,
        "dcat:distribution": [{
            "@type": "dcat:Distribution", "dct:title": name, "dcat:downloadURL": f"{url}/files/{name}",
            "dcat:mediaType": _media(name), "dcat:byteSize": size,
            **({"dct:license": licence_ref(meta.get("licence"))} if meta.get("licence") else {}),
        } for name, size in row.files()],
    }


CONTEXT = {"dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/",
           "foaf": "http://xmlns.com/foaf/0.1/", "xsd": "http://www.w3.org/2001/XMLSchema#"}


def catalog(rows: list[ReleaseRow], base: str, title: str, titles: dict[str, str] | None = None) -> dict[str, Any]:
    """A dcat:Catalog of the given packages (the public catalogue lists public releases only)."""
    return {"@context": CONTEXT, "@type": "dcat:Catalog", "@id": base.rstrip("/") + "/catalogue",
            "dct:title": title, "dcat:dataset": [dataset(r, base, (titles or {}).get(r.agreement)) for r in rows]}


def single(row: ReleaseRow, base: str, title: str | None = None) -> dict[str, Any]:
    return {"@context": CONTEXT, **dataset(row, base, title)}
