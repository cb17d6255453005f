"""Synthetic dataset generation speed and memory for one cloudbed-day.

Run: REPLAYBED_BENCH_SCALE=small .venv/bin/pytest -m bench tests/bench/bench_synth.py -s
(target in the issue: >= 50 MB/s at `full`; the generator is pure Python per row and does not
reach it, see docs/synthetic-dataset.md).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.bench
PROBE = (
    "import runpy, sys; sys.argv = ['replaybed'] + sys.argv[1:]\n"
    "try:\n    runpy.run_module('replaybed', run_name='__main__')\nfinally:\n"
    "    status = open('/proc/self/status').read().splitlines()\n"
    "    peak = next(int(x.split()[1]) for x in status if x.startswith('VmHWM:'))\n"
    "    print('PEAK_KB', peak, file=sys.stderr)\n"
)


def test_generation_speed(tmp_path):
    scale = os.environ.get("REPLAYBED_BENCH_SCALE", "small")
    out = tmp_path / "ds"
    t = time.perf_counter()
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            PROBE,
            "synth",
            str(out),
            "--scale",
            scale,
            "--cloudbed",
            "cloudbed-1",
            "--day",
            "2022_03_20",
            "--json",
        ],
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - t
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    peak = int(run.stderr.rsplit("PEAK_KB", 1)[1].split()[0])
    print(
        f"\nsynth bench ({scale}, cloudbed-1/2022_03_20): {report['bytes'] / 1e6:.0f} MB in {seconds:.1f} s = "
        f"{report['bytes'] / 1e6 / seconds:.1f} MB/s (target >= 50 MB/s at full); parent peak RSS {peak / 1024:.0f} MB"
    )
    shutil.rmtree(out)
