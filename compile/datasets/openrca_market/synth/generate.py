"""Writes a whole synthetic Market dataset into a fresh folder, atomically, on every core.

Everything goes into a hidden sibling folder that is renamed into place at the end, so an
interrupted run never leaves a half-written dataset where a compiler would find it. Block work
items run in `jobs` worker processes; their results are written strictly in item order, so the
worker count changes the speed, never the bytes.
"""

from __future__ import annotations

import csv
import os
import shutil
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
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
from replaybed.compile.datasets.openrca_market.synth import day as day_work
from replaybed.compile.datasets.openrca_market.synth import handoff
from replaybed.compile.datasets.openrca_market.synth.scales import SCALES
from replaybed.compile.errors import SynthError


@dataclass(frozen=True)
class Request:
    out_dir: Path
    scale: str = "tiny"
    seed: int = 0
    cloudbeds: tuple[str, ...] = CLOUDBEDS
    days: tuple[str, ...] = DAYS
    jobs: int | None = None  # worker processes; None: one per core

    def validate(self) -> None:
        _one_of("scale", (self.scale,), tuple(SCALES))
        if self.jobs is not None and self.jobs < 1:
            raise SynthError(f"--jobs {self.jobs}: expected at least 1 worker")
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


def generate(
    req: Request, on_day: Callable[[str, str], None] | None = None
) -> tuple[list[FileReport], float]:
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
        reports += _write_days(tmp, req, on_day)
        if req.out_dir.exists():
            req.out_dir.rmdir()
        req.out_dir.parent.mkdir(parents=True, exist_ok=True)
        tmp.rename(req.out_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return sorted(reports, key=lambda r: r.path), time.monotonic() - began


def _write_days(tmp: Path, req: Request, on_day) -> list[FileReport]:
    work = [
        item
        for cloudbed in req.cloudbeds
        for day in req.days
        for item in day_work.items(req.seed, req.scale, cloudbed, day)
    ]
    last = {(i.cloudbed, i.day): i for i in work}
    writers: dict[tuple[str, str], day_work.DayWriter] = {}
    reports = []
    handoff_dir = tmp / ".handoff"
    handoff_dir.mkdir()
    try:
        results = _results(work, req.jobs or os.cpu_count() or 1, handoff_dir)
        for item, result in zip(work, results):
            key = (item.cloudbed, item.day)
            if key not in writers:
                writers[key] = day_work.DayWriter(
                    tmp / "Market" / item.cloudbed / "telemetry" / item.day, item.day
                )
            writer = writers[key]
            writer.take(item, result)
            _release(handoff_dir, item)
            if item is last[key]:
                writer.finish()
                reports += [
                    FileReport(
                        str((writer.folder / rel).relative_to(tmp)),
                        writer.rows[name],
                        (writer.folder / rel).stat().st_size,
                    )
                    for name, rel in FILES.items()
                ]
                if on_day:
                    on_day(*key)
    finally:
        for writer in writers.values():
            writer.close()
        shutil.rmtree(handoff_dir, ignore_errors=True)
    return reports


def _handoff_file(folder: Path, item: day_work.Item) -> Path:
    return folder / f"{item.cloudbed}-{item.day}-{item.block}-{item.kind}.bin"


def _run_in_worker(item: day_work.Item, folder: Path):
    return handoff.to_file(day_work.run(item), _handoff_file(folder, item))


def _release(folder: Path, item: day_work.Item) -> None:
    _handoff_file(folder, item).unlink(missing_ok=True)


def _results(work: list[day_work.Item], jobs: int, folder: Path) -> Iterator:
    """Results in item order; at most a few items in flight per worker, so memory and the
    hand-off files stay bounded."""
    if jobs == 1:
        for item in work:
            yield handoff.in_memory(day_work.run(item))
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        pending: deque[Future] = deque()
        todo = iter(work)
        for item in todo:
            pending.append(pool.submit(_run_in_worker, item, folder))
            if len(pending) >= 3 * jobs:
                break
        while pending:
            result = pending.popleft().result()
            nxt = next(todo, None)
            if nxt is not None:
                pending.append(pool.submit(_run_in_worker, nxt, folder))
            yield result


def _write_csv(path: Path, header: tuple[str, ...], rows) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
