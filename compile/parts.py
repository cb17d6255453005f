"""One time chunk of spilled rows -> the bytes of its parts, and what is in them (pure).

Parts depend only on the chunk, never on the scenario: one metrics part and one traces part per
chunk, one logs part per (pod, chunk). Alongside, a `ChunkIndex` keeps each item's time (and
series / trace) so scenario manifests can count exactly what falls inside their windows.
Storing the parts is the pipeline shell's job; it fills `ChunkIndex.parts` with their refs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from replaybed.compile import jaeger_thrift, log_stream, prom_write, trace_ids
from replaybed.compile.errors import DatasetError
from replaybed.compile.series import SeriesTable
from replaybed.schemas.framing import Frame, encode_part
from replaybed.schemas.manifest import PartRef

MAX_SAMPLES = 10_000
MINUTE_MS = 60_000


@dataclass(frozen=True)
class BuiltPart:
    """A part's raw (uncompressed) bytes and its place: dataset ms [start, end), item count."""

    kind: str
    raw: bytes
    start_ms: int
    end_ms: int
    count: int
    pod: str | None = None


@dataclass
class ChunkIndex:
    sample_t: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    sample_series: np.ndarray = field(default_factory=lambda: np.empty(0, np.int32))
    span_t: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    span_trace: np.ndarray = field(default_factory=lambda: np.empty(0, np.uint64))
    log_t: dict[str, np.ndarray] = field(default_factory=dict)
    # the stored parts, times in dataset ms (absolute); set by the shell after storing
    parts: list[PartRef] = field(default_factory=list)


@dataclass(frozen=True)
class ChunkInput:
    """What building one chunk needs besides its rows."""

    series: SeriesTable
    heads: list[bytes]  # remote-write series head per series id
    files: list[str]  # spill source index -> file, for errors
    service_of: Callable[[str], str]


def _slice(table: pa.Table | None, start: int, end: int) -> pa.Table | None:
    if table is None:
        return None
    t = table.column("t")
    out = table.filter(pc.and_(pc.greater_equal(t, start), pc.less(t, end)))
    return out if out.num_rows else None


def build(
    ctx: ChunkInput, hour_tables: dict[str, pa.Table | None], start: int, end: int
) -> tuple[list[BuiltPart], ChunkIndex]:
    idx = ChunkIndex()
    built: list[BuiltPart] = []
    metrics = _slice(hour_tables["metrics"], start, end)
    if metrics is not None:
        built.append(_metrics(ctx, metrics, idx, start=start, end=end))
    traces = _slice(hour_tables["traces"], start, end)
    if traces is not None:
        built.append(_traces(ctx, traces, idx, start=start, end=end))
    logs = _slice(hour_tables["logs"], start, end)
    if logs is not None:
        built.extend(_logs(logs, idx, start=start, end=end))
    return built, idx


def _part(
    kind: str, frames: list[Frame], *, start: int, end: int, count: int, pod: str | None = None
) -> BuiltPart:
    return BuiltPart(kind, encode_part(kind, frames), start, end, count, pod)


def _metrics(
    ctx: ChunkInput, table: pa.Table, idx: ChunkIndex, *, start: int, end: int
) -> BuiltPart:
    series = table.column("series").to_numpy()
    t = table.column("t").to_numpy()
    values = table.column("value").to_numpy()
    src, line = table.column("src").to_numpy(), table.column("line").to_numpy()
    order = np.lexsort((line, src, t, series))
    series, t, values, src, line = series[order], t[order], values[order], src[order], line[order]
    same = (series[1:] == series[:-1]) & (t[1:] == t[:-1])
    if same.any():
        conflict = (
            same & (values[1:] != values[:-1]) & ~(np.isnan(values[1:]) & np.isnan(values[:-1]))
        )
        if conflict.any():
            i = int(np.flatnonzero(conflict)[0]) + 1
            _, kpi = ctx.series.sources[series[i]]
            raise DatasetError(
                f"series {kpi!r} has two different values at {int(t[i])} ms "
                f"({float(values[i - 1])!r} and {float(values[i])!r}); "
                "expected one value per series and time",
                file=ctx.files[src[i]],
                line=int(line[i]),
            )
        keep = np.concatenate([[True], ~same])
        series, t, values = series[keep], t[keep], values[keep]
    order = np.lexsort((series, t))
    series, t, values = series[order], t[order], values[order]
    frames: list[Frame] = []
    bounds = np.flatnonzero(np.diff(t)) + 1
    for lo, hi in zip(
        np.concatenate([[0], bounds]).tolist(), np.concatenate([bounds, [len(t)]]).tolist()
    ):
        for a in range(lo, hi, MAX_SAMPLES):
            b = min(hi, a + MAX_SAMPLES)
            frames.append(
                prom_write.frame(
                    int(t[a]), [ctx.heads[s] for s in series[a:b].tolist()], values[a:b].tolist()
                )
            )
    idx.sample_t, idx.sample_series = t, series
    return _part("metrics", frames, start=start, end=end, count=len(t))


SPAN_COLUMNS = (
    "start_us",
    "duration_us",
    "trace_id",
    "span_id",
    "parent_id",
    "pod",
    "operation",
    "span_type",
    "status",
    "error",
    "tags",
    "src",
    "line",
)


def _traces(
    ctx: ChunkInput, table: pa.Table, idx: ChunkIndex, *, start: int, end: int
) -> BuiltPart:
    cols = {name: table.column(name).to_pylist() for name in SPAN_COLUMNS}
    for column in ("trace_id", "span_id"):
        if "" in cols[column]:
            i = cols[column].index("")
            raise DatasetError(
                f"empty {column.replace('_', ' ')}; expected the span's id",
                file=ctx.files[cols["src"][i]],
                line=cols["line"][i],
            )
    groups: dict[tuple[str, int], list[int]] = {}
    for i, (us, pod) in enumerate(zip(cols["start_us"], cols["pod"])):
        ms = us // 1000
        groups.setdefault((pod, ms - ms % MINUTE_MS), []).append(i)
    frames: list[Frame] = []
    for (pod, _), members in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        members.sort(key=lambda i: (cols["start_us"][i], cols["src"][i], cols["line"][i]))
        spans = [
            jaeger_thrift.Span(
                cols["start_us"][i],
                cols["trace_id"][i],
                cols["span_id"][i],
                cols["parent_id"][i],
                cols["duration_us"][i],
                cols["span_type"][i],
                cols["status"][i],
                cols["operation"][i],
                cols["error"][i],
                tuple(cols["tags"][i] or ()),
            )
            for i in members
        ]
        frames.append(
            jaeger_thrift.batch(ctx.service_of(pod), pod, ctx.series.node_of.get(pod), spans)
        )
    idx.span_t = np.asarray(cols["start_us"], dtype=np.int64) // 1000
    idx.span_trace = np.asarray(
        [trace_ids.low64(t) for t in cols["trace_id"]],
        dtype=np.uint64,
    )
    return _part("traces", frames, start=start, end=end, count=table.num_rows)


def _logs(table: pa.Table, idx: ChunkIndex, *, start: int, end: int) -> list[BuiltPart]:
    cols = {
        name: table.column(name).to_pylist()
        for name in ("t", "pod", "text", "stream", "src", "line")
    }
    by_pod: dict[str, list[tuple[int, int, int, str]]] = {}
    for t, pod, text, stream, src, line in zip(*cols.values()):
        by_pod.setdefault(pod, []).append((t, stream, (src << 40) | line, text))
    built = []
    for pod in sorted(by_pod):
        frame = log_stream.frame(pod, by_pod[pod])
        built.append(_part("logs", [frame], start=start, end=end, count=frame.count, pod=pod))
        idx.log_t[pod] = np.frombuffer(frame.times, dtype="<i8")
    return built
