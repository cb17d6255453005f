"""Writes a whole synthetic Bank dataset into a fresh folder, atomically.

Everything goes into a hidden sibling folder renamed into place at the end, so an interrupted
run never leaves a half-written dataset where a compiler would find it. Days are independent and
seeded apart (seed, day, file): worker processes change the speed, never the bytes.
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

from replaybed.compile.datasets.openrca_bank.catalog import (
    DAYS,
    FILES,
    QUERY_HEADER,
    RECORD_HEADER,
    day_of,
)
from replaybed.compile.datasets.openrca_bank.records import vendored
from replaybed.compile.datasets.openrca_bank.synth import logs, metrics, traces
from replaybed.compile.datasets.openrca_bank.synth.scales import SCALES
from replaybed.compile.datasets.openrca_bank.synth.series import kept_series
from replaybed.compile.datasets.openrca_bank.synth.signatures import effects_of
from replaybed.compile.errors import SynthError


@dataclass(frozen=True)
class Request:
    out_dir: Path
    scale: str = "tiny"
    seed: int = 0
    days: tuple[str, ...] = ()  # (): the scale's days

    def validate(self) -> None:
        if self.scale not in SCALES:
            raise SynthError(f"unknown scale {self.scale!r}: expected one of {', '.join(SCALES)}")
        for day in self.days:
            if day not in DAYS:
                raise SynthError(f"unknown day {day!r}: expected one of {', '.join(DAYS)}")
        if self.out_dir.exists() and (not self.out_dir.is_dir() or any(self.out_dir.iterdir())):
            raise SynthError(
                f"{self.out_dir}: output folder exists and is not empty (expected a new or empty folder)"
            )

    def chosen_days(self) -> tuple[str, ...]:
        if self.days:
            return tuple(d for d in DAYS if d in self.days)
        if SCALES[self.scale].all_days:
            return DAYS
        needed = {day_of(r.timestamp) for r, _ in vendored()}
        return tuple(d for d in DAYS if d in needed)


@dataclass(frozen=True)
class FileReport:
    path: str
    rows: int
    bytes: int


def generate(req: Request, on_day=None) -> tuple[list[FileReport], float]:
    """Generate the dataset; returns the files written (relative to OUT_DIR) and the seconds taken."""
    req.validate()
    began = time.monotonic()
    tmp = req.out_dir.parent / f".{req.out_dir.name}.partial-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    reports = []
    try:
        base = tmp / "Bank"
        base.mkdir(parents=True)
        pairs = vendored()
        _write_csv(
            base / "record.csv",
            RECORD_HEADER,
            [(r.level, r.component, r.text, r.datetime, r.reason) for r, _ in pairs],
        )
        _write_csv(
            base / "query.csv",
            QUERY_HEADER,
            [(q.task_index, q.instruction, q.scoring_points) for _, q in pairs],
        )
        for name in ("record.csv", "query.csv"):
            path = base / name
            reports.append(FileReport(str(path.relative_to(tmp)), len(pairs), path.stat().st_size))
        jobs = [(tmp, day, req.scale, req.seed) for day in req.chosen_days()]
        with ProcessPoolExecutor(max_workers=min(len(jobs), os.cpu_count() or 1)) as pool:
            for (_, day, *_), day_reports in zip(jobs, pool.map(_day_job, jobs)):
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
    tmp, day, scale_name, seed = job
    scale = SCALES[scale_name]
    records = [r for r, _ in vendored()]
    effects = effects_of(records)
    folder = tmp / "Bank" / "telemetry" / day
    index = DAYS.index(day)

    def rng(kind: int) -> np.random.Generator:
        return np.random.default_rng([seed, index, kind])

    series = kept_series(scale, records)
    written = {
        "metric_app": _write_blocks(
            folder / FILES["metric_app"], metrics.app_rows(day, scale.transactions, effects, rng(0))
        ),
        "metric_container": _write_blocks(
            folder / FILES["metric_container"],
            metrics.container_rows(day, series, effects, rng(1)),
        ),
        "trace_span": _write_blocks(
            folder / FILES["trace_span"],
            [traces.day_rows(day, scale.trace_every_s, effects, rng(2))],
        ),
        "log_service": _write_blocks(
            folder / FILES["log_service"], [logs.day_rows(day, scale.gc_step_s, effects, rng(3))]
        ),
    }
    return [
        FileReport(
            str((folder / rel).relative_to(tmp)), written[name], (folder / rel).stat().st_size
        )
        for name, rel in FILES.items()
    ]


def _write_blocks(path: Path, blocks) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = 0
    with open(path, "w", encoding="utf-8", newline="") as fh:
        for block, n in blocks:
            fh.write(block)
            rows += n
    return rows


def _write_csv(path: Path, header: tuple[str, ...], rows) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
