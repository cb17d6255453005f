"""Writes a whole synthetic Telecom dataset into a fresh folder, atomically.

`OUT/Telecom/{record.csv, query.csv, telemetry/YYYY_MM_DD/{metric/<5 files>, trace/trace_span.csv}}`
for the day folders the records need (the 11 UTC+8 days of the 51 records; no `log/`). Everything
goes into a hidden sibling folder renamed into place at the end, so an interrupted run never
leaves a half-written dataset where a compiler would find it. Each hour of each file is seeded by
(seed, day, file, hour): any subset of days reproduces the matching files of a full run.
"""

from __future__ import annotations

import csv
import os
import shutil
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from replaybed.compile.datasets.openrca_telecom.catalog import (
    FILES,
    HEADERS,
    QUERY_HEADER,
    RECORD_HEADER,
    day_of,
    day_start,
)
from replaybed.compile.datasets.openrca_telecom.records import vendored
from replaybed.compile.datasets.openrca_telecom.synth import metrics, traces
from replaybed.compile.datasets.openrca_telecom.synth.faults import effects
from replaybed.compile.datasets.openrca_telecom.synth.scales import BLOCK_S, SCALES, Scale
from replaybed.compile.datasets.openrca_telecom.synth.series import TABLES, kept_series
from replaybed.compile.errors import SynthError

FILE_ORDER = tuple(FILES)


def record_days() -> tuple[str, ...]:
    return tuple(sorted({day_of(r.timestamp) for r, _ in vendored()}))


@dataclass(frozen=True)
class Request:
    out_dir: Path
    scale: str = "tiny"
    seed: int = 0
    days: tuple[str, ...] = ()  # (): every record day

    def validate(self) -> None:
        _one_of("scale", (self.scale,), tuple(SCALES))
        _one_of("day", self.days, record_days())
        if self.seed < 0:
            raise SynthError(f"seed {self.seed} is negative; expected a number >= 0")
        if self.out_dir.exists() and (not self.out_dir.is_dir() or any(self.out_dir.iterdir())):
            raise SynthError(
                f"{self.out_dir}: output folder exists and is not empty (expected a new or empty folder)"
            )


def _one_of(what: str, given: tuple[str, ...], allowed: tuple[str, ...]) -> None:
    for value in given:
        if value not in allowed:
            raise SynthError(f"unknown {what} {value!r}: expected one of {', '.join(allowed)}")


@dataclass(frozen=True)
class FileReport:
    path: str
    rows: int
    bytes: int


def generate(req: Request, on_day=None) -> tuple[list[FileReport], float]:
    """Generate the dataset; returns the files written (relative to OUT_DIR) and the seconds taken."""
    req.validate()
    began = time.monotonic()
    days = req.days or record_days()
    tmp = req.out_dir.parent / f".{req.out_dir.name}.partial-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    reports = []
    try:
        base = tmp / "Telecom"
        base.mkdir(parents=True)
        pairs = vendored()
        _write_csv(
            base / "record.csv",
            RECORD_HEADER,
            [(r.level, r.reason, r.component, r.timestamp, r.datetime) for r, _ in pairs],
        )
        _write_csv(
            base / "query.csv",
            QUERY_HEADER,
            [(q.task_index, q.instruction, q.scoring_points) for _, q in pairs],
        )
        for name in ("record.csv", "query.csv"):
            reports.append(FileReport(f"Telecom/{name}", len(pairs), (base / name).stat().st_size))
        jobs = [(tmp, day, req.scale, req.seed) for day in days]
        # days are independent and seeded apart: workers change the speed, never the bytes
        workers = min(len(jobs), os.cpu_count() or 1)
        if workers > 1 and req.scale != "tiny":
            with ProcessPoolExecutor(max_workers=workers) as pool:
                done = list(pool.map(_day_job, jobs))
        else:
            done = [_day_job(job) for job in jobs]
        for day, day_reports in zip(days, done):
            reports += day_reports
            if on_day:
                on_day(day)
        if req.out_dir.exists():
            req.out_dir.rmdir()
        req.out_dir.parent.mkdir(parents=True, exist_ok=True)
        tmp.rename(req.out_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return sorted(reports, key=lambda r: r.path), time.monotonic() - began


def _day_job(job) -> list[FileReport]:
    tmp, day, scale, seed = job
    folder = tmp / "Telecom" / "telemetry" / day
    rows = write_day(folder, day, SCALES[scale], seed)
    return [
        FileReport(str((folder / rel).relative_to(tmp)), rows[name], (folder / rel).stat().st_size)
        for name, rel in FILES.items()
    ]


def _rng(seed: int, day: str, name: str, hour: int) -> np.random.Generator:
    return np.random.default_rng([seed, day_start(day) // 86_400, FILE_ORDER.index(name), hour])


def write_day(folder: Path, day: str, scale: Scale, seed: int) -> dict[str, int]:
    """One day folder; returns the rows written per file."""
    start = day_start(day)
    series = kept_series(scale.all_series)
    faults = effects()
    rows = dict.fromkeys(FILES, 0)
    handles = {}
    try:
        for name, rel in FILES.items():
            path = folder / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            handles[name] = open(path, "wb", buffering=1 << 20)
            handles[name].write((",".join(HEADERS[name]) + "\n").encode())
        for hour, lo in enumerate(range(start, start + 86_400, BLOCK_S)):
            block = (lo, lo + BLOCK_S)
            for table in TABLES:
                text, n = metrics.platform_rows(
                    table, series, block, faults, _rng(seed, day, table, hour)
                )
                handles[table].write(text)
                rows[table] += n
            built = traces.build(
                block, scale, faults, _rng(seed, day, "trace_span", hour), seq0=hour * 1_000_003
            )
            handles["trace_span"].write(built.spans)
            rows["trace_span"] += built.span_rows
            handles["metric_app"].write(built.app)
            rows["metric_app"] += built.app_rows
    finally:
        for h in handles.values():
            h.close()
    return rows


def _write_csv(path: Path, header: tuple[str, ...], rows) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
