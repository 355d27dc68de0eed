"""A batch is all-or-nothing: SIGKILL at any step leaves the workspace exactly as before."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from atlas.ingest.pipeline import IngestOptions, ingest_file
from atlas.settings import Settings
from atlas.store.workspace import Workspace

SCRIPT = """
import sys
from pathlib import Path
from atlas.ingest.pipeline import IngestOptions, ingest_file
from atlas.settings import Settings
from atlas.store.workspace import Workspace
if len(sys.argv) > 3:
    from atlas.ingest.readers import parked
    parked.MEMORY_SHARE = 0.0
ws = Workspace.open(Settings(home=Path(sys.argv[1])))
def step(name):
    print(name, flush=True)
ingest_file(ws, Path(sys.argv[2]), IngestOptions(country="HTI"), step=step)
print("done", flush=True)
"""


def _big_csv(path: Path, rows: int) -> Path:
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["record_id", "sex", "age", "nationality", "district", "full_name"])
        for i in range(rows):
            w.writerow([i, "F" if i % 2 else "M", 18 + i % 60, ("SYR", "VEN", "Syrie", "Haïti")[i % 4],
                        ("HT0111", "HT0112", "HT0921")[i % 3], f"Person {i}"])
    return path


def _counts(ws: Workspace) -> tuple:
    with ws.connect(read_only=True) as con:
        return tuple(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                     for t in ("persons", "batches", "quarantine", "issues", "vault"))


@pytest.mark.parametrize("kill_at", ["resolving codes", "normalising and validating", "quarantining rejected rows",
                                     "sealing identifiers in the vault"])
def test_sigkill_mid_batch_leaves_workspace_as_before(workspace: Workspace, tmp_path: Path, kill_at: str) -> None:
    seed = _big_csv(tmp_path / "seed.csv", 50)
    ingest_file(workspace, seed, IngestOptions(country="HTI"))
    before = _counts(workspace)
    big = _big_csv(tmp_path / "big.csv", 20_000)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, str(workspace.home), str(big)],
                            stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.strip() == kill_at:
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(timeout=120)
    assert proc.returncode == -signal.SIGKILL, "the ingest finished before it could be killed"
    reopened = Workspace.open(Settings(home=workspace.home))
    assert _counts(reopened) == before
    result = ingest_file(reopened, big, IngestOptions(country="HTI"))
    assert result.rows_stored == 20_000


def test_sigkill_with_a_parked_parse_leaves_only_ciphertext_swept_later(workspace: Workspace, tmp_path: Path) -> None:
    """The parse of a large file waits in an encrypted throwaway database: after a kill it is unreadable (its key
    died with the process), the store is as before, and the next ingest removes it."""
    before = _counts(workspace)
    big = _big_csv(tmp_path / "big.csv", 20_000)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, str(workspace.home), str(big), "park"],
                            stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.strip() == "normalising and validating":
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(timeout=120)
    assert proc.returncode == -signal.SIGKILL, "the ingest finished before it could be killed"
    left = list(workspace.temp_dir.glob("atlas_parse_*"))
    assert left and all(b"Person 1" not in p.read_bytes() for p in left)
    reopened = Workspace.open(Settings(home=workspace.home))
    assert _counts(reopened) == before
    ingest_file(reopened, _big_csv(tmp_path / "small.csv", 10), IngestOptions(country="HTI"))
    assert not list(reopened.temp_dir.glob("atlas_parse_*"))
