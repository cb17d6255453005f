"""A Market cloudbed's telemetry as normalised rows: the day folders a time span needs, read once.

Units as the files have them (`catalog`): metric and log timestamps in seconds, span start in
ms, span duration in µs; here they become ms (metrics, logs) and µs (spans). `metric_service`
is wide (one row = `rr`, `sr`, `mrt`, `count` of one service): one batch per column.
Trace and span ids must be the 32 / 16 lower-case hex digits the real files hold.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from replaybed.compile.datasets import csv_source
from replaybed.compile.datasets.base import Batch, LogBatch, MetricBatch, SpanBatch
from replaybed.compile.datasets.openrca_market import source
from replaybed.compile.datasets.openrca_market.catalog import DAYS, FILES, SERVICE_KPIS, day_start
from replaybed.compile.errors import DatasetError

DAY_MS = 86_400_000
# rows may stray a little past their UTC+8 day folder; a unit error (s vs ms) is off by years
DAY_SLACK_MS = 3_600_000
METRIC_FILES = (
    "metric_container",
    "metric_mesh",
    "metric_node",
    "metric_runtime",
    "metric_service",
)
OK_STATUS = ("0", "Ok", "OK", "200", "")
_IDS = {
    "trace_id": r"^[0-9a-f]{32}$",
    "span_id": r"^[0-9a-f]{16}$",
    "parent_span": r"^([0-9a-f]{16})?$",
}


def days_for(spans: Sequence[tuple[int, int]]) -> list[str]:
    return [
        d
        for d in DAYS
        if any(lo < day_start(d) * 1000 + DAY_MS and hi > day_start(d) * 1000 for lo, hi in spans)
    ]


def read(base: Path, spans: Sequence[tuple[int, int]]) -> Iterator[Batch]:
    """The rows of every file of the days `spans` touch; a missing day folder is an error at
    once, when this is called (the compile calls it for every shard before any work)."""
    telemetry = base / "telemetry"
    days = days_for(spans)
    present = (
        sorted(p.name for p in telemetry.iterdir() if p.is_dir()) if telemetry.is_dir() else []
    )
    for day in days:
        if day not in present:
            raise DatasetError(
                f"missing day folder {day}, needed by the scenarios' windows; "
                f"found {', '.join(present) or 'none'}",
                file=str(telemetry),
            )
    return _days(telemetry, days)


def _days(telemetry: Path, days: Sequence[str]) -> Iterator[Batch]:
    for day in days:
        lo = day_start(day) * 1000
        for name, rel in FILES.items():
            yield from _file(
                telemetry / day / rel, name, (lo - DAY_SLACK_MS, lo + DAY_MS + DAY_SLACK_MS)
            )


def _file(path: Path, name: str, bounds: tuple[int, int]) -> Iterator[Batch]:
    for first, batch in source.batches(path, name):
        line = csv_source.lines_of(first, batch)
        csv_source.check_in_day(
            path,
            batch.column("timestamp").to_numpy(zero_copy_only=False),
            line,
            unit_ms=1 if name == "trace_span" else 1000,  # spans in ms, every other file in s
            bounds=bounds,
        )
        if name in METRIC_FILES:
            yield from _metrics(path, name, batch, line)
        elif name == "trace_span":
            yield _spans(path, batch, line)
        else:
            yield LogBatch(
                t_ms=batch.column("timestamp").to_numpy(zero_copy_only=False) * 1000,
                pod=batch.column("cmdb_id"),
                text=batch.column("value"),
                file=str(path),
                line=line,
                stream=0 if name == "log_service" else 1,
            )


def _metrics(path: Path, name: str, batch: pa.RecordBatch, line: np.ndarray) -> Iterator[Batch]:
    t_ms = batch.column("timestamp").to_numpy(zero_copy_only=False) * 1000
    if name == "metric_service":
        for col in SERVICE_KPIS:
            yield MetricBatch(
                table=name,
                entity=batch.column("service"),
                name=col,
                t_ms=t_ms,
                value=batch.column(col).to_numpy(zero_copy_only=False),
                file=str(path),
                line=line,
            )
        return
    yield MetricBatch(
        table=name,
        entity=batch.column("cmdb_id"),
        name=batch.column("kpi_name"),
        t_ms=t_ms,
        value=batch.column("value").to_numpy(zero_copy_only=False),
        file=str(path),
        line=line,
    )


def _spans(path: Path, batch: pa.RecordBatch, line: np.ndarray) -> SpanBatch:
    for column, pattern in _IDS.items():
        ok = pc.match_substring_regex(batch.column(column), pattern)
        bad = np.flatnonzero(~ok.to_numpy(zero_copy_only=False))
        if len(bad):
            i = int(bad[0])
            raise DatasetError(
                f"column {column!r} is {batch.column(column)[i].as_py()!r}; expected "
                f"{'an empty parent or ' if column == 'parent_span' else ''}"
                f"{16 if column != 'trace_id' else 32} lower-case hex digits",
                file=str(path),
                line=int(line[i]),
            )
    duration = batch.column("duration").to_numpy(zero_copy_only=False)
    negative = np.flatnonzero(duration < 0)
    if len(negative):
        i = int(negative[0])
        raise DatasetError(
            f"column 'duration' is {int(duration[i])}; expected a duration >= 0 µs",
            file=str(path),
            line=int(line[i]),
        )
    status = batch.column("status_code")
    return SpanBatch(
        start_us=batch.column("timestamp").to_numpy(zero_copy_only=False) * 1000,
        duration_us=duration,
        trace_id=batch.column("trace_id"),
        span_id=batch.column("span_id"),
        parent_id=batch.column("parent_span"),
        pod=batch.column("cmdb_id"),
        file=str(path),
        line=line,
        operation=batch.column("operation_name"),
        span_type=batch.column("type"),
        status=status,
        error=~pc.is_in(status, pa.array(OK_STATUS)).to_numpy(zero_copy_only=False),
    )
