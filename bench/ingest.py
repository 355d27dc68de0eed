"""Ingest benchmark: the whole Atlas ingest against DuckDB's bare read_csv, measured in the same run.

usage: python bench/ingest.py [--rows 1000000,10000000] [--out bench/out] [--identifiers both|with|without]

For each size it generates the demo population (fictional country XAT), then times in separate
processes (so peak memory is per step): (a) bare `read_csv(all_varchar)` into a table of an encrypted
DuckDB file, timed before and after the Atlas runs (the mean is the baseline), (b) the same into an in-memory table, (c) `atlas ingest` of the file without identifier
columns (mapping, normalisation, validation, quarantine, encrypted store), (d) the same with the three
identifier columns sealed field by field in the vault. Prints rows/s, the ratio to (a), the ratio of CPU
seconds (steadier than wall time when other jobs share the cores), peak RSS, the 1-minute load average and
the CPU seconds of each phase of the Atlas run (parse, value maps, normalising INSERT, the rest).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from itertools import pairwise
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"

BARE = """
import sys, time, duckdb
from atlas.store.duck import httpfs_path
path, target = sys.argv[1], sys.argv[2]
con = duckdb.connect(config={"threads": 2, "memory_limit": "4GB", "preserve_insertion_order": False})
con.execute(f"LOAD '{httpfs_path()}'")
if target != ":memory:":
    con.execute(f"ATTACH '{target}' AS w (ENCRYPTION_KEY '{'ab' * 32}')")
    con.execute("USE w")
t = time.perf_counter()
con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{path}', all_varchar=true)")
n = con.execute("SELECT count(*) FROM t").fetchone()[0]
import resource
u = resource.getrusage(resource.RUSAGE_SELF)
print(time.perf_counter() - t, n, u.ru_maxrss, u.ru_utime + u.ru_stime)
"""

ATLAS = """
import sys, time
from itertools import pairwise
from pathlib import Path
from atlas.ingest.pipeline import IngestOptions, ingest_file
from atlas.settings import Settings
from atlas.store.workspace import Workspace
ws = Workspace.open(Settings(home=Path(sys.argv[2])))
import json, resource
def cpu():
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime
phases = []
def step(name):
    phases.append([name, time.perf_counter() - t, cpu() - c])
c = cpu()
t = time.perf_counter()
r = ingest_file(ws, Path(sys.argv[1]), IngestOptions(country="XAT"), step)
step("end")
print(json.dumps({"phases": phases}))
print(time.perf_counter() - t, r.rows_stored + r.rows_quarantined, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
      cpu() - c)
"""


def child(code: str, *args: str) -> tuple[float, int, float, float]:
    """Run `code` in a fresh interpreter; returns (seconds, rows, peak RSS in GB, CPU seconds) of that child."""
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, check=True)
    seconds, rows, peak_kb, cpu = out.stdout.split()[-4:]
    PHASES.extend(json.loads(line)["phases"] for line in out.stdout.splitlines() if line.startswith('{"phases"'))
    return float(seconds), int(rows), int(peak_kb) / 1024 / 1024, float(cpu)


PHASES: list[list[list]] = []


def phase_cpu(marks: list[list]) -> dict[str, float]:
    """CPU seconds of each phase, from one progress step of the pipeline to the next (the last one ends with the
    commit, the audit signature and closing the store)."""
    names = {"reading": "parse", "resolving codes": "value maps", "normalising and validating": "normalising insert",
             "quarantining rejected rows": "quarantine, consent events, commit",
             "sealing identifiers in the vault": "vault, consent events, commit"}
    return {names.get(name, name): round(nxt[2] - cpu, 2)
            for (name, _, cpu), nxt in pairwise(marks)}


def workspace(folder: Path) -> Path:
    from atlas.demo.country import write_cod_ab_style
    from atlas.geo.boundaries import import_boundaries
    from atlas.settings import Settings
    from atlas.store.workspace import Workspace

    home = folder / "ws"
    if home.exists():
        import shutil

        shutil.rmtree(home)
    settings = Settings(home=home)
    Workspace.init(settings)
    ws = Workspace.open(settings)
    with ws.connect() as con:
        for level in (1, 2):
            import_boundaries(con, write_cod_ab_style(folder / f"xat{level}.geojson", level), country="XAT", level=level)
    return home


def files(rows: int, folder: Path) -> tuple[Path, Path]:
    import duckdb

    from atlas.demo.country import demo_areas
    from atlas.demo.population import generate_population

    full, noid = folder / f"people_{rows}.csv", folder / f"people_{rows}_noid.csv"
    if not full.exists():
        generate_population(rows, areas=demo_areas(), host_country="XAT", seed=1, out=full)
    if not noid.exists():
        con = duckdb.connect()
        con.execute(f"""COPY (SELECT * EXCLUDE (full_name, phone, document_number)
                              FROM read_csv('{full}', all_varchar=true)) TO '{noid}' (HEADER)""")
    return full, noid


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", default="1000000,10000000")
    ap.add_argument("--out", type=Path, default=HERE / "out")
    ap.add_argument("--identifiers", choices=["both", "with", "without"], default="both")
    args = ap.parse_args()
    sys.path.insert(0, str(SRC))
    args.out.mkdir(parents=True, exist_ok=True)
    results = []
    for rows in (int(x) for x in args.rows.split(",")):
        full, noid = files(rows, args.out)
        target = args.out / "bare.duckdb"
        target.unlink(missing_ok=True)
        load = [os.getloadavg()[0]]
        bare, n, bare_mem, bare_cpu = child(BARE, str(noid), str(target))
        mem_s, *_ = child(BARE, str(noid), ":memory:")
        line = {"rows": n, "bare_memory_s": mem_s, "bare_peak_gb": bare_mem}
        variants = {"with": full, "without": noid}
        timed = {}
        for name, path in variants.items():
            if args.identifiers not in ("both", name):
                continue
            home = workspace(args.out)
            load.append(os.getloadavg()[0])
            timed[name] = child(ATLAS, str(path), str(home))
            assert timed[name][1] == n, (timed[name][1], n)
            line[f"atlas_{name}_ids_phase_cpu_s"] = phase_cpu(PHASES[-1])
        target.unlink(missing_ok=True)
        load.append(os.getloadavg()[0])
        again, _, _, again_cpu = child(BARE, str(noid), str(target))
        # the baseline is timed before and after the Atlas runs; its mean is the denominator
        bare, bare_cpu = (bare + again) / 2, (bare_cpu + again_cpu) / 2
        line |= {"bare_encrypted_s": bare, "bare_encrypted_before_after_s": [bare * 2 - again, again],
                 "bare_cpu_s": bare_cpu}
        for name, (t, _, peak, cpu) in timed.items():
            line[f"atlas_{name}_ids_s"], line[f"atlas_{name}_ids_peak_gb"] = t, peak
            line[f"atlas_{name}_ids_ratio"] = t / bare
            line[f"atlas_{name}_ids_cpu_ratio"] = cpu / bare_cpu
        load.append(os.getloadavg()[0])
        line["load_average_1min"] = load
        results.append(line)
        print(json.dumps(line))
    print("\n| rows | bare read_csv → encrypted table | bare → memory | Atlas ingest, no identifiers | ratio (CPU ratio) | "
          "peak RSS | Atlas ingest, 3 identifiers sealed | ratio (CPU ratio) | peak RSS | load |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        n = r["rows"]
        print(f"| {n:,} | {r['bare_encrypted_s']:.1f} s ({n / r['bare_encrypted_s']:,.0f} rows/s) | "
              f"{r['bare_memory_s']:.1f} s | {_cell(r, 'without')} | {_cell(r, 'with')} | "
              f"{min(r['load_average_1min']):.0f}–{max(r['load_average_1min']):.0f} |")


def _cell(r: dict, key: str) -> str:
    s, n = r.get(f"atlas_{key}_ids_s"), r["rows"]
    return (f"{s:.1f} s ({n / s:,.0f} rows/s) | {r[f'atlas_{key}_ids_ratio']:.2f}× "
            f"({r[f'atlas_{key}_ids_cpu_ratio']:.2f}×) | "
            f"{r[f'atlas_{key}_ids_peak_gb']:.2f} GB") if s else "– | – | –"


if __name__ == "__main__":
    main()
