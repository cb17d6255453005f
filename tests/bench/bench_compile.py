"""Compile cost vs. just reading the CSVs with pyarrow, memory, and stored vs raw bytes.

Run: .venv/bin/pytest -m bench tests/bench/bench_compile.py -s
Side by side in one run, medians of REPLAYBED_BENCH_ROUNDS (default 3) rounds, each round:
pyarrow reading every CSV of the day (the floor), then `replaybed compile` of every scenario
whose window lies in that day (target <= 3x the floor's wall time), and, when
REPLAYBED_BENCH_BASELINE names another build's `replaybed` executable, that build's compile of
the same input (its store must hold the same bytes). Reported per run: wall and CPU (user+sys,
every process of the compile's tree), peak RSS of the compile's whole process tree (workers
included; target <= 2.5 GB), the load average before and after, stored bytes vs the day's CSV
bytes (target <= 8 %).
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pyarrow.csv as pacsv
import pytest

from replaybed.compile.datasets.openrca_market import catalog
from replaybed.compile.datasets.openrca_market.records import vendored

pytestmark = pytest.mark.bench
ROUNDS = int(os.environ.get("REPLAYBED_BENCH_ROUNDS", "3"))
BASELINE = os.environ.get("REPLAYBED_BENCH_BASELINE")  # e.g. another checkout's .venv/bin/replaybed
CLOUDBED, DAY = "cloudbed-1", "2022_03_20"
_PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Measured:
    wall: float
    cpu: float  # user + sys of the process and every descendant it waited for
    peak_rss: int  # bytes: the largest sum of RSS over the process tree, sampled every 50 ms
    stdout: str
    stderr: str
    load: tuple[float, float]  # 1-minute load average before, after


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            kids.setdefault(ppid, []).append(int(entry))
    return kids


def _tree_rss(root: int) -> int:
    kids, total, todo = _children(), 0, [root]
    while todo:
        pid = todo.pop()
        todo += kids.get(pid, [])
        try:
            with open(f"/proc/{pid}/statm") as fh:
                total += int(fh.read().split()[1]) * _PAGE
        except (OSError, ValueError, IndexError):
            pass
    return total


def measure(cmd: list[str]) -> Measured:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load0 = os.getloadavg()[0]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss(proc.pid))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    assert proc.returncode == 0, err[-3000:]
    return Measured(wall, cpu, peak[0], out, err, (load0, os.getloadavg()[0]))


def pyarrow_read(files: list[Path]) -> tuple[float, float, int]:
    """(wall, CPU of this process, rows) for pyarrow reading every file (its threads included)."""
    c0, t0 = time.process_time(), time.perf_counter()
    rows = 0
    for f in files:
        opts = pacsv.ParseOptions(newlines_in_values=f.name.startswith("log"))
        for batch in pacsv.open_csv(
            f, parse_options=opts, read_options=pacsv.ReadOptions(block_size=64 << 20)
        ):
            rows += batch.num_rows
    return time.perf_counter() - t0, time.process_time() - c0, rows


def _in_day(r):
    lo, hi = catalog.day_start(DAY), catalog.day_start(DAY) + 86400
    return lo <= r.timestamp - 3600 and r.timestamp + 1800 < hi


def _blobs_and_refs(root: Path) -> dict[str, int]:
    return {
        p.relative_to(root).as_posix(): p.stat().st_size
        for p in root.rglob("*")
        if p.is_file() and not p.relative_to(root).as_posix().startswith("shards/")
    }


def _median(xs):
    return statistics.median(xs)


def test_compile_vs_pyarrow_read(small_day, tmp_path):
    folder = small_day / "Market" / CLOUDBED / "telemetry" / DAY
    files = [folder / rel for rel in catalog.FILES.values()]
    raw_bytes = sum(f.stat().st_size for f in files)
    scenarios = [f"{CLOUDBED}/{r.row:03d}" for r, _ in vendored(CLOUDBED) if _in_day(r)]
    args = [a for s in scenarios for a in ("--scenario", s)]
    builds = {"compile": [sys.executable, "-m", "replaybed"]}
    if BASELINE:
        builds["baseline"] = [BASELINE]
    reads: list[tuple[float, float, int]] = []
    runs: dict[str, list[Measured]] = {name: [] for name in builds}
    for i in range(ROUNDS):
        reads.append(pyarrow_read(files))
        for name, exe in builds.items():
            store = tmp_path / f"{name}{i}"
            runs[name].append(
                measure([*exe, "compile", str(small_day), "--store", str(store), *args, "--json"])
            )
    summary = json.loads(runs["compile"][0].stdout)
    stored = sum(_blobs_and_refs(tmp_path / "compile0").values())
    read_wall = _median([r[0] for r in reads])
    read_cpu = _median([r[1] for r in reads])
    rows = reads[0][2]
    lines = [
        f"\ncompile bench ({small_day.name}: {raw_bytes / 1e6:.0f} MB CSV, {rows} rows, "
        f"{len(scenarios)} scenarios, {ROUNDS} round(s), {os.cpu_count()} cores)",
        f"  pyarrow read: wall {read_wall:.2f} s, CPU {read_cpu:.2f} s "
        f"(rounds: {', '.join(f'{r[0]:.1f}' for r in reads)})",
    ]
    for name, ms in runs.items():
        wall, cpu = _median([m.wall for m in ms]), _median([m.cpu for m in ms])
        lines.append(
            f"  {name}: wall {wall:.2f} s = {wall / read_wall:.2f}x the read (target <= 3x), "
            f"CPU {cpu:.1f} s = {cpu / read_cpu:.2f}x the read's CPU, "
            f"{rows / wall / 1e3:.0f} K rows/s; peak RSS of the process tree "
            f"{max(m.peak_rss for m in ms) / 1e6:.0f} MB (target <= 2500); "
            f"rounds {', '.join(f'{m.wall:.1f}' for m in ms)} s, load "
            f"{', '.join(f'{m.load[0]:.1f}->{m.load[1]:.1f}' for m in ms)}"
        )
    if BASELINE:
        ratio = _median([m.wall for m in runs["baseline"]]) / _median(
            [m.wall for m in runs["compile"]]
        )
        same = _blobs_and_refs(tmp_path / "baseline0") == _blobs_and_refs(tmp_path / "compile0")
        identical = same and all(
            (tmp_path / "baseline0" / k).read_bytes() == (tmp_path / "compile0" / k).read_bytes()
            for k in _blobs_and_refs(tmp_path / "compile0")
        )
        lines.append(
            f"  compile is {ratio:.2f}x faster than the baseline; stores byte-identical: {identical}"
        )
        assert identical, "the baseline build stored other bytes for the same input"
    lines.append(
        f"  stored {stored / 1e6:.1f} MB = {100 * stored / raw_bytes:.1f} % of the day's CSV "
        f"(target <= 8 %); parts {summary['parts']}, dedup ratio {summary['dedup_ratio']}"
    )
    print("\n".join(lines))
