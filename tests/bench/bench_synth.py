"""Synthetic-dataset generation speed against the cost of merely writing its bytes, and (at `full`)
its row counts against the real files.

Run: REPLAYBED_BENCH_SCALE=full .venv/bin/pytest -m bench tests/bench/bench_synth.py -s
Side by side in one run, medians of REPLAYBED_BENCH_ROUNDS (default 3), cloudbed-1/2022_03_20:
- `replaybed synth` on every core (target at `full`: >= 50 MB/s of CSV),
- the same with `--jobs 1` (core scaling); its bytes must equal the every-core run's,
- the floor: writing the same bytes, already in memory, into new files in the same folder (one
  write per MiB, no fsync, like the generator): what any generator pays at least,
- pyarrow's CSV writer writing the same rows (read back untimed, typed as pyarrow infers them):
  what the fastest general-purpose CSV writer pays to format them.
Also the peak RSS of the synth parent and of its largest worker, and the load before and after.
"""

from __future__ import annotations

import filecmp
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.csv as pacsv
import pytest

from replaybed.compile.datasets.openrca_market import catalog

# a `full` round writes ~6 GB four times over; the default 15-minute test timeout is for tests
pytestmark = [pytest.mark.bench, pytest.mark.timeout(4 * 3600)]
ROUNDS = int(os.environ.get("REPLAYBED_BENCH_ROUNDS", "3"))
SCALE = os.environ.get("REPLAYBED_BENCH_SCALE", "small")
CLOUDBED, DAY = "cloudbed-1", "2022_03_20"
# rows of the real cloudbed-1/2022_03_20 files (docs/synthetic-dataset.md, from the dataset notes)
REAL_ROWS = {
    "metric_container": 3_700_000,
    "metric_mesh": 2_500_000,
    "metric_node": 488_000,
    "metric_runtime": 959_000,
    "metric_service": 16_000,
    "trace_span": 9_100_000,
    "log_service": 4_600_000,
    "log_proxy": 7_900_000,
}
PROBE = (
    "import resource, runpy, sys; sys.argv = ['replaybed'] + sys.argv[1:]\n"
    "try:\n    runpy.run_module('replaybed', run_name='__main__')\nfinally:\n"
    "    status = open('/proc/self/status').read().splitlines()\n"
    "    peak = next(int(x.split()[1]) for x in status if x.startswith('VmHWM:'))\n"
    "    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "    print('PEAK_KB', peak, 'WORKERS_KB', child, file=sys.stderr)\n"
)


def _load() -> str:
    with open("/proc/loadavg") as fh:
        return " ".join(fh.read().split()[:3])


def _synth(out: Path, *extra: str) -> tuple[float, dict, int, int]:
    t = time.perf_counter()
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            PROBE,
            "synth",
            str(out),
            "--scale",
            SCALE,
            "--cloudbed",
            CLOUDBED,
            "--day",
            DAY,
            "--json",
            *extra,
        ],
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - t
    assert run.returncode == 0, run.stderr[-2000:]
    tail = run.stderr.rsplit("PEAK_KB", 1)[1].split()
    return seconds, json.loads(run.stdout), int(tail[0]), int(tail[2])


def _telemetry(out: Path) -> list[Path]:
    folder = out / "Market" / CLOUDBED / "telemetry" / DAY
    return [folder / rel for rel in catalog.FILES.values()]


def _write_floor(files: list[Path], into: Path) -> float:
    """Seconds to write the files' bytes (read untimed, one file at a time) into new files."""
    into.mkdir()
    spent = 0.0
    for f in files:
        data = f.read_bytes()
        t = time.perf_counter()
        with open(into / f.name, "wb", buffering=0) as fh:
            view = memoryview(data)
            for at in range(0, len(view), 1 << 20):
                fh.write(view[at : at + (1 << 20)])
        spent += time.perf_counter() - t
        del data
        (into / f.name).unlink()
    return spent


def _pyarrow_floor(files: list[Path], into: Path) -> float:
    """Seconds pyarrow's CSV writer takes for the same rows (reading them back is not timed)."""
    into.mkdir()
    spent = 0.0
    for f in files:
        reader = pacsv.open_csv(f, read_options=pacsv.ReadOptions(block_size=64 << 20))
        target = into / f.name
        with pacsv.CSVWriter(target, reader.schema) as writer:
            for batch in reader:
                t = time.perf_counter()
                writer.write_batch(batch)
                spent += time.perf_counter() - t
        target.unlink()
    return spent


def test_generation_speed(tmp_path):
    load_before = _load()
    every, one, floor, arrow = [], [], [], []
    report: dict = {}
    peaks = []
    for i in range(ROUNDS):
        out = tmp_path / f"every{i}"
        seconds, report, parent_kb, child_kb = _synth(out)
        every.append(seconds)
        peaks.append((parent_kb, child_kb))
        files = _telemetry(out)
        floor.append(_write_floor(files, tmp_path / f"floor{i}"))
        arrow.append(_pyarrow_floor(files, tmp_path / f"arrow{i}"))
        single = tmp_path / f"one{i}"
        one.append(_synth(single, "--jobs", "1")[0])
        for f in report["files"]:
            assert filecmp.cmp(out / f["path"], single / f["path"], shallow=False), f["path"]
        shutil.rmtree(single)
        if i < ROUNDS - 1:
            shutil.rmtree(out)
    total = report["bytes"]
    mb = total / 1e6
    med = {
        k: statistics.median(v)
        for k, v in (("every", every), ("one", one), ("floor", floor), ("arrow", arrow))
    }
    print(
        f"\nsynth bench ({SCALE}, {CLOUDBED}/{DAY}, {mb:.0f} MB, {os.cpu_count()} cores, medians of "
        f"{ROUNDS}; load before {load_before}, after {_load()}):\n"
        f"  synth, every core  {med['every']:8.1f} s = {mb / med['every']:7.1f} MB/s "
        f"(target >= 50 MB/s at full)\n"
        f"  synth, --jobs 1    {med['one']:8.1f} s = {mb / med['one']:7.1f} MB/s "
        f"(same bytes: checked; every core is {med['one'] / med['every']:.2f}x faster)\n"
        f"  write the bytes    {med['floor']:8.1f} s = {mb / med['floor']:7.1f} MB/s "
        f"(synth = {med['every'] / med['floor']:.1f}x the floor)\n"
        f"  pyarrow CSV write  {med['arrow']:8.1f} s = {mb / med['arrow']:7.1f} MB/s "
        f"(synth = {med['every'] / med['arrow']:.2f}x pyarrow)\n"
        f"  peak RSS: parent {max(p for p, _ in peaks) / 1024:.0f} MB, largest worker "
        f"{max(c for _, c in peaks) / 1024:.0f} MB"
    )
    rows = {f["path"].rsplit("/", 1)[1].removesuffix(".csv"): f["rows"] for f in report["files"]}
    print("  rows per file (synthetic vs real cloudbed-1 day):")
    for name, real in REAL_ROWS.items():
        print(f"    {name:17} {rows[name]:>10} {real:>10} {100 * (rows[name] / real - 1):+6.1f} %")
    if SCALE == "full":
        off = {n: rows[n] / r - 1 for n, r in REAL_ROWS.items() if abs(rows[n] / r - 1) > 0.10}
        assert not off, f"row counts more than 10 % off the real files: {off}"
