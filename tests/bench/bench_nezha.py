"""Rows compiled per second on the real Nezha fixture, beside pyarrow just reading its CSVs.

Run: .venv/bin/pytest -m bench tests/bench/bench_nezha.py -s
Medians of ROUNDS side-by-side rounds: `replaybed compile` of the whole fixture (3 scenarios,
--before 10m --after 6m, a fresh store each round, process start included) vs pyarrow reading
every CSV it reads. Rows = data lines of the metric, trace and log CSVs.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

import pyarrow.csv as pacsv
import pytest
from support.nezha import FIXTURE

pytestmark = pytest.mark.bench
ROUNDS = int(os.environ.get("REPLAYBED_BENCH_ROUNDS", "5"))


def _csvs():
    return sorted(p for p in FIXTURE.rglob("*.csv") if p.parent.name in ("metric", "trace", "log"))


def test_rows_per_second(tmp_path):
    files = [
        p for p in _csvs() if not p.name.startswith(("source_50", "destination_50", "dependency"))
    ]
    rows = sum(len(p.read_bytes().splitlines()) - 1 for p in files)
    compile_s, read_s = [], []
    for i in range(ROUNDS):
        began = time.perf_counter()
        for p in files:
            pacsv.read_csv(p)
        read_s.append(time.perf_counter() - began)
        cmd = [sys.executable, "-m", "replaybed", "compile", str(FIXTURE), "--json"]
        cmd += ["--store", str(tmp_path / f"store-{i}"), "--before", "10m", "--after", "6m"]
        began = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        compile_s.append(time.perf_counter() - began)
    c, r = statistics.median(compile_s), statistics.median(read_s)
    load = os.getloadavg()
    print(
        f"\nnezha fixture: {rows} rows in {len(files)} files; compile {c:.2f} s "
        f"= {rows / c:,.0f} rows/s; pyarrow read {r:.3f} s ({c / r:.0f}x); "
        f"load {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
    )
    assert c > 0
