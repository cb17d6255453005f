"""Compile cost vs. just reading the CSVs with pyarrow, memory, and stored vs raw bytes.

Run: .venv/bin/pytest -m bench tests/bench/bench_compile.py -s
Side by side in one run, medians of 3: pyarrow reading every CSV of the day (the floor) vs
`replaybed compile` of every scenario whose window lies in that day (target <= 3x), peak RSS of
the compile process (target <= 2.5 GB), stored bytes vs raw CSV bytes (target <= 10 %).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pyarrow.csv as pacsv
import pytest

from replaybed.compile.datasets.openrca_market import catalog
from replaybed.compile.datasets.openrca_market.records import vendored

pytestmark = pytest.mark.bench
# medians of this many side-by-side rounds (REPLAYBED_BENCH_ROUNDS=1 for a quick look at `full`)
ROUNDS = int(os.environ.get("REPLAYBED_BENCH_ROUNDS", "3"))
CLOUDBED, DAY = "cloudbed-1", "2022_03_20"
PROBE = (
    "import resource, runpy, sys; sys.argv = ['replaybed'] + sys.argv[1:]\n"
    "try:\n    runpy.run_module('replaybed', run_name='__main__')\nfinally:\n"
    "    status = open('/proc/self/status').read().splitlines()\n"
    "    peak = next(int(x.split()[1]) for x in status if x.startswith('VmHWM:'))\n"
    "    print('PEAK_KB', peak, file=sys.stderr)\n"
)


def _in_day(r):
    lo, hi = catalog.day_start(DAY), catalog.day_start(DAY) + 86400
    return lo <= r.timestamp - 3600 and r.timestamp + 1800 < hi


def test_compile_vs_pyarrow_read(small_day, tmp_path):
    folder = small_day / "Market" / CLOUDBED / "telemetry" / DAY
    files = [folder / rel for rel in catalog.FILES.values()]
    raw_bytes = sum(f.stat().st_size for f in files)
    scenarios = [f"{CLOUDBED}/{r.row:03d}" for r, _ in vendored(CLOUDBED) if _in_day(r)]
    args = [a for s in scenarios for a in ("--scenario", s)]
    read_s, compile_s, peaks, summary = [], [], [], None
    rows = 0
    for i in range(ROUNDS):
        t = time.perf_counter()
        rows = 0
        for f in files:
            opts = pacsv.ParseOptions(newlines_in_values=f.name.startswith("log"))
            for batch in pacsv.open_csv(
                f, parse_options=opts, read_options=pacsv.ReadOptions(block_size=64 << 20)
            ):
                rows += batch.num_rows
        read_s.append(time.perf_counter() - t)
        store = tmp_path / f"store{i}"
        t = time.perf_counter()
        run = subprocess.run(
            [
                sys.executable,
                "-c",
                PROBE,
                "compile",
                str(small_day),
                "--store",
                str(store),
                *args,
                "--json",
            ],
            capture_output=True,
            text=True,
        )
        compile_s.append(time.perf_counter() - t)
        assert run.returncode == 0, run.stderr[-2000:]
        peaks.append(int(run.stderr.rsplit("PEAK_KB", 1)[1].split()[0]))
        summary = json.loads(run.stdout)
    stored = sum(p.stat().st_size for p in (tmp_path / "store0").rglob("*") if p.is_file())
    mid = len(compile_s) // 2
    ratio = sorted(compile_s)[mid] / sorted(read_s)[mid]
    print(
        f"\ncompile bench ({small_day.name}: {raw_bytes / 1e6:.0f} MB CSV, {len(scenarios)} scenarios): "
        f"pyarrow read {sorted(read_s)[mid]:.2f} s, compile {sorted(compile_s)[mid]:.2f} s "
        f"-> {ratio:.1f}x (target <= 3x), {rows / sorted(compile_s)[mid] / 1e3:.0f} K rows/s "
        f"compiled ({rows} rows); "
        f"peak RSS {max(peaks) / 1024:.0f} MB (target <= 2500); stored {stored / 1e6:.1f} MB = "
        f"{100 * stored / raw_bytes:.1f} % of the day's CSV (target <= 10 %); parts {summary['parts']}, "
        f"dedup ratio {summary['dedup_ratio']}"
    )
