"""The Telecom telemetry as normalised rows: the day folders a time span needs, read once.

Layout checks (`day_folders`): `telemetry/` holds only `YYYY_MM_DD` day folders (hidden entries
such as `.DS_Store` are ignored, as OpenRCA's loader does), each holding only `metric/` (the five
metric files) and `trace/` (`trace_span.csv`). A `log/` folder is refused: Telecom has no logs and
OpenRCA's own loader fails on one; any other stray file or folder is refused rather than ignored.

Rows: every time column is epoch **ms** (metrics too) and must lie in its UTC+8 day folder (± an
hour: a row written in seconds or µs is off by years). Metrics stay in ms; `metric_app` is wide
(one batch per KPI column). Spans: start ms -> µs; `elapsedTime` (float ms, `2.0`) -> µs as
`rint(elapsedTime * 1000)` (nearest µs, ties to even; the real values are whole ms); the ids are
20 lower-case hex digits (`pid` may be the literal `None`, a root -> parent ""); `success` is
`True`/`False` in any case -> the error flag, the text kept as tag `success`; `callType` -> span
type; operation = `serviceName`, or `callType` where it is empty (JDBC spans); `dsName` -> tag
`db.instance`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from replaybed.compile.datasets import csv_source
from replaybed.compile.datasets.base import Batch, MetricBatch, SpanBatch
from replaybed.compile.datasets.openrca_telecom import source
from replaybed.compile.datasets.openrca_telecom.catalog import (
    APP_KPIS,
    DAY_FOLDERS,
    DAY_MS,
    FILES,
    PLATFORM_TABLES,
    ROOT_PARENT,
    day_start,
    is_day,
)
from replaybed.compile.datasets.openrca_telecom.metric_names import SEP
from replaybed.compile.errors import DatasetError

# rows may stray a little past their UTC+8 day folder; a unit error (s, µs vs ms) is off by years
DAY_SLACK_MS = 3_600_000
HEX20 = r"^[0-9a-f]{20}$"
_IDS = {"traceId": HEX20, "id": HEX20, "pid": rf"^([0-9a-f]{{20}}|{ROOT_PARENT})$"}
_SUCCESS = pa.array(["true", "false"])


def _visible(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if not p.name.startswith("."))


def day_folders(telemetry: Path) -> list[str]:
    """The day folders present, each checked to hold exactly the Telecom layout."""
    if not telemetry.is_dir():
        raise DatasetError(
            "missing folder telemetry/ (expected telemetry/YYYY_MM_DD/{metric,trace}/)",
            file=str(telemetry),
        )
    days = []
    for entry in _visible(telemetry):
        if not (entry.is_dir() and is_day(entry.name)):
            raise DatasetError(
                f"unexpected {'folder' if entry.is_dir() else 'file'} {entry.name!r}; expected "
                "only UTC+8 day folders named YYYY_MM_DD",
                file=str(telemetry),
            )
        _check_day_layout(entry)
        days.append(entry.name)
    return days


def _check_day_layout(day: Path) -> None:
    expected: dict[str, set[str]] = {folder: set() for folder in DAY_FOLDERS}
    for rel in FILES.values():
        folder, _, name = rel.partition("/")
        expected[folder].add(name)
    for entry in _visible(day):
        if entry.name == "log":
            raise DatasetError(
                "a log/ folder in a Telecom day: Telecom has no logs (metrics and traces only) "
                "and OpenRCA's own loader fails on one; expected only metric/ and trace/",
                file=str(entry),
            )
        if entry.name not in expected or not entry.is_dir():
            raise DatasetError(
                f"unexpected {entry.name!r}; expected only the folders "
                f"{', '.join(f + '/' for f in DAY_FOLDERS)}",
                file=str(day),
            )
        for inner in _visible(entry):
            if inner.name not in expected[entry.name]:
                raise DatasetError(
                    f"unexpected {inner.name!r}; expected only "
                    f"{', '.join(sorted(expected[entry.name]))}",
                    file=str(entry),
                )


def _bounds(day: str) -> tuple[int, int]:
    lo = day_start(day) * 1000
    return lo - DAY_SLACK_MS, lo + DAY_MS + DAY_SLACK_MS


def read(base: Path, days: Sequence[str], spans: Sequence[tuple[int, int]]) -> Iterator[Batch]:
    """Normalised rows of every present day whose rows may fall in `spans` (with the slack)."""
    telemetry = base / "telemetry"
    for day in days:
        lo, hi = _bounds(day)
        if any(a < hi and b > lo for a, b in spans):
            for name, rel in FILES.items():
                yield from _file(telemetry / day / rel, name, (lo, hi))


def _fail(path: Path, line: np.ndarray, i: int, message: str) -> DatasetError:
    return DatasetError(message, file=str(path), line=int(line[i]))


def _first(mask: np.ndarray) -> int | None:
    bad = np.flatnonzero(mask)
    return int(bad[0]) if len(bad) else None


def _check_day(path: Path, column: str, t_ms: np.ndarray, line: np.ndarray, bounds) -> None:
    """Every row inside its day folder (± DAY_SLACK_MS): catches s or µs where ms belong."""
    i = _first((t_ms < bounds[0]) | (t_ms >= bounds[1]))
    if i is not None:
        raise _fail(
            path,
            line,
            i,
            f"column {column!r} is {int(t_ms[i])}, outside the day folder "
            f"{path.parents[1].name} (UTC+8); expected epoch milliseconds within that day",
        )


def _np(batch: pa.RecordBatch, column: str) -> np.ndarray:
    return batch.column(column).to_numpy(zero_copy_only=False)


def _file(path: Path, name: str, bounds: tuple[int, int]) -> Iterator[Batch]:
    time_column = "timestamp" if name in PLATFORM_TABLES else "startTime"
    for first, batch in source.batches(path, name):
        line = csv_source.lines_of(first, batch)
        t_ms = _np(batch, time_column)
        _check_day(path, time_column, t_ms, line, bounds)
        if name == "metric_app":
            for column in APP_KPIS:
                yield MetricBatch(
                    table=name,
                    entity=batch.column("serviceName"),
                    name=column,
                    t_ms=t_ms,
                    value=_np(batch, column).astype(np.float64),
                    file=str(path),
                    line=line,
                )
        elif name in PLATFORM_TABLES:
            yield _platform(path, name, batch, t_ms, line)
        else:
            yield _spans(path, batch, t_ms, line)


def _platform(
    path: Path, name: str, batch: pa.RecordBatch, t_ms: np.ndarray, line: np.ndarray
) -> MetricBatch:
    cmdb, kpi = batch.column("cmdb_id"), batch.column("name")
    bad_cmdb = pc.or_(pc.equal(cmdb, ""), pc.match_substring(cmdb, SEP))
    i = _first(bad_cmdb.to_numpy(zero_copy_only=False))
    if i is not None:
        raise _fail(
            path,
            line,
            i,
            f"column 'cmdb_id' is {cmdb[i].as_py()!r}; expected a component id "
            f"(e.g. docker_001, os_017) without {SEP!r}",
        )
    i = _first(pc.equal(kpi, "").to_numpy(zero_copy_only=False))
    if i is not None:
        raise _fail(path, line, i, "column 'name' is empty; expected a KPI name")
    entity = pc.binary_join_element_wise(
        cmdb, batch.column("bomc_id"), pc.cast(batch.column("itemid"), pa.string()), SEP
    )
    return MetricBatch(
        table=name,
        entity=entity,
        name=kpi,
        t_ms=t_ms,
        value=_np(batch, "value"),
        file=str(path),
        line=line,
    )


def _spans(path: Path, batch: pa.RecordBatch, t_ms: np.ndarray, line: np.ndarray) -> SpanBatch:
    for column, pattern in _IDS.items():
        ok = pc.match_substring_regex(batch.column(column), pattern)
        i = _first(~ok.to_numpy(zero_copy_only=False))
        if i is not None:
            root = f" or {ROOT_PARENT} for a root" if column == "pid" else ""
            raise _fail(
                path,
                line,
                i,
                f"column {column!r} is {batch.column(column)[i].as_py()!r}; expected 20 "
                f"lower-case hex digits{root}",
            )
    success = batch.column("success")
    lowered = pc.utf8_lower(success)
    i = _first(~pc.is_in(lowered, _SUCCESS).to_numpy(zero_copy_only=False))
    if i is not None:
        raise _fail(
            path, line, i, f"column 'success' is {success[i].as_py()!r}; expected True or False"
        )
    elapsed = _np(batch, "elapsedTime")
    i = _first((elapsed < 0) | (elapsed >= DAY_MS))
    if i is not None:
        raise _fail(
            path,
            line,
            i,
            f"column 'elapsedTime' is {float(elapsed[i])!r}; expected a duration in ms, "
            f">= 0 and below one day ({DAY_MS})",
        )
    cmdb = batch.column("cmdb_id")
    i = _first(pc.equal(cmdb, "").to_numpy(zero_copy_only=False))
    if i is not None:
        raise _fail(path, line, i, "column 'cmdb_id' is empty; expected the component of the span")
    pid = batch.column("pid")
    call_type, service = batch.column("callType"), batch.column("serviceName")
    return SpanBatch(
        start_us=t_ms * 1000,
        duration_us=np.rint(elapsed * 1000.0).astype(np.int64),
        trace_id=batch.column("traceId"),
        span_id=batch.column("id"),
        parent_id=pc.if_else(pc.equal(pid, ROOT_PARENT), "", pid),
        pod=cmdb,
        file=str(path),
        line=line,
        operation=pc.if_else(pc.equal(service, ""), call_type, service),
        span_type=call_type,
        error=pc.equal(lowered, "false").to_numpy(zero_copy_only=False),
        tags=(("success", success), ("db.instance", batch.column("dsName"))),
    )
