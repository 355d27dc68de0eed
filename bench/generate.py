"""Benchmark: synthetic population generation speed and memory (rows/s, peak RSS).

Usage: python bench/generate.py [ROWS] [csv|parquet] [OUT_DIR]   (default 1,000,000 csv in a temp dir)
"""

from __future__ import annotations

import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

from atlas.demo.country import demo_areas
from atlas.demo.population import generate_population


def _watch(stop: threading.Event, peak: list[int]) -> None:
    proc = psutil.Process()
    while not stop.is_set():
        peak[0] = max(peak[0], proc.memory_info().rss)
        time.sleep(0.05)


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    fmt = sys.argv[2] if len(sys.argv) > 2 else "csv"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(sys.argv[3]) if len(sys.argv) > 3 else Path(tmp)
        stop, peak = threading.Event(), [0]
        watcher = threading.Thread(target=_watch, args=(stop, peak), daemon=True)
        watcher.start()
        started = time.perf_counter()
        summary = generate_population(rows, areas=demo_areas(), host_country="XAT", seed=1,
                                      out=out / f"people.{fmt}", fmt=fmt, island=True)  # type: ignore[arg-type]
        elapsed = time.perf_counter() - started
        stop.set()
        watcher.join()
        size = summary.path.stat().st_size
        print(f"rows={rows} format={fmt} seconds={elapsed:.1f} rows_per_s={rows / elapsed:,.0f} "
              f"file_mb={size / 1e6:,.0f} peak_rss_mb={peak[0] / 1e6:,.0f}")


if __name__ == "__main__":
    main()
