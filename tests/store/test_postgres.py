"""Server mode on PostgreSQL: migrations, the same results as the embedded store, concurrency, crashes, secrets."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from atlas.errors import KeyProblem, WorkspaceProblem
from atlas.ingest.pipeline import IngestOptions, ingest_file
from atlas.privacy.audit import verify_chain
from atlas.privacy.vault import find_subjects
from atlas.settings import Settings
from atlas.store import migrate
from atlas.store.keys import encode_key, new_key
from atlas.store.models import metadata
from atlas.store.workspace import Workspace

pytestmark = pytest.mark.postgres

KEY = encode_key(new_key())
SRC = Path(__file__).resolve().parents[2] / "src"
TABLES = ("persons", "batches", "quarantine", "issues", "vault", "audit_log")

INGEST = """
import sys
from pathlib import Path
from atlas.ingest.pipeline import IngestOptions, ingest_file
from atlas.settings import Settings
from atlas.store.workspace import Workspace
ws = Workspace.open(Settings())
r = ingest_file(ws, Path(sys.argv[1]), IngestOptions(), step=lambda s: print(s, flush=True))
print("done", r.batch_id, r.rows_stored, flush=True)
"""

AUDIT = """
import sys
from atlas.privacy.audit import log_event
from atlas.settings import Settings
from atlas.store.workspace import Workspace
ws = Workspace.open(Settings())
with ws.connect() as con:
    for i in range(int(sys.argv[1])):
        log_event(con, sys.argv[2], "test.concurrent", str(i), keys=ws.keys)
"""


def _settings(url: str, home: Path, key: str = KEY) -> Settings:
    return Settings(home=home, database_url=url, master_key=key)


def _env(ws: Workspace) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(SRC), "ATLAS_HOME": str(ws.home),
            "ATLAS_DATABASE_URL": str(ws.settings.database_url), "ATLAS_MASTER_KEY": KEY}


def _empty(url: str) -> None:
    """Every Atlas table emptied and every id sequence restarted: a fresh workspace without a new database."""
    if migrate.current(url) != migrate.head():
        migrate.upgrade(url)
    eng = migrate.engine(url)
    with eng.begin() as con:
        con.execute(sa.text("TRUNCATE " + ", ".join(metadata.tables)))
        for seq in metadata._sequences:
            con.execute(sa.text(f"ALTER SEQUENCE {seq} RESTART"))
    eng.dispose()


@pytest.fixture
def server(postgres_url: str, tmp_path: Path) -> Workspace:
    """A fresh server-mode workspace on this session's database (emptied, migrated and initialised)."""
    _empty(postgres_url)
    settings = _settings(postgres_url, tmp_path / "ws")
    Workspace.init(settings)
    return Workspace.open(settings)


def people_csv(path: Path, rows: int, start: int = 0) -> Path:
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["record_id", "sex", "age", "nationality", "full_name", "phone"])
        for i in range(start, start + rows):
            w.writerow([i, "F" if i % 2 else "M", 18 + i % 60, ("SYR", "VEN", "Syrie", "nowhere")[i % 4],
                        f"Canary Person {i}", f"+509 7{i:07d}"])
    return path


def counts(ws: Workspace) -> tuple[int, ...]:
    with ws.connect(read_only=True) as con:
        return tuple(int(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in TABLES)  # type: ignore[index]


def test_migrations_up_down_and_up_again(pg_databases: Any) -> None:
    postgres_url = pg_databases.create()
    assert migrate.current(postgres_url) is None
    assert migrate.upgrade(postgres_url) == migrate.head()
    eng = migrate.engine(postgres_url)
    with eng.connect() as con:
        assert compare_metadata(MigrationContext.configure(con), metadata) == []
    assert migrate.downgrade(postgres_url, "base") is None
    with eng.connect() as con:
        left = set(sa.inspect(con).get_table_names()) - {"alembic_version"}
        seqs = con.execute(sa.text("SELECT count(*) FROM pg_sequences WHERE schemaname = 'public'")).scalar()
    assert left == set() and seqs == 0
    assert migrate.upgrade(postgres_url) == migrate.head()
    assert migrate.upgrade(postgres_url) == migrate.head()  # idempotent
    eng.dispose()


def test_schema_matches_the_embedded_store(server: Workspace, tmp_path: Path) -> None:
    embedded = _embedded(tmp_path)
    sql = """SELECT table_name, column_name, data_type FROM duckdb_columns()
             WHERE database_name = 'ws' AND schema_name IN ('main', 'public') AND table_name NOT IN ('schema_migrations', 'keyring', 'alembic_version')
             ORDER BY table_name, column_index"""
    same = {"TINYINT": "SMALLINT", "JSON": "VARCHAR"}  # PostgreSQL json reads back as text; DuckDB's JSON functions take both
    with embedded.connect(read_only=True) as con:
        want = [(t, c, same.get(d, d)) for t, c, d in con.execute(sql).fetchall()]
    with server.connect(read_only=True) as con:
        got = con.execute(sql).fetchall()
    assert set(got) ^ set(want) == set()
    assert got == want


def _embedded(tmp_path: Path) -> Workspace:
    settings = Settings(home=tmp_path / "embedded", master_key=KEY)
    Workspace.init(settings)
    return Workspace.open(settings)


def test_demo_ingest_and_protected_table_equal_the_embedded_result(server: Workspace, tmp_path: Path) -> None:
    """Same keyring (so same pseudonyms and record keys), same file: same rows, same cube, same protected table."""
    from importlib import resources

    from atlas.demo.country import demo_areas, write_cod_ab_style
    from atlas.demo.population import generate_population
    from atlas.geo.boundaries import import_boundaries
    from atlas.store.pg_keyring import PgKeyStore
    from atlas.tables.service import protected_tables
    from atlas.tables.spec import load_spec

    embedded = _embedded(tmp_path)
    store = PgKeyStore(str(server.settings.database_url))
    store.load()
    store.save(json.loads((embedded.home / "keyring.json").read_text()))
    server = Workspace.open(server.settings)
    people = generate_population(2000, areas=demo_areas(), host_country="XAT", seed=11, out=tmp_path / "people.csv")
    mapping = Path(str(resources.files("atlas.demo").joinpath("people_mapping.yaml")))
    spec = load_spec(Path(str(resources.files("atlas.demo").joinpath("specs/migrants_by_region_age_sex.yaml"))))
    dims = [d.field for d in spec.dimensions]
    results = []
    for ws in (embedded, server):
        with ws.connect() as con:
            for level in (1, 2):
                import_boundaries(con, write_cod_ab_style(tmp_path / f"xat{level}.geojson", level), country="XAT",
                                  level=level)
        r = ingest_file(ws, Path(people.path), IngestOptions(mapping=mapping))
        (table,) = protected_tables(ws, [spec])
        with ws.connect(read_only=True) as con:
            rows = con.execute("SELECT * EXCLUDE (_issues, _raw) FROM persons ORDER BY source_row").df()
            chain = verify_chain(con, ws.keys)
        assert chain.ok, chain.problem
        results.append(((r.batch_id, r.rows_read, r.rows_stored, r.rows_quarantined, r.issue_count), rows,
                        table.cells.sort_values(dims).reset_index(drop=True)))
    (meta_e, rows_e, cells_e), (meta_s, rows_s, cells_s) = results
    assert meta_s == meta_e and meta_e[2] > 1500
    pd.testing.assert_frame_equal(rows_s, rows_e, check_dtype=False)
    pd.testing.assert_frame_equal(cells_s, cells_e)


def test_two_concurrent_ingests_land_with_distinct_batches(server: Workspace, tmp_path: Path) -> None:
    files = [people_csv(tmp_path / f"part{i}.csv", 2000, start=i * 10_000) for i in (0, 1)]
    procs = [subprocess.Popen([sys.executable, "-c", INGEST, str(f)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, env=_env(server)) for f in files]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1][-2000:] for o in outs]
    with server.connect(read_only=True) as con:
        batches = con.execute("SELECT batch_id, file_name, rows_read, rows_stored FROM batches ORDER BY 1").fetchall()
        per_batch = con.execute("SELECT batch_id, count(*) FROM persons GROUP BY 1 ORDER BY 1").fetchall()
        chain = verify_chain(con, server.keys)
    assert [b[0] for b in batches] == [1, 2]
    assert sorted(b[1] for b in batches) == ["part0.csv", "part1.csv"]
    assert all(b[2] == 2000 and b[3] == 1500 for b in batches)
    assert per_batch == [(1, 1500), (2, 1500)]
    assert chain.ok, chain.problem


def test_concurrent_audit_writers_keep_one_chain(server: Workspace) -> None:
    procs = [subprocess.Popen([sys.executable, "-c", AUDIT, "10", f"worker{i}"], env=_env(server),
                              stderr=subprocess.PIPE, text=True) for i in range(3)]
    errs = [p.communicate(timeout=300)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], errs
    with server.connect(read_only=True) as con:
        chain = verify_chain(con, server.keys)
        n = con.execute("SELECT count(*), max(seq) FROM audit_log").fetchone()
    assert chain.ok, chain.problem
    assert n == (30, 30)


@pytest.mark.parametrize("kill_at", ["normalising and validating", "sealing identifiers in the vault"])
def test_sigkill_mid_ingest_leaves_the_database_as_before(server: Workspace, tmp_path: Path, kill_at: str) -> None:
    ingest_file(server, people_csv(tmp_path / "seed.csv", 50), IngestOptions())
    before = counts(server)
    big = people_csv(tmp_path / "big.csv", 8000, start=1000)
    proc = subprocess.Popen([sys.executable, "-c", INGEST, str(big)], stdout=subprocess.PIPE, text=True,
                            env=_env(server))
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.strip() == kill_at:
            # At "sealing" the person rows are already written inside the open transaction; a pause here
            # would let a quiet machine finish and commit the batch before the kill.
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(timeout=120)
    assert proc.returncode == -signal.SIGKILL, "the ingest finished before it could be killed"
    reopened = Workspace.open(server.settings)
    assert counts(reopened) == before
    with reopened.connect() as con:
        assert verify_chain(con, reopened.keys).ok
    with reopened.connect(read_only=True) as con:  # the killed backend is gone: no transaction or lock left
        left = con.execute("SELECT count(*) FROM postgres_query('ws', 'SELECT pid FROM pg_locks WHERE locktype = "
                           "''advisory'' OR NOT granted')").fetchone()
    assert left == (0,)
    result = ingest_file(reopened, people_csv(tmp_path / "after.csv", 40, start=50_000), IngestOptions())
    assert result.rows_stored == 30 and result.batch_id is not None and result.batch_id > 1


def test_no_plaintext_identifier_reaches_postgres(server: Workspace, tmp_path: Path) -> None:
    ingest_file(server, people_csv(tmp_path / "p.csv", 200), IngestOptions())
    url = str(server.settings.database_url).replace("postgresql+psycopg://", "postgresql://")
    dump = subprocess.run(["pg_dump", "--data-only", url], capture_output=True, check=True).stdout
    assert b"Canary Person" not in dump and b"+509 7" not in dump and b"5097000" not in dump
    assert b"Canary" not in b"".join(p.read_bytes() for p in server.home.rglob("*") if p.is_file())
    with server.connect(read_only=True) as con:
        sealed = con.execute("SELECT count(*) FROM vault WHERE field = 'name' AND length(ciphertext::VARCHAR) > 0"
                             ).fetchone()
        found = find_subjects(con, server.keys, "Canary Person 7")
        stored = con.execute("SELECT pseudonym FROM persons WHERE record_id IS NOT NULL LIMIT 1").fetchone()
    assert sealed == (200,)
    assert len(found) == 1 and len(stored[0]) == 64  # type: ignore[index]


def test_wrong_master_key_and_old_schema_are_clear_errors(server: Workspace) -> None:
    with pytest.raises(KeyProblem, match="different key"):
        Workspace.open(_settings(str(server.settings.database_url), server.home, encode_key(new_key())))
    with pytest.raises(WorkspaceProblem, match="already exists"):
        Workspace.init(server.settings)
    migrate.downgrade(str(server.settings.database_url), "0002")
    with pytest.raises(WorkspaceProblem, match="atlas db upgrade"), server.connect():
        pass
    migrate.upgrade(str(server.settings.database_url))
    with server.connect() as con:
        assert con.execute("SELECT count(*) FROM run_requests").fetchone() == (0,)


def test_key_rotation_in_server_mode(server: Workspace, tmp_path: Path) -> None:
    ingest_file(server, people_csv(tmp_path / "p.csv", 40), IngestOptions())
    new_id = server.rotate_data_key()
    with server.connect(read_only=True) as con:
        assert con.execute("SELECT DISTINCT key_id FROM vault").fetchall() == [(new_id,)]
        assert len(find_subjects(con, server.keys, "Canary Person 3")) == 1
    assert set(server.keys.data_keys) == {new_id}
    fresh = new_key()
    server.rotate_master(fresh)
    with pytest.raises(KeyProblem):
        Workspace.open(server.settings)
    reopened = Workspace.open(_settings(str(server.settings.database_url), server.home, encode_key(fresh)))
    with reopened.connect(read_only=True) as con:
        assert len(find_subjects(con, reopened.keys, "Canary Person 5")) == 1


def test_db_commands(server: Workspace) -> None:
    from typer.testing import CliRunner

    from atlas.commands.db import app

    env = {"ATLAS_DATABASE_URL": str(server.settings.database_url)}
    out = CliRunner().invoke(app, ["current"], env=env)
    assert out.exit_code == 0 and "up to date" in out.output
    assert CliRunner().invoke(app, ["downgrade"], env=env).exit_code != 0  # refused without --yes
    out = CliRunner().invoke(app, ["downgrade", "--to", "-1", "--yes"], env=env)
    assert out.exit_code == 0 and "0003" in out.output
    out = CliRunner().invoke(app, ["upgrade"], env=env)
    assert out.exit_code == 0 and "0003 -> 0004" in out.output


def test_erasure_and_compaction_in_server_mode(server: Workspace, tmp_path: Path) -> None:
    from atlas.privacy.retention import compact_store
    from atlas.privacy.subjects import erase_subject

    ingest_file(server, people_csv(tmp_path / "p.csv", 60), IngestOptions())
    before = counts(server)
    erase_subject(server, "Canary Person 2", reason="request")
    with server.connect(read_only=True) as con:
        assert find_subjects(con, server.keys, "Canary Person 2") == []
        assert con.execute("SELECT count(*) FROM erasures").fetchone() == (1,)
        assert verify_chain(con, server.keys).ok
    after = counts(server)
    assert after[0] == before[0] - 1 and after[4] == before[4] - 2
    compaction = compact_store(server)
    assert compaction.bytes_after <= compaction.bytes_before


def test_concurrent_keyring_changes_are_refused_not_lost(server: Workspace) -> None:
    from atlas.store.keys import Keyring
    from atlas.store.master import load_master
    from atlas.store.pg_keyring import PgKeyStore

    url, master = str(server.settings.database_url), load_master(server.settings)
    slow = PgKeyStore(url)
    stale = slow.load()  # another process reads the keyring ...
    Keyring(PgKeyStore(url)).add_data_key(master)  # ... this one rotates meanwhile ...
    with pytest.raises(KeyProblem, match="another process"):
        slow.save(stale | {"active": 1})  # ... and the late write is refused instead of dropping key #2
    assert set(Keyring(PgKeyStore(url)).open(master).data_keys) == {1, 2}


def test_bad_or_unreachable_database_urls_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceProblem, match="must be a PostgreSQL URL"):
        Workspace.open(_settings("mysql://db/atlas", tmp_path))
    with pytest.raises(WorkspaceProblem, match="not reachable") as caught:
        Workspace.open(_settings("postgresql+psycopg://atlas:s3cret-pw@127.0.0.1:1/atlas", tmp_path))
    assert "s3cret-pw" not in caught.value.message and "atlas:***@" in caught.value.message


def test_one_scheduler_at_a_time_in_both_modes(server: Workspace, tmp_path: Path) -> None:
    from atlas.sharing.scheduler import run_due

    for ws in (server, _embedded(tmp_path)):
        with ws.exclusive("scheduler"), pytest.raises(WorkspaceProblem, match="already running"):
            run_due(ws)
        assert run_due(ws).runs == []  # the lock went with the block


def test_workers_need_no_ddl_rights(server: Workspace, tmp_path: Path) -> None:
    """The least-privilege role of deploy.md ingests and erases; compaction asks for the owner."""
    import uuid

    import psycopg

    from atlas.privacy.subjects import erase_subject

    role, url = f"atlas_app_{uuid.uuid4().hex[:8]}", str(server.settings.database_url)
    admin = psycopg.connect(url.replace("+psycopg", ""), autocommit=True)
    admin.execute(f"CREATE ROLE {role} LOGIN")
    try:
        admin.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
        admin.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}")
        admin.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}")
        app = Workspace.open(_settings(url.replace("postgres@", f"{role}@"), server.home))
        assert ingest_file(app, people_csv(tmp_path / "p.csv", 40), IngestOptions()).rows_stored == 30
        with pytest.raises(WorkspaceProblem, match="atlas db vacuum"):
            erase_subject(app, "Canary Person 2", reason="request")
        with app.connect(read_only=True) as con:
            assert find_subjects(con, app.keys, "Canary Person 2") == []
    finally:
        from atlas.store.pg import forget_shared

        forget_shared(url.replace("postgres@", f"{role}@"))
        admin.execute(f"DROP OWNED BY {role}")
        admin.execute(f"DROP ROLE {role}")
        admin.close()
