"""Server-mode upkeep that the embedded store does by rewriting its file: VACUUM FULL after deletions."""

from __future__ import annotations

import sqlalchemy as sa

from atlas.errors import WorkspaceProblem
from atlas.store.migrate import engine
from atlas.store.models import metadata

# Tables from which retention, erasure and quarantine delete rows that held personal data.
PERSONAL_TABLES = ("persons", "aggregates", "vault", "consent_events", "quarantine", "issues", "data_usage")


def _size(con: sa.Connection) -> int:
    names = list(metadata.tables)
    total = con.execute(sa.text("SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
                                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                                "WHERE n.nspname = current_schema() AND c.relname = ANY(:names)"), {"names": names})
    return int(total.scalar() or 0)


def vacuum_full(url: str, tables: tuple[str, ...] = PERSONAL_TABLES) -> tuple[int, int]:
    """Rewrite the tables so deleted rows leave their pages; returns (bytes before, bytes after).

    Takes an exclusive lock on each table while it is rewritten (workers wait, nothing fails). Old WAL
    segments and freed disk blocks are PostgreSQL's and the disk's to wipe: see docs/deploy.md.
    """
    unknown = set(tables) - set(metadata.tables)
    if unknown:
        raise ValueError(f"not Atlas tables: {sorted(unknown)}")
    eng = engine(url)
    try:
        with eng.connect().execution_options(isolation_level="AUTOCOMMIT") as con:
            _require_owner(con, tables)
            before = _size(con)
            for table in tables:
                con.execute(sa.text(f'VACUUM (FULL, ANALYZE) "{table}"'))
            if _is_superuser(con):
                con.execute(sa.text("CHECKPOINT"))
            return before, _size(con)
    finally:
        eng.dispose()


def _require_owner(con: sa.Connection, tables: tuple[str, ...]) -> None:
    """PostgreSQL skips (with a mere warning) tables the role does not own: refuse clearly instead."""
    owned = con.execute(sa.text("SELECT bool_and(pg_has_role(current_user, c.relowner, 'USAGE')) FROM pg_class c "
                                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                                "WHERE n.nspname = current_schema() AND c.relname = ANY(:t)"), {"t": list(tables)})
    if not owned.scalar():
        raise WorkspaceProblem(
            "The deleted rows are gone from every query, but PostgreSQL keeps their old pages until VACUUM FULL, "
            "which only the owner of the tables may run: run `atlas db vacuum` with the owner's ATLAS_DATABASE_URL."
        )


def _is_superuser(con: sa.Connection) -> bool:
    return bool(con.execute(sa.text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar())
