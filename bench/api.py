"""API throughput: `atlas serve` against Datasette serving the same protected table, same run, loopback.

    python bench/api.py [--people 20000] [--requests 1500] [--concurrency 16] [--seconds 15]

Builds a Haiti workspace (boundaries from /work/shared/data, a generated population), adds a public
agreement with one commune x sex table and releases it. The released CSV (the protected table) is
loaded into a SQLite file that Datasette serves. Each target is loaded by concurrent httpx clients for
at most `--requests` requests or `--seconds` seconds after a warm-up, in `--rounds` interleaved rounds
(every target in turn, so that the load of a shared machine falls on all alike); requests per second and
the 95th percentile latency are printed with the Atlas / Datasette ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
SHP = ROOT.parent / "shared" / "data" / "geo" / "admin1" / "hti_cod_ab_shp"
MAPPING = "kind: person\nsource: bench\nlegal_basis: public_task\npurposes: [statistics]\n"
AGREEMENT = {
    "name": "open-bench", "title": "People by commune and sex (open data)",
    "parties": {"provider": "INS", "recipients": ["public"]}, "licence": "CC-BY-4.0",
    "tables": [{"name": "people_by_commune_sex",
                "dimensions": [{"field": "area", "level": "adm2"}, {"field": "sex"}]}],
    "dimensions": ["area", "sex"], "finest_geography": "adm2",
    "disclosure": {"method": "suppression", "min_count": 10}, "formats": ["csv", "json"],
    "purposes": ["statistics"], "start": "2026-01-01", "expiry": "2030-01-01",
}


def build_workspace(home: Path, people: int) -> Path:
    """Workspace, boundaries, population, steward, public agreement and its release; returns the CSV."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from atlas.geo.boundaries import import_boundaries
    from atlas.ingest.pipeline import IngestOptions, ingest_file
    from atlas.privacy.access import Actor
    from atlas.privacy.users import actor_for, add_user
    from atlas.settings import Settings
    from atlas.sharing.agreement import parse_agreement
    from atlas.sharing.catalog import add_agreement
    from atlas.sharing.release import run_release
    from atlas.store.workspace import Workspace
    from atlas.tables.compute import gazetteer

    settings = Settings(home=home)
    Workspace.init(settings)
    ws = Workspace.open(settings)
    with ws.connect() as con:
        for level in (1, 2):
            import_boundaries(con, SHP / f"hti_admbnda_adm{level}_cnigs_20181129.shp", country="HTI", level=level)
        communes = [c for c, lvl in gazetteer(con)[["code", "level"]].itertuples(index=False) if lvl == "adm2"]
        add_user(con, Actor("alice", frozenset({"steward"}), None, bootstrap=True), "alice", role="steward")
        add_agreement(con, actor_for(con, "alice"), parse_agreement(AGREEMENT))
    n = len(communes)
    rows = {"record_id": [str(i) for i in range(people)],
            "sex": ["F" if i % 2 else "M" for i in range(people)],
            "age": [str(18 + i * 7 % 60) for i in range(people)],
            "district": [communes[(i * i) % n] for i in range(people)]}
    src = home.parent / "src"
    src.mkdir()
    pacsv.write_csv(pa.table(rows), src / "people.csv")
    (src / "mapping.yaml").write_text(MAPPING, encoding="utf-8")
    with ws.connect() as con:
        alice = actor_for(con, "alice")
    ingest_file(ws, src / "people.csv", IngestOptions(country="HTI", mapping=src / "mapping.yaml"), actor=alice)
    release = run_release(ws, "open-bench", alice)
    return release.path / "people_by_commune_sex.csv"


def sqlite_copy(table_csv: Path, db: Path) -> int:
    """The same protected table in SQLite, as Datasette would publish it."""
    with table_csv.open(encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        data = list(reader)
    con = sqlite3.connect(db)
    cols = ", ".join(f'"{h}"' for h in header)
    con.execute(f"CREATE TABLE people_by_commune_sex ({cols})")
    con.executemany(f"INSERT INTO people_by_commune_sex VALUES ({', '.join('?' * len(header))})", data)
    con.commit()
    con.close()
    return len(data)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(cmd: list[str], env: dict[str, str], url: str, log: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(cmd, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return proc
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.terminate()
    raise SystemExit(f"server did not start: {' '.join(cmd)} (see {log})")


@dataclass
class Result:
    name: str
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


async def load(url: str, total: int, concurrency: int, seconds: float) -> tuple[list[float], int, float]:
    """`concurrency` clients sharing `total` requests, stopped early after `seconds`: latencies, errors, time."""
    latencies: list[float] = []
    errors = 0
    issued = 0
    stop = time.perf_counter() + seconds

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal issued, errors
        while issued < total and time.perf_counter() < stop:
            issued += 1
            t0 = time.perf_counter()
            r = await client.get(url)
            latencies.append(time.perf_counter() - t0)
            if r.status_code != 200:
                errors += 1

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        for _ in range(10):
            await client.get(url)
        t0 = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        return latencies, errors, time.perf_counter() - t0


def interleaved(targets: list[tuple[str, str]], total: int, concurrency: int, seconds: float,
                rounds: int) -> list[Result]:
    """Every target loaded in turn, `rounds` times, so that a shared machine's load hits all of them alike."""
    acc: dict[str, tuple[list[float], int, float]] = {name: ([], 0, 0.0) for name, _ in targets}
    for _ in range(rounds):
        for name, url in targets:
            lat, err, spent = asyncio.run(load(url, total // rounds, concurrency, seconds / rounds))
            prev = acc[name]
            acc[name] = (prev[0] + lat, prev[1] + err, prev[2] + spent)
    out = []
    for name, (lat, err, spent) in acc.items():
        ordered = sorted(lat)
        p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
        out.append(Result(name, len(ordered), spent, statistics.median(ordered) * 1000, p95 * 1000, err))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--people", type=int, default=20_000)
    ap.add_argument("--requests", type=int, default=1500, help="Requests per target (upper bound).")
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=15.0, help="Time limit per target (all rounds).")
    ap.add_argument("--rounds", type=int, default=3, help="Targets are loaded in turn this many times.")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="atlas-bench-api-"))
    procs: list[subprocess.Popen[bytes]] = []
    try:
        t0 = time.perf_counter()
        table_csv = build_workspace(tmp / "ws", args.people)
        cells = sqlite_copy(table_csv, tmp / "bench.db")
        print(f"workspace built in {time.perf_counter() - t0:.1f} s; protected table: {cells} cells", flush=True)
        env = {**os.environ, "ATLAS_HOME": str(tmp / "ws"), "ATLAS_RATE_LIMIT": "100000000",
               "ATLAS_RATE_BURST": "100000000"}
        atlas_port, ds_port = free_port(), free_port()
        serve = ("from atlas.commands.serve import serve; "
                 f"serve(host='127.0.0.1', port={atlas_port}, workers=1, home=None, log_level='warning')")
        atlas = f"http://127.0.0.1:{atlas_port}"
        procs.append(start([sys.executable, "-c", serve], env, atlas + "/api/v1/health", tmp / "atlas.log"))
        datasette = shutil.which("datasette", path=str(Path(sys.executable).parent)) or "datasette"
        ds = f"http://127.0.0.1:{ds_port}"
        procs.append(start([datasette, "serve", str(tmp / "bench.db"), "--host", "127.0.0.1", "--port", str(ds_port),
                            "--setting", "max_returned_rows", "5000"], env, ds + "/-/versions.json",
                           tmp / "datasette.log"))
        targets = [
            ("Atlas table (JSON, protected on the fly, cached)",
             atlas + "/api/v1/tables/open-bench/people_by_commune_sex?format=json"),
            ("Atlas table (CSV)", atlas + "/api/v1/tables/open-bench/people_by_commune_sex?format=csv"),
            ("Atlas release file (CSV, ETag)", atlas + "/api/v1/releases/open-bench/1/files/people_by_commune_sex.csv"),
            ("Datasette table (JSON)", ds + "/bench/people_by_commune_sex.json?_shape=array&_size=max"),
            ("Datasette table (CSV)", ds + "/bench/people_by_commune_sex.csv?_size=max"),
        ]
        sizes = {name: len(httpx.get(url, timeout=30).content) for name, url in targets}
        load_before = os.getloadavg()[0]
        results = interleaved(targets, args.requests, args.concurrency, args.seconds, args.rounds)
        print(f"\n{cells} cells, {args.concurrency} concurrent clients, up to {args.requests} requests or "
              f"{args.seconds:.0f} s per target in {args.rounds} interleaved rounds, load average "
              f"{load_before:.1f} before and {os.getloadavg()[0]:.1f} after\n")
        print("| target | body bytes | requests | req/s | p50 ms | p95 ms | errors |")
        print("|---|---|---|---|---|---|---|")
        for r in results:
            print(f"| {r.name} | {sizes[r.name]:,} | {r.requests} | {r.rps:.0f} | {r.p50_ms:.1f} | {r.p95_ms:.1f} "
                  f"| {r.errors} |")
        by = {r.name.split(" (")[0] + " " + r.name.split("(")[1].split(",")[0].rstrip(")"): r for r in results}
        for atlas_name, ds_name in (("Atlas table JSON", "Datasette table JSON"), ("Atlas table CSV", "Datasette table CSV"),
                                    ("Atlas release file CSV", "Datasette table CSV")):
            a, d = by[atlas_name], by[ds_name]
            print(f"{atlas_name} / {ds_name}: req/s {a.rps / d.rps:.2f}x, p95 {a.p95_ms / d.p95_ms:.2f}x")
    finally:
        for p in procs:
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        for p in tmp.rglob("*"):
            p.chmod(0o700 if p.is_dir() else 0o600)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
