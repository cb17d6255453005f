"""OpenRCA Bank: rows compiled per second for the tiny and small twins, against pyarrow reading them.

Run: .venv/bin/pytest -m bench tests/bench/bench_bank_compile.py -s
(REPLAYBED_BENCH_BANK_SCALES=tiny,small picks the twins; REPLAYBED_BENCH_ROUNDS the rounds, default
3 for tiny and 1 for small). Side by side in one run: pyarrow reading every CSV of the twin (the
floor) and `replaybed compile` of every scenario (136 faults + the fault-free ones); rows/s =
data rows of the telemetry files / compile seconds. Medians, with the load average printed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.csv as pacsv
import pytest

from replaybed.compile.datasets.openrca_bank.synth.generate import Request, generate

pytestmark = pytest.mark.bench
SCALES = os.environ.get("REPLAYBED_BENCH_BANK_SCALES", "tiny,small").split(",")


def _twin(scale: str) -> Path:
    root = Path(
        os.environ.get("REPLAYBED_BENCH_DIR", Path(tempfile.gettempdir()) / "replaybed-bench")
    )
    out = root / f"bank-{scale}"
    if not (out / "Bank").exists():
        generate(Request(out, scale))
    return out


def _read_all(files) -> int:
    rows = 0
    for f in files:
        opts = pacsv.ParseOptions(newlines_in_values=f.name.startswith("log"))
        read = pacsv.ReadOptions(block_size=64 << 20)
        for batch in pacsv.open_csv(f, parse_options=opts, read_options=read):
            rows += batch.num_rows
    return rows


@pytest.mark.parametrize("scale", SCALES)
def test_bank_compile_rows_per_second(scale, tmp_path):
    twin = _twin(scale)
    files = sorted((twin / "Bank" / "telemetry").rglob("*.csv"))
    raw = sum(f.stat().st_size for f in files)
    rounds = int(os.environ.get("REPLAYBED_BENCH_ROUNDS", "3" if scale == "tiny" else "1"))
    read_s, compile_s, loads = [], [], []
    rows, summary = 0, {}
    for i in range(rounds):
        loads.append(os.getloadavg()[0])
        t = time.perf_counter()
        rows = _read_all(files)
        read_s.append(time.perf_counter() - t)
        t = time.perf_counter()
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "replaybed",
                "compile",
                str(twin),
                "--store",
                str(tmp_path / f"store{i}"),
                "--json",
            ],
            capture_output=True,
            text=True,
        )
        compile_s.append(time.perf_counter() - t)
        assert run.returncode == 0, run.stderr[-2000:]
        summary = json.loads(run.stdout)
    mid = len(compile_s) // 2
    c, r = sorted(compile_s)[mid], sorted(read_s)[mid]
    faults = sum(1 for s in summary["scenarios"] if not s["fault_free"])
    print(
        f"\nbank {scale}: {raw / 1e6:.0f} MB CSV, {rows} rows, {faults} fault + "
        f"{len(summary['scenarios']) - faults} fault-free scenarios; pyarrow read {r:.2f} s, "
        f"compile {c:.1f} s ({c / r:.1f}x) -> {rows / c / 1e3:.0f} K rows/s compiled "
        f"(median of {rounds}); parts {summary['parts']}, stored {summary['stored_bytes'] / 1e6:.1f} MB; "
        f"load average {', '.join(f'{x:.1f}' for x in loads)}"
    )
    assert faults == 136
