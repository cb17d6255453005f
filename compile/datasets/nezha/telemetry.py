"""A Nezha system's telemetry as normalised rows: the day and minute files a time span needs.

Units as the files have them (`catalog`): metric `Time` a Go time string (UTC, ns), trace start
and end epoch ns with `Duration` µs, log `TimeUnixNano` epoch ns. Here they become ms (metrics,
logs) and µs (spans). Per-pod metric files and `front_service.csv` are wide: one batch per value
column.

Minute files `HH_MM_<kind>.csv` are ~60 s collection windows that end near minute HH:MM, widen
when traces are slow, and overlap: the same trace (all its spans and log rows) is often in two
consecutive files, and a few rows repeat inside one file. Within one `read`, a span whose
(TraceID, SpanID) was already read is dropped when the whole row is identical (the same record
collected twice) and is an error when any field differs; a log row identical in every field to
one already read is dropped. Files are read in name order, so the copy kept is the earliest.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from replaybed.compile.datasets import csv_source
from replaybed.compile.datasets.base import Batch, LogBatch, MetricBatch, SpanBatch
from replaybed.compile.datasets.nezha import clock, docker_log, errata, source
from replaybed.compile.datasets.nezha.catalog import (
    FRONT_FILE,
    FRONT_TABLE,
    FRONT_VALUES,
    LOG_SUFFIX,
    METRIC_SUFFIX,
    POD_METRIC_VALUES,
    POD_TABLE,
    ROOT_PARENT,
    TRACE_SUFFIX,
)
from replaybed.compile.datasets.nezha.clock import GO_ZERO_UNIX_NANO, MINUTE_NS, NS
from replaybed.compile.datasets.nezha.layout import Day
from replaybed.compile.errors import DatasetError

MS_NS = 1_000_000
DAY_NS = 86_400 * NS
# metric rows may stray a little past their UTC day folder; a unit error is off by years
DAY_SLACK_NS = 3600 * NS
# rows of minute file HH_MM lie within this of HH:MM (real files: -111 s .. +69 s)
MINUTE_SLACK_NS = 10 * MINUTE_NS
_HEX32, _HEX16 = r"^[0-9a-f]{32}$", r"^[0-9a-f]{16}$"


@dataclass
class Seen:
    """What one `read` has already yielded, for the de-duplication across minute files."""

    spans: dict[tuple[str, str], tuple[int, str, int]] = field(default_factory=dict)
    logs: set[bytes] = field(default_factory=set)


def _overlaps(lo_ns: int, hi_ns: int, spans_ms: Sequence[tuple[int, int]]) -> bool:
    return any(lo_ns < hi * MS_NS and hi_ns > lo * MS_NS for lo, hi in spans_ms)


def _folder(day: Day, name: str) -> Path:
    folder = day.path / name
    if not folder.is_dir():
        raise DatasetError(
            f"missing folder {name}/ (expected the Nezha day layout metric/, trace/, log/)",
            file=str(day.path),
        )
    return folder


def minute_files(day: Day, kind: str) -> list[tuple[int, Path]]:
    """(epoch ns of HH:MM, path) of every `HH_MM_<kind>.csv` of a day, in name order."""
    out = []
    for path in sorted(_folder(day, kind).iterdir()):
        parsed = clock.minute_file(path.name)
        if parsed is None or parsed[2] != kind:
            raise DatasetError(
                f"unexpected file in {kind}/; expected only HH_MM_{kind}.csv minute files",
                file=str(path),
            )
        hour, minute, _ = parsed
        out.append((clock.date_ns(day.date) + (hour * 60 + minute) * MINUTE_NS, path))
    return out


def metric_files(day: Day) -> list[Path]:
    """Every per-pod metric file of a day, then front_service.csv (which must exist)."""
    folder = _folder(day, "metric")
    pods = sorted(p for p in folder.iterdir() if p.name.endswith(METRIC_SUFFIX))
    front = folder / FRONT_FILE
    if not front.is_file():
        raise DatasetError(
            f"missing file {FRONT_FILE} (the system's front-end series; expected in every day)",
            file=str(folder),
        )
    return [*pods, front]


def read(days: Sequence[Day], spans_ms: Sequence[tuple[int, int]]) -> Iterator[Batch]:
    seen = Seen()
    for day in days:
        day_ns = clock.date_ns(day.date)
        if _overlaps(day_ns - DAY_SLACK_NS, day_ns + DAY_NS + DAY_SLACK_NS, spans_ms):
            for path in metric_files(day):
                yield from metric_batches(day, path)
        for kind, suffix in (("trace", TRACE_SUFFIX), ("log", LOG_SUFFIX)):
            for minute_ns, path in minute_files(day, kind):
                lo, hi = minute_ns - MINUTE_SLACK_NS, minute_ns + MINUTE_SLACK_NS
                if not path.name.endswith(suffix) or not _overlaps(lo, hi, spans_ms):
                    continue
                if kind == "trace":
                    yield from _spans(path, (lo, hi), seen)
                else:
                    yield from _logs(day, path, (lo, hi), seen)


def _where(path: Path, line: np.ndarray, i: int) -> dict:
    return {"file": str(path), "line": int(line[i])}


# ---- metrics -----------------------------------------------------------------------------


def metric_times(
    path: Path, batch: pa.RecordBatch, line: np.ndarray, *, day: Day, check_timestamp: bool
) -> np.ndarray:
    """Epoch ns of every row's `Time`, checked against its day and its `TimeStamp` (seconds)."""
    texts = batch.column("Time").to_pylist()
    t_ns = np.empty(len(texts), np.int64)
    for i, text in enumerate(texts):
        ns = clock.go_time_ns(text)
        if ns is None:
            raise DatasetError(
                f"Time is {text!r}; expected Go's time string of a UTC instant like "
                "'2022-08-22 05:12:19.863394899 +0000 UTC m=+4860.169348879'",
                **_where(path, line, i),
            )
        t_ns[i] = ns
    day_ns = clock.date_ns(day.date)
    outside = np.flatnonzero(
        (t_ns < day_ns - DAY_SLACK_NS) | (t_ns >= day_ns + DAY_NS + DAY_SLACK_NS)
    )
    if len(outside):
        i = int(outside[0])
        raise DatasetError(
            f"Time {texts[i]!r} lies outside the day folder {day.date} (UTC); expected a time "
            "within that day",
            **_where(path, line, i),
        )
    if check_timestamp:
        stamp = batch.column("TimeStamp").to_numpy(zero_copy_only=False)
        wrong = np.flatnonzero(stamp != t_ns // NS)
        if len(wrong):
            i = int(wrong[0])
            raise DatasetError(
                f"TimeStamp is {int(stamp[i])}, but Time {texts[i]!r} is {int(t_ns[i] // NS)}; "
                "expected TimeStamp = Time in epoch seconds",
                **_where(path, line, i),
            )
    return t_ns


def metric_batches(day: Day, path: Path) -> Iterator[MetricBatch]:
    front = path.name == FRONT_FILE
    kind, table = ("front_service", FRONT_TABLE) if front else ("pod_metric", POD_TABLE)
    values = FRONT_VALUES if front else POD_METRIC_VALUES
    pod = None if front else path.name[: -len(METRIC_SUFFIX)]
    check = (day.date, pod) not in errata.TIMESTAMP_NOT_CHECKED
    if (day.date, pod) in errata.NO_FINAL_NEWLINE:
        kind = "pod_metric_unterminated"
    for first, batch in source.batches(path, kind):
        line = csv_source.lines_of(first, batch)
        entity = batch.column("ServiceName" if front else "PodName")
        if pod is not None:
            other = np.flatnonzero(~pc.equal(entity, pod).to_numpy(zero_copy_only=False))
            if len(other):
                i = int(other[0])
                raise DatasetError(
                    f"PodName is {entity[i].as_py()!r} in the metric file of pod {pod!r}; "
                    "expected every row to name the file's pod",
                    **_where(path, line, i),
                )
        t_ms = metric_times(path, batch, line, day=day, check_timestamp=check) // MS_NS
        for column in values:
            yield MetricBatch(
                table=table,
                entity=entity,
                name=column,
                t_ms=t_ms,
                value=batch.column(column).to_numpy(zero_copy_only=False),
                file=str(path),
                line=line,
            )


# ---- traces ------------------------------------------------------------------------------


def _check_ids(path: Path, batch: pa.RecordBatch, line: np.ndarray, checks) -> None:
    for column, pattern, expected in checks:
        ok = pc.match_substring_regex(batch.column(column), pattern).to_numpy(zero_copy_only=False)
        bad = np.flatnonzero(~ok)
        if len(bad):
            i = int(bad[0])
            raise DatasetError(
                f"{column} is {batch.column(column)[i].as_py()!r}; expected {expected}",
                **_where(path, line, i),
            )


def _check_minute(
    path: Path, t_ns: np.ndarray, line: np.ndarray, bounds: tuple[int, int], column: str
) -> None:
    outside = np.flatnonzero((t_ns < bounds[0]) | (t_ns >= bounds[1]))
    if len(outside):
        i = int(outside[0])
        raise DatasetError(
            f"{column} {int(t_ns[i])} ({clock.show(int(t_ns[i]))}) lies more than 10 minutes from "
            f"the minute of its file ({clock.show(bounds[0] + MINUTE_SLACK_NS)}); expected epoch "
            "nanoseconds near that minute",
            **_where(path, line, i),
        )


def _spans(path: Path, bounds: tuple[int, int], seen: Seen) -> Iterator[SpanBatch]:
    for first, batch in source.batches(path, "trace"):
        line = csv_source.lines_of(first, batch)
        _check_ids(
            path,
            batch,
            line,
            (
                ("TraceID", _HEX32, "32 lower-case hex digits"),
                ("SpanID", _HEX16, "16 lower-case hex digits"),
                (
                    "ParentID",
                    f"^({ROOT_PARENT}|[0-9a-f]{{16}})$",
                    "'root' or 16 lower-case hex digits",
                ),
            ),
        )
        start = batch.column("StartTimeUnixNano").to_numpy(zero_copy_only=False)
        end = batch.column("EndTimeUnixNano").to_numpy(zero_copy_only=False)
        duration = batch.column("Duration").to_numpy(zero_copy_only=False)
        _check_minute(path, start, line, bounds, "StartTimeUnixNano")
        backwards = np.flatnonzero(end < start)
        if len(backwards):
            i = int(backwards[0])
            raise DatasetError(
                f"EndTimeUnixNano {int(end[i])} is before StartTimeUnixNano {int(start[i])}; "
                "expected a span that ends after it starts",
                **_where(path, line, i),
            )
        wrong = np.flatnonzero(np.abs(duration - (end - start) // 1000) > 1)
        if len(wrong):
            i = int(wrong[0])
            raise DatasetError(
                f"Duration is {int(duration[i])}; expected (EndTimeUnixNano - StartTimeUnixNano) "
                f"in µs = {int((end[i] - start[i]) // 1000)}",
                **_where(path, line, i),
            )
        keep = _new_spans(path, batch, line, seen)
        if not keep.all():
            batch, line = batch.filter(pa.array(keep)), line[keep]
            start, duration = start[keep], duration[keep]
        if not batch.num_rows:
            continue
        parent = batch.column("ParentID")
        yield SpanBatch(
            start_us=start // 1000,
            duration_us=duration,
            trace_id=batch.column("TraceID"),
            span_id=batch.column("SpanID"),
            parent_id=pc.if_else(pc.equal(parent, ROOT_PARENT), "", parent),
            pod=batch.column("PodName"),
            file=str(path),
            line=line,
            operation=batch.column("OperationName"),
        )


def _new_spans(path: Path, batch: pa.RecordBatch, line: np.ndarray, seen: Seen) -> np.ndarray:
    """Which rows are spans not read before; an error for a known span with other fields."""
    columns = [batch.column(c).to_pylist() for c in batch.schema.names]
    keep = np.ones(batch.num_rows, bool)
    for i, row in enumerate(zip(*columns)):
        key = (row[0], row[1])
        digest = hash(row)  # in-process only: compares two rows of this read
        known = seen.spans.get(key)
        if known is None:
            seen.spans[key] = (digest, str(path), int(line[i]))
        elif known[0] == digest:
            keep[i] = False
        else:
            raise DatasetError(
                f"span {row[1]} of trace {row[0]} was read before at {known[1]}:{known[2]} with "
                "other values; expected a span collected twice to be the same row",
                **_where(path, line, i),
            )
    return keep


# ---- logs --------------------------------------------------------------------------------


def log_time_ns(stamp: str, unix_nano: int, *, damaged: bool = False) -> int | None:
    """The row's instant: `TimeUnixNano` when it is the same instant as `Timestamp` (every row
    but a few dozen); `Timestamp` (UTC, zone optional) when `TimeUnixNano` is Go's zero time;
    `Timestamp` on a row of `errata.LOG_TIME_DAMAGED` (`damaged`); else None."""
    if unix_nano == GO_ZERO_UNIX_NANO:
        return clock.rfc3339_ns(stamp, zone_required=False)
    t = clock.rfc3339_ns(stamp)
    return t if t == unix_nano or (damaged and t is not None) else None


def _logs(day: Day, path: Path, bounds: tuple[int, int], seen: Seen) -> Iterator[LogBatch]:
    damaged = errata.LOG_TIME_DAMAGED.get((day.date, path.name), frozenset())
    for first, batch in source.batches(path, "log"):
        line = csv_source.lines_of(first, batch)
        _check_ids(
            path,
            batch,
            line,
            (
                ("TraceID", _HEX32, "32 lower-case hex digits"),
                ("SpanID", _HEX16, "16 lower-case hex digits"),
            ),
        )
        columns = [batch.column(c).to_pylist() for c in batch.schema.names]
        stamps, unix_nano, records = columns[0], columns[1], columns[7]
        n = batch.num_rows
        t_ns = np.empty(n, np.int64)
        texts: list[str] = []
        keep = np.ones(n, bool)
        for i in range(n):
            t = log_time_ns(stamps[i], unix_nano[i], damaged=int(line[i]) in damaged)
            if t is None:
                what = (
                    "Go's zero time, and Timestamp is not a time either"
                    if unix_nano[i] == GO_ZERO_UNIX_NANO
                    else "not the instant of Timestamp"
                )
                raise DatasetError(
                    f"TimeUnixNano {unix_nano[i]} is {what} ({stamps[i]!r}); expected epoch "
                    "nanoseconds equal to Timestamp (RFC 3339, UTC)",
                    **_where(path, line, i),
                )
            t_ns[i] = t
            text, problem = docker_log.line_of(records[i])
            if text is None:
                raise DatasetError(f"Log: {problem}", **_where(path, line, i))
            texts.append(text)
            digest = hashlib.blake2b(
                "\x1f".join(str(c[i]) for c in columns).encode(), digest_size=16
            ).digest()
            if digest in seen.logs:
                keep[i] = False
            else:
                seen.logs.add(digest)
        _check_minute(path, t_ns, line, bounds, "TimeUnixNano")
        if not keep.any():
            continue
        rows = np.flatnonzero(keep)
        yield LogBatch(
            t_ms=t_ns[rows] // MS_NS,
            pod=batch.column("PodName").take(pa.array(rows)),
            text=pa.array([texts[i] for i in rows.tolist()], pa.string()),
            file=str(path),
            line=line[rows],
            node=batch.column("Node").take(pa.array(rows)),
        )
