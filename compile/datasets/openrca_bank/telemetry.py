"""The Bank telemetry as normalised rows: the day folders a time span needs, each file read once.

Units as the files have them: metric and log timestamps in seconds, span timestamps and
durations in ms; here they become ms (metrics, logs) and µs (spans). `metric_app` is wide (one row
= `rr`, `sr`, `cnt`, `mrt` of one transaction code `tc`): one batch per column.

Spans: trace ids are `gw` + 22 digits (`gw0120210304000517192504`), span ids 20 decimal digits
(beyond int64: kept as text). A parent id is either a span id (20 digits: a child) or the id of
an untraced caller (free text like `369-bcou-dle-way1-c514cf30-43410@0824-2f0e47a816-17492`, or
empty): such a span is a root of what the file traced, its parent becomes "" and the caller's id
travels as the tag `original.parent_id`. A span naming itself as parent is a root too. Digits of
another length are an error (a cut or mistyped id, not a caller). Durations above an hour are
refused as a unit error (µs or ns where ms belong; the real spans end within the 10 s client
timeout, the longest seen is 16 s).

Day folders: only those present are read (the real dataset has gaps: no 2021_03_08, 2021_03_22,
...), so a window reaching into a missing day has no rows there. Rows may stray up to an hour past
their UTC+8 day (the real trace file of 2021_03_04 starts at 23:59:59.628 of the day before);
anything further is a unit error.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from replaybed.compile.datasets import csv_source
from replaybed.compile.datasets.base import Batch, LogBatch, MetricBatch, SpanBatch
from replaybed.compile.datasets.openrca_bank import source
from replaybed.compile.datasets.openrca_bank.catalog import (
    APP_KPIS,
    DAY_PATTERN,
    FILES,
    day_start,
)
from replaybed.compile.errors import DatasetError

DAY_MS = 86_400_000
DAY_SLACK_MS = 3_600_000
MAX_DURATION_MS = 3_600_000
TRACE_ID = r"^gw[0-9]{22}$"
SPAN_ID = r"^[0-9]{20}$"


def present_days(base: Path) -> list[str]:
    """The day folders under `telemetry/` (other entries, e.g. `.DS_Store`, are ignored)."""
    telemetry = base / "telemetry"
    if not telemetry.is_dir():
        return []
    return sorted(p.name for p in telemetry.iterdir() if p.is_dir() and DAY_PATTERN.match(p.name))


def days_for(days: Sequence[str], spans: Sequence[tuple[int, int]]) -> list[str]:
    out = []
    for d in days:
        lo = day_start(d) * 1000 - DAY_SLACK_MS
        hi = day_start(d) * 1000 + DAY_MS + DAY_SLACK_MS
        if any(a < hi and b > lo for a, b in spans):
            out.append(d)
    return out


def read(base: Path, spans: Sequence[tuple[int, int]]) -> Iterator[Batch]:
    for day in days_for(present_days(base), spans):
        lo = day_start(day) * 1000
        for name, rel in FILES.items():
            path = base / "telemetry" / day / rel
            yield from _file(path, name, (lo - DAY_SLACK_MS, lo + DAY_MS + DAY_SLACK_MS))


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
        if name == "metric_app":
            yield from _app(path, batch, line)
        elif name == "metric_container":
            yield MetricBatch(
                table=name,
                entity=batch.column("cmdb_id"),
                name=batch.column("kpi_name"),
                t_ms=batch.column("timestamp").to_numpy(zero_copy_only=False) * 1000,
                value=batch.column("value").to_numpy(zero_copy_only=False),
                file=str(path),
                line=line,
            )
        elif name == "trace_span":
            yield _spans(path, batch, line)
        else:
            yield LogBatch(
                t_ms=batch.column("timestamp").to_numpy(zero_copy_only=False) * 1000,
                pod=batch.column("cmdb_id"),
                text=batch.column("value"),
                file=str(path),
                line=line,
            )


def _app(path: Path, batch: pa.RecordBatch, line: np.ndarray) -> Iterator[Batch]:
    t_ms = batch.column("timestamp").to_numpy(zero_copy_only=False) * 1000
    for col in APP_KPIS:
        yield MetricBatch(
            table="metric_app",
            entity=batch.column("tc"),
            name=col,
            t_ms=t_ms,
            value=batch.column(col).to_numpy(zero_copy_only=False),
            file=str(path),
            line=line,
        )


def _first_bad(path: Path, line: np.ndarray, ok: pa.Array, message) -> None:
    bad = np.flatnonzero(~ok.to_numpy(zero_copy_only=False))
    if len(bad):
        i = int(bad[0])
        raise DatasetError(message(i), file=str(path), line=int(line[i]))


def _spans(path: Path, batch: pa.RecordBatch, line: np.ndarray) -> SpanBatch:
    trace, span, parent = (batch.column(c) for c in ("trace_id", "span_id", "parent_id"))
    _first_bad(
        path,
        line,
        pc.match_substring_regex(trace, TRACE_ID),
        lambda i: (
            f"column 'trace_id' is {trace[i].as_py()!r}; expected 'gw' and 22 digits "
            "(like gw0120210304000517192504)"
        ),
    )
    _first_bad(
        path,
        line,
        pc.match_substring_regex(span, SPAN_ID),
        lambda i: f"column 'span_id' is {span[i].as_py()!r}; expected 20 decimal digits",
    )
    caller = pc.or_(pc.equal(parent, ""), pc.match_substring_regex(parent, "[^0-9]"))
    _first_bad(
        path,
        line,
        pc.or_(caller, pc.match_substring_regex(parent, SPAN_ID)),
        lambda i: (
            f"column 'parent_id' is {parent[i].as_py()!r}; expected a span id of 20 "
            "decimal digits, or the id of an untraced caller (text that is not all digits), or empty"
        ),
    )
    duration = batch.column("duration").to_numpy(zero_copy_only=False)
    wrong = np.flatnonzero((duration < 0) | (duration > MAX_DURATION_MS))
    if len(wrong):
        i = int(wrong[0])
        raise DatasetError(
            f"column 'duration' is {int(duration[i])}; expected milliseconds between 0 and "
            f"{MAX_DURATION_MS} (an hour: longer is a unit error, µs or ns)",
            file=str(path),
            line=int(line[i]),
        )
    root = pc.or_(caller, pc.equal(parent, span))
    return SpanBatch(
        start_us=batch.column("timestamp").to_numpy(zero_copy_only=False) * 1000,
        duration_us=duration * 1000,
        trace_id=trace,
        span_id=span,
        parent_id=pc.if_else(root, "", parent),
        pod=batch.column("cmdb_id"),
        file=str(path),
        line=line,
        tags=(("original.parent_id", pc.if_else(root, parent, "")),),
    )
