"""The Telecom twin: generation speed and compile rows/s (every scenario, so every row is read).

Run: .venv/bin/pytest -m bench tests/bench/bench_telecom.py -s
(REPLAYBED_BENCH_TELECOM_SCALES=tiny,small picks the scales; REPLAYBED_BENCH_ROUNDS the rounds.)
Every day of the twin lies in some scenario window (faults at night, fault-free windows over the
rest of each day), so a compile of every scenario reads every row once: rows/s = rows of all
metric and trace files / compile seconds. Reported with the load (`uptime`): the machine is
shared, so read medians, not single runs.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from replaybed.compile.datasets.openrca_telecom.synth.generate import Request, generate

pytestmark = pytest.mark.bench
ROUNDS = int(os.environ.get("REPLAYBED_BENCH_ROUNDS", "1"))
SCALES = os.environ.get("REPLAYBED_BENCH_TELECOM_SCALES", "tiny,small").split(",")


def _load() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


@pytest.mark.parametrize("scale", SCALES)
def test_synth_and_compile_rows_per_second(scale, tmp_path):
    root = Path(
        os.environ.get("REPLAYBED_BENCH_DIR", Path(tempfile.gettempdir()) / "replaybed-bench")
    )
    out = root / f"telecom-{scale}"
    synth_s = None
    if not (out / "Telecom").exists():
        files, synth_s = generate(Request(out, scale))
    data = [p for p in (out / "Telecom" / "telemetry").rglob("*.csv")]
    csv_bytes = sum(p.stat().st_size for p in data)
    rows = 0
    for p in data:
        with open(p, "rb") as fh:
            rows += sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 24), b"")) - 1
    seconds, summary = [], {}
    for i in range(ROUNDS):
        t = time.perf_counter()
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "replaybed",
                "compile",
                str(out),
                "--store",
                str(tmp_path / f"store{i}"),
                "--json",
            ],
            capture_output=True,
            text=True,
        )
        seconds.append(time.perf_counter() - t)
        assert done.returncode == 0, done.stderr
        summary = json.loads(done.stdout)
    median = statistics.median(seconds)
    print(
        f"\ntelecom {scale}: {rows} rows, {csv_bytes / 1e6:.1f} MB CSV"
        + (f", synth {synth_s:.1f} s ({csv_bytes / 1e6 / synth_s:.1f} MB/s)" if synth_s else "")
        + f"; compile of {len(summary['scenarios'])} scenarios: median {median:.1f} s of "
        f"{[round(s, 1) for s in seconds]} = {rows / median:,.0f} rows/s; stored "
        f"{summary['stored_bytes'] / 1e6:.1f} MB; load: {_load()}"
    )
    assert len([s for s in summary["scenarios"] if not s["fault_free"]]) == 51
