"""Focal points and community leaders: contacts sealed in the vault, released only within their consent.

A focal point says what they agreed to: which purposes, which recipients (organisations, or `*` for any
recipient of an agreement in force), and whether only during a crisis activation or always, until when.
One SQL expression decides, for every focal point at once, the first clause that refuses them; the
same expression feeds single look-ups, contact sheets and coverage counts, so a withdrawal removes a
person from every later output. Every view and every refusal is written to the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

import duckdb
import pandas as pd
import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field, model_validator

from atlas.communities.networks import AreaLevel, CodeBook, Coverage, area_sql, protect_coverage
from atlas.communities.responders import agreement_in_force, refuse
from atlas.errors import AtlasError, NotFound, PolicyRefused, RejectedInput
from atlas.privacy.access import Actor, authorize
from atlas.privacy.audit import log_event
from atlas.privacy.consent import check_channel, withdraw
from atlas.privacy.pseudonym import pseudonym
from atlas.privacy.purposes import check_purposes
from atlas.privacy.vault import open_fields, store_identifiers
from atlas.store.keys import Keys

CONTACT_FIELDS = ("full_name", "phone", "email", "other_contact")
ANY_RECIPIENT = "*"
VERIFY_EVERY_DAYS = 180
PROMPT_DAYS = 30
Scope = Literal["crisis_only", "always"]


class ConsentIn(BaseModel):
    """What a focal point agreed to, as recorded by the liaison who asked them."""

    model_config = ConfigDict(extra="forbid")

    purposes: list[str] = Field(min_length=1)
    recipients: list[str] = Field(default_factory=lambda: [ANY_RECIPIENT], min_length=1)
    scope: Scope = "crisis_only"
    given_at: date
    expires_at: date | None = None

    @model_validator(mode="after")
    def _valid(self) -> ConsentIn:
        try:
            check_purposes(self.purposes)
        except AtlasError as exc:
            raise ValueError(exc.message) from None
        if self.expires_at is not None and self.expires_at <= self.given_at:
            raise ValueError("consent must expire after it was given")
        return self


class FocalPointIn(BaseModel):
    """A focal point as entered: identifiers go to the vault, the rest to the directory."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    focal_id: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    network_id: str | None = None
    role: str | None = None
    full_name: str = Field(min_length=1)
    phone: str | None = None
    email: str | None = None
    other_contact: str | None = None
    areas: list[str] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=list)
    verified_at: date | None = None
    consent: ConsentIn | None = None


@dataclass(frozen=True)
class ContactSheet:
    """Contacts released to a responder, and how many focal points were left out (no reason given per person)."""

    contacts: list[dict[str, Any]]
    withheld: int


def focal_pseudonym(keys: Keys, focal_id: str) -> str:
    return pseudonym(keys, f"focal-point:{focal_id}")


def add_focal_points(con: duckdb.DuckDBPyConnection, keys: Keys, actor: Actor, items: list[FocalPointIn]) -> int:
    """Seal each contact in the vault, add the directory rows and record consent where given."""
    authorize(actor, "manage_directory", {"id": "focal_points"}, con=con)
    known = {r[0] for r in con.execute("SELECT network_id FROM networks").fetchall()}
    bad = [i.network_id for i in items if i.network_id and i.network_id not in known]
    if bad:
        raise RejectedInput(f"unknown networks {sorted(set(bad))}: add them to the directory first")
    rows, sealed, book = [], [], CodeBook.load(con)
    for item in items:
        areas, _, langs = book.check(areas=item.areas, languages=item.languages, where=item.focal_id)
        ps = focal_pseudonym(keys, item.focal_id)
        rows.append({"focal_id": item.focal_id, "pseudonym": ps, "network_id": item.network_id, "role": item.role,
                     "areas": areas, "languages": langs, "verified_at": item.verified_at})
        sealed.append({"pseudonym": ps, **{f: getattr(item, f) for f in CONTACT_FIELDS}})
    pseudonyms = [r["pseudonym"] for r in rows]
    erased = con.execute("SELECT DISTINCT pseudonym FROM erasures WHERE pseudonym IN (SELECT unnest(?))",
                         [pseudonyms]).fetchall()
    if erased:
        raise PolicyRefused(f"{len(erased)} focal point(s) were erased at their request and cannot come back under "
                            "the same id", clause="erasure")
    con.execute("DELETE FROM focal_points WHERE focal_id IN (SELECT unnest(?))", [[r["focal_id"] for r in rows]])
    con.execute("DELETE FROM vault WHERE pseudonym IN (SELECT unnest(?))", [pseudonyms])  # an update replaces all
    frame = pa.Table.from_pylist(rows, schema=pa.schema([
        ("focal_id", pa.string()), ("pseudonym", pa.string()), ("network_id", pa.string()), ("role", pa.string()),
        ("areas", pa.list_(pa.string())), ("languages", pa.list_(pa.string())), ("verified_at", pa.date32())]))
    con.register("_atlas_focal_in", frame)
    try:
        con.execute("""INSERT INTO focal_points SELECT focal_id, pseudonym, network_id, role, areas, languages,
            verified_at, true, now(), ? FROM _atlas_focal_in""", [actor.name])
    finally:
        con.unregister("_atlas_focal_in")
    store_identifiers(con, keys, None, pa.Table.from_pylist(
        sealed, schema=pa.schema([("pseudonym", pa.string()), *((f, pa.string()) for f in CONTACT_FIELDS)])))
    log_event(con, actor.name, "directory.focal-add", None, None,
              {"focal_points": [r["focal_id"] for r in rows]}, keys=keys)
    _record_consents(con, actor, [(i.focal_id, str(r["pseudonym"]), i.consent) for i, r in zip(items, rows, strict=True)
                                  if i.consent is not None], None)
    return len(rows)


def _pseudonym_of(con: duckdb.DuckDBPyConnection, focal_id: str) -> str:
    row = con.execute("SELECT pseudonym FROM focal_points WHERE focal_id = ?", [focal_id]).fetchone()
    if row is None:
        raise NotFound(f"No focal point {focal_id!r}.")
    return str(row[0])


def record_focal_consent(con: duckdb.DuckDBPyConnection, actor: Actor, focal_id: str, consent: ConsentIn,
                         *, channel: str | None = None) -> None:
    """Record (or renew) a focal point's consent; the newest record is the one that counts."""
    authorize(actor, "manage_directory", {"id": focal_id}, con=con)
    check_channel(channel)
    _record_consents(con, actor, [(focal_id, _pseudonym_of(con, focal_id), consent)], channel)


def _record_consents(con: duckdb.DuckDBPyConnection, actor: Actor, given: list[tuple[str, str, ConsentIn]],
                     channel: str | None) -> None:
    """The terms in `focal_consents`, and the same consent in the shared register (`consent_events`) that
    subject requests read; one insert each and one audit entry, however many focal points."""
    if not given:
        return
    terms = pa.table({"focal_id": [g[0] for g in given], "pseudonym": [g[1] for g in given],
                      "purposes": [g[2].purposes for g in given], "recipients": [g[2].recipients for g in given],
                      "scope": [g[2].scope for g in given], "given_at": pa.array([g[2].given_at for g in given],
                                                                                 pa.date32()),
                      "expires_at": pa.array([g[2].expires_at for g in given], pa.date32())})
    con.register("_atlas_consents_in", terms)
    try:
        con.execute("""INSERT INTO focal_consents SELECT focal_id, purposes, recipients, scope, given_at, expires_at,
            NULL, now(), ? FROM _atlas_consents_in""", [actor.name])
        con.execute("""INSERT INTO consent_events SELECT pseudonym, purposes, given_at, ?, NULL, now()
            FROM _atlas_consents_in""", [channel])
    finally:
        con.unregister("_atlas_consents_in")
    log_event(con, actor.name, "consent.given", given[0][1] if len(given) == 1 else None, None,
              {"pseudonyms": [g[1] for g in given], "channel": channel,
               "terms": [{"purposes": g[2].purposes, "scope": g[2].scope} for g in given]})


def withdraw_focal_consent(con: duckdb.DuckDBPyConnection, actor: Actor, focal_id: str, *,
                           channel: str | None = None) -> None:
    """Withdraw every consent of a focal point: they leave every later contact sheet, listing and count."""
    authorize(actor, "manage_directory", {"id": focal_id}, con=con)
    check_channel(channel)
    ps = _pseudonym_of(con, focal_id)
    con.execute("INSERT INTO focal_consents VALUES (?, NULL, NULL, NULL, NULL, NULL, now(), now(), ?)",
                [focal_id, actor.name])
    withdraw(con, ps, "all", channel=channel, actor=actor.name)


def verify_focal_point(con: duckdb.DuckDBPyConnection, actor: Actor, focal_id: str, on: date | None = None) -> None:
    """Record that the liaison checked the contact details are still right."""
    authorize(actor, "manage_directory", {"id": focal_id}, con=con)
    _pseudonym_of(con, focal_id)
    con.execute("UPDATE focal_points SET verified_at = ? WHERE focal_id = ?", [on or date.today(), focal_id])
    log_event(con, actor.name, "directory.focal-verify", focal_id, None, {"on": str(on or date.today())})


def eligibility_sql() -> str:
    """Every focal point with the first clause refusing it ($1 purpose, $2 recipient or NULL for the
    directory keeper, $3 crisis on, $4 today); `refused_by` is NULL when the contact may be released."""
    return """
    WITH latest AS (SELECT * FROM focal_consents
                    QUALIFY row_number() OVER (PARTITION BY focal_id ORDER BY recorded_at DESC) = 1)
    SELECT f.focal_id, f.pseudonym, f.network_id, f.role, f.areas, f.languages, f.verified_at,
      n.nationalities, n.name AS network,
      CASE WHEN NOT f.active THEN 'focal_point.inactive'
           WHEN c.focal_id IS NULL THEN 'consent.missing'
           WHEN c.withdrawn_at IS NOT NULL OR EXISTS (SELECT 1 FROM consent_events w
                WHERE w.pseudonym = f.pseudonym AND w.withdrawn_at IS NOT NULL
                  AND (CAST(w.withdrawn_at AS DATE) > c.given_at
                       OR (CAST(w.withdrawn_at AS DATE) = c.given_at AND w.recorded_at >= c.recorded_at))
                  AND (w.purposes IS NULL OR list_contains(w.purposes, $1))) THEN 'consent.withdrawn'
           WHEN c.expires_at IS NOT NULL AND c.expires_at <= $4 THEN 'consent.expiry'
           WHEN NOT list_contains(c.purposes, $1) THEN 'consent.purposes'
           WHEN $2 IS NOT NULL AND NOT (list_contains(c.recipients, '*') OR list_contains(c.recipients, $2))
             THEN 'consent.recipients'
           WHEN $2 IS NOT NULL AND c.scope = 'crisis_only' AND NOT $3 THEN 'consent.scope'
           WHEN NOT EXISTS (SELECT 1 FROM vault v WHERE v.pseudonym = f.pseudonym) THEN 'focal_point.erased'
      END AS refused_by
    FROM focal_points f LEFT JOIN latest c USING (focal_id) LEFT JOIN networks n USING (network_id)"""


def _gate(con: duckdb.DuckDBPyConnection, actor: Actor, purpose: str, agreement: str | None, resource: str,
          now: datetime) -> tuple[str | None, bool]:
    """(recipient, crisis on) after the actor's own checks: the directory keeper, or a responder under agreement."""
    if agreement is None:
        if "manage_directory" not in actor.permissions:
            raise refuse(con, actor, resource, "agreement", "focal-point contacts are released only to "
                         "authorised responders under an agreement", purpose)
        return None, False
    authorize(actor, "read_releases", {"id": resource, "organisation": actor.organisation}, con=con)
    a = agreement_in_force(con, actor, agreement, purpose, resource, now)
    return actor.organisation or actor.name, a.crisis_on(now)


def _open_contact(con: duckdb.DuckDBPyConnection, keys: Keys, ps: str) -> dict[str, str]:
    return open_fields(con, keys, ps, CONTACT_FIELDS)


def contact(con: duckdb.DuckDBPyConnection, keys: Keys, actor: Actor, focal_id: str, *, purpose: str,
            agreement: str | None = None, now: datetime | None = None) -> dict[str, Any]:
    """One focal point's contact, if their consent and the agreement allow it; refusals name the clause."""
    now = now or datetime.now(UTC)
    resource = f"focal_point:{focal_id}"
    recipient, crisis = _gate(con, actor, purpose, agreement, resource, now)
    row = con.execute(eligibility_sql() + " WHERE f.focal_id = $5",
                      [purpose, recipient, crisis, now.date(), focal_id]).fetchone()
    if row is None:
        raise NotFound(f"No focal point {focal_id!r}.")
    if row[-1] is not None:
        raise refuse(con, actor, resource, row[-1], f"the focal point's consent does not cover this ({row[-1]})",
                     purpose, {"agreement": agreement})
    out = {"focal_id": row[0], "network_id": row[2], "role": row[3], **_open_contact(con, keys, row[1])}
    log_event(con, actor.name, "focal_point.view", resource, purpose,
              {"agreement": agreement, "fields": sorted(set(out) & set(CONTACT_FIELDS))}, keys=keys)
    return out


def contact_sheet(con: duckdb.DuckDBPyConnection, keys: Keys, actor: Actor, *, purpose: str,
                  agreement: str | None = None, area: str | None = None, nationality: str | None = None,
                  now: datetime | None = None) -> ContactSheet:
    """Every contact a responder may have for a purpose (optionally one area or nationality); each view logged."""
    now = now or datetime.now(UTC)
    recipient, crisis = _gate(con, actor, purpose, agreement, "focal_points", now)
    frame = con.execute(f"""SELECT * FROM ({eligibility_sql()}) e WHERE ($5 IS NULL OR list_contains(areas, $5)
        OR list_contains(areas, (SELECT parent FROM geo_areas WHERE pcode = $5 LIMIT 1))
        OR EXISTS (SELECT 1 FROM geo_areas g WHERE g.parent = $5 AND list_contains(areas, g.pcode)))
        AND ($6 IS NULL OR list_contains(nationalities, $6)) ORDER BY focal_id""",
                        [purpose, recipient, crisis, now.date(), area, nationality]).df()
    ok = frame[frame["refused_by"].isna()]
    contacts = [{"focal_id": r.focal_id, "network": r.network, "role": r.role, **_open_contact(con, keys, r.pseudonym)}
                for r in ok.itertuples()]
    log_event(con, actor.name, "focal_point.sheet", "focal_points", purpose,
              {"agreement": agreement, "focal_points": ok["focal_id"].tolist(), "withheld": len(frame) - len(ok),
               "area": area, "nationality": nationality}, keys=keys)
    return ContactSheet(contacts, len(frame) - len(ok))


def due_for_review(con: duckdb.DuckDBPyConnection, actor: Actor, today: date | None = None, *,
                   within_days: int = PROMPT_DAYS, verify_every_days: int = VERIFY_EVERY_DAYS) -> pd.DataFrame:
    """Expiry prompts: consents expiring (or expired) and contacts not verified recently, for the liaison."""
    authorize(actor, "manage_directory", {"id": "focal_points"}, con=con)
    today = today or date.today()
    return con.execute("""
        WITH latest AS (SELECT * FROM focal_consents
                        QUALIFY row_number() OVER (PARTITION BY focal_id ORDER BY recorded_at DESC) = 1)
        SELECT * FROM (SELECT f.focal_id, f.network_id, f.verified_at, c.expires_at,
          CASE WHEN c.focal_id IS NULL THEN 'no consent recorded'
               WHEN c.withdrawn_at IS NOT NULL THEN NULL
               WHEN c.expires_at <= $1 THEN 'consent expired on ' || c.expires_at
               WHEN c.expires_at <= $1 + to_days($2) THEN 'consent expires on ' || c.expires_at END AS consent_prompt,
          CASE WHEN c.withdrawn_at IS NOT NULL THEN NULL
               WHEN f.verified_at IS NULL THEN 'never verified'
               WHEN f.verified_at <= $1 - to_days($3) THEN 'last verified on ' || f.verified_at END AS verify_prompt
        FROM focal_points f LEFT JOIN latest c USING (focal_id) WHERE f.active)
        WHERE consent_prompt IS NOT NULL OR verify_prompt IS NOT NULL ORDER BY focal_id""",
                       [today, within_days, verify_every_days]).df()


def focal_coverage(con: duckdb.DuckDBPyConnection, *, purpose: str = "emergency_response",
                   level: AreaLevel = "adm1", min_count: int = 3, now: datetime | None = None) -> Coverage:
    """Protected counts of focal points reachable in a crisis for `purpose`, by area and network nationality."""
    now = now or datetime.now(UTC)
    frame = con.execute(f"""
        WITH e AS (SELECT * FROM ({eligibility_sql()}) x WHERE refused_by IS NULL),
        u AS (SELECT a.focal_id, a.area, b.nationality FROM (SELECT focal_id, unnest(areas) AS area FROM e) a
              JOIN (SELECT focal_id, unnest(CASE WHEN coalesce(len(nationalities), 0) = 0 THEN ['unknown']
                    ELSE nationalities END) AS nationality FROM e) b USING (focal_id)),
        lifted AS (SELECT DISTINCT focal_id, {area_sql(level)} AS area, nationality
                   FROM u LEFT JOIN (SELECT a.pcode, a.parent, a.level FROM geo_areas a JOIN geo_sets s USING (set_id)
                                     WHERE s.active) g ON g.pcode = u.area)
        SELECT area, nationality, count(*)::BIGINT AS value, count(*)::BIGINT AS n FROM lifted GROUP BY ALL""",
                        [purpose, None, True, now.date()]).df()
    return protect_coverage(con, frame, level, f"focal_point_coverage_{level}", min_count,
                            "focal points reachable in a crisis")


def parse_focal_rows(rows: list[dict[str, Any]], source: str | None = None) -> list[FocalPointIn]:
    """Focal points from flat rows (CSV): list cells `a;b`, consent in `consent_*` columns; all errors at once."""
    from atlas.communities.networks import parse_rows, split_list

    prepared = []
    for row in rows:
        data = {k: v for k, v in row.items() if v not in (None, "")}
        terms = {k.removeprefix("consent_"): data.pop(k) for k in list(data) if k.startswith("consent_")}
        if terms.get("purposes"):
            data["consent"] = {k: v for k, v in {
                "purposes": split_list(terms["purposes"]), "given_at": terms.get("given"),
                "recipients": split_list(terms.get("recipients")) or [ANY_RECIPIENT],
                "scope": terms.get("scope", "crisis_only"), "expires_at": terms.get("expires")}.items() if v}
        prepared.append(data)
    return parse_rows(FocalPointIn, prepared, ("areas", "languages"), source=source, prefix="focal")
