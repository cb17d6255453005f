"""Writes a whole synthetic Market dataset into a fresh folder, atomically.

Everything goes into a hidden sibling folder that is renamed into place at the end, so an
interrupted run never leaves a half-written dataset where a compiler would find it.
"""

from __future__ import annotations

import csv
import os
import shutil
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from replaybed.compile.datasets.openrca_market.catalog import (
    CLOUDBEDS,
    DAYS,
    FILES,
    QUERY_HEADER,
    RECORD_HEADER,
)
from replaybed.compile.datasets.openrca_market.records import vendored
from replaybed.compile.datasets.openrca_market.synth.day import write_day
from replaybed.compile.datasets.openrca_market.synth.faults import effects_of
from replaybed.compile.datasets.openrca_market.synth.scales import SCALES
from replaybed.compile.errors import SynthError


@dataclass(frozen=True)
class Request:
    out_dir: Path
    scale: str = "tiny"
    seed: int = 0
    cloudbeds: tuple[str, ...] = CLOUDBEDS
    days: tuple[str, ...] = DAYS

    def validate(self) -> None:
        _one_of("scale", (self.scale,), tuple(SCALES))
        _one_of("cloudbed", self.cloudbeds, CLOUDBEDS)
        _one_of("day", self.days, DAYS)
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
    tmp = req.out_dir.parent / f".{req.out_dir.name}.partial-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    reports = []
    try:
        for cloudbed in req.cloudbeds:
            base = tmp / "Market" / cloudbed
            base.mkdir(parents=True)
            pairs = vendored(cloudbed)
            _write_csv(
                base / "record.csv",
                RECORD_HEADER,
                [(r.timestamp, r.level, r.component, r.reason, r.datetime) for r, _ in pairs],
            )
            _write_csv(
                base / "query.csv",
                QUERY_HEADER,
                [(q.task_index, q.instruction, q.scoring_points) for _, q in pairs],
            )
            for name, n in (("record.csv", len(pairs)), ("query.csv", len(pairs))):
                reports.append(
                    FileReport(str((base / name).relative_to(tmp)), n, (base / name).stat().st_size)
                )
        jobs = [
            (tmp, cloudbed, day, req.scale, req.seed)
            for cloudbed in req.cloudbeds
            for day in req.days
        ]
        # cloudbed-days are independent and seeded apart: workers change the speed, never the bytes
        with ProcessPoolExecutor(max_workers=min(len(jobs), os.cpu_count() or 1)) as pool:
            for (_, cloudbed, day, *_), day_reports in zip(jobs, pool.map(_day_job, jobs)):
                reports += day_reports
                if on_day:
                    on_day(cloudbed, day)
        if req.out_dir.exists():
            req.out_dir.rmdir()
        req.out_dir.parent.mkdir(parents=True, exist_ok=True)
        tmp.rename(req.out_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return sorted(reports, key=lambda r: r.path), time.monotonic() - began


def _day_job(job) -> list[FileReport]:
    tmp, cloudbed, day, scale, seed = job
    effects = effects_of(cloudbed, [r for r, _ in vendored(cloudbed)])
    folder = tmp / "Market" / cloudbed / "telemetry" / day
    stats = write_day(folder, cloudbed, day, SCALES[scale], seed, effects)
    return [
        FileReport(
            str((folder / rel).relative_to(tmp)), stats.rows[name], (folder / rel).stat().st_size
        )
        for name, rel in FILES.items()
    ]


def _write_csv(path: Path, header: tuple[str, ...], rows) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
