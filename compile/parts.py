"""One time chunk of spilled rows -> the bytes of its parts, and what is in them (pure).

Parts depend only on the chunk, never on the scenario: one metrics part and one traces part per
chunk, one logs part per (pod, chunk). Alongside, a `ChunkIndex` keeps per whole minute of the
chunk what its parts hold (samples and which series, spans and which traces, log lines per pod):
scenario windows are whole minutes, so manifests count exactly what falls inside them from these
few numbers instead of every item's time. Storing the parts is the pipeline shell's job; it fills
`ChunkIndex.parts` with their refs.

Framing is done a column at a time (`prom_write.frames`, `jaeger_thrift.batches`,
`log_stream.frames`): the rows of a chunk are sorted once into replay order and each frame is a
slice of bytes laid out in bulk.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from replaybed.compile import jaeger_thrift, log_stream, prom_write, trace_ids
from replaybed.compile.errors import DatasetError
from replaybed.schemas.framing import Frame, encode_part
from replaybed.schemas.manifest import PartRef

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
    """What one chunk's parts hold, per whole minute m = first_minute + i (minute = t // 60 000)."""

    first_minute: int
    minutes: int
    samples: np.ndarray  # int64 per minute
    series: np.ndarray  # (minutes, ceil(series / 8)) uint8: bit s set = series s has a sample
    spans: np.ndarray  # int64 per minute
    traces: np.ndarray  # uint64: each minute's distinct trace ids (low 64 bits), minute by minute
    trace_at: np.ndarray  # int64 (minutes + 1): minute i's traces are traces[trace_at[i]:...[i+1]]
    log_lines: dict[str, np.ndarray] = field(default_factory=dict)  # pod -> int64 per minute
    # the stored parts, times in dataset ms (absolute); set by the shell after storing
    parts: list[PartRef] = field(default_factory=list)

    @classmethod
    def empty(cls, start: int, end: int, n_series: int) -> ChunkIndex:
        first = start // MINUTE_MS
        minutes = (end - 1) // MINUTE_MS - first + 1
        return cls(
            first,
            minutes,
            np.zeros(minutes, np.int64),
            np.zeros((minutes, -(-n_series // 8)), np.uint8),
            np.zeros(minutes, np.int64),
            np.empty(0, np.uint64),
            np.zeros(minutes + 1, np.int64),
        )


@dataclass(frozen=True)
class ChunkInput:
    """What building one chunk needs besides its rows (picklable: worker processes get it once)."""

    heads: list[bytes]  # remote-write series head per series id
    kpis: list[str]  # the dataset's KPI name per series id, for errors
    files: list[str]  # spill source index -> file, for errors
    services: dict[str, str]  # pod -> service, for every pod that ran spans
    node_of: dict[str, str]  # pod -> node, where known


def _slice(table: pa.Table | None, start: int, end: int) -> pa.Table | None:
    if table is None:
        return None
    t = table.column("t")
    out = table.filter(pc.and_(pc.greater_equal(t, start), pc.less(t, end)))
    return out if out.num_rows else None


def build(
    ctx: ChunkInput,
    hour_tables: dict[str, pa.Table | None],
    start: int,
    end: int,
    *,
    heads: pa.Array | None = None,
) -> tuple[list[BuiltPart], ChunkIndex]:
    """`heads`: ctx.heads as one binary array (callers building many chunks convert it once)."""
    idx = ChunkIndex.empty(start, end, len(ctx.heads))
    built: list[BuiltPart] = []
    metrics = _slice(hour_tables["metrics"], start, end)
    if metrics is not None:
        if heads is None:
            heads = pa.array(ctx.heads, pa.large_binary())
        built.append(_metrics(ctx, heads, metrics, idx, start=start, end=end))
    traces = _slice(hour_tables["traces"], start, end)
    if traces is not None:
        built.append(_traces(ctx, traces, idx, start=start, end=end))
    logs = _slice(hour_tables["logs"], start, end)
    if logs is not None:
        built.extend(_logs(logs, idx, start=start, end=end))
    return built, idx


def _part(
    kind: str, frames: Sequence[Frame], *, start: int, end: int, count: int, pod: str | None = None
) -> BuiltPart:
    return BuiltPart(kind, encode_part(kind, frames), start, end, count, pod)


def _minute(idx: ChunkIndex, t_ms: np.ndarray) -> np.ndarray:
    return t_ms // MINUTE_MS - idx.first_minute


def _metrics(
    ctx: ChunkInput, heads: pa.Array, table: pa.Table, idx: ChunkIndex, *, start: int, end: int
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
            raise DatasetError(
                f"series {ctx.kpis[series[i]]!r} has two different values at {int(t[i])} ms "
                f"({float(values[i - 1])!r} and {float(values[i])!r}); "
                "expected one value per series and time",
                file=ctx.files[src[i]],
                line=int(line[i]),
            )
        keep = np.concatenate([[True], ~same])
        series, t, values = series[keep], t[keep], values[keep]
    order = np.lexsort((series, t))
    series, t, values = series[order], t[order], values[order]
    minute = _minute(idx, t)
    idx.samples = np.bincount(minute, minlength=idx.minutes).astype(np.int64)
    seen = np.zeros((idx.minutes, len(ctx.heads)), dtype=bool)
    seen[minute, series] = True
    idx.series = np.packbits(seen, axis=1)
    frames = prom_write.frames(heads, series, t, values)
    return _part("metrics", frames, start=start, end=end, count=len(t))


def _codes(column: pa.Array) -> tuple[list[str], np.ndarray]:
    """(distinct values in sorted order, each row's rank among them)."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    enc = pc.dictionary_encode(column)
    values = enc.dictionary.to_pylist()
    order = sorted(range(len(values)), key=values.__getitem__)
    rank = np.empty(len(values), dtype=np.int64)
    rank[order] = np.arange(len(values))
    return [values[i] for i in order], rank[enc.indices.to_numpy(zero_copy_only=False)]


def _runs(keys: np.ndarray) -> np.ndarray:
    """Bounds [0, ..., n] of the runs of equal values in sorted `keys`."""
    return np.concatenate([[0], np.flatnonzero(keys[1:] != keys[:-1]) + 1, [len(keys)]])


def _traces(
    ctx: ChunkInput, table: pa.Table, idx: ChunkIndex, *, start: int, end: int
) -> BuiltPart:
    src, line = table.column("src").to_numpy(), table.column("line").to_numpy()
    for column in ("trace_id", "span_id"):
        empty = np.flatnonzero(pc.binary_length(table.column(column)).to_numpy() == 0)
        if len(empty):
            i = int(empty[0])
            raise DatasetError(
                f"empty {column.replace('_', ' ')}; expected the span's id",
                file=ctx.files[src[i]],
                line=int(line[i]),
            )
    start_us = table.column("start_us").to_numpy()
    t = start_us // 1000
    pods, pod_rank = _codes(table.column("pod"))
    minute = t // MINUTE_MS
    # frames: one per (minute of start, pod) in that order; spans by start, then file order
    order = np.lexsort((line, src, start_us, pod_rank, minute))
    take = pa.array(order)

    def col(name: str) -> pa.Array:
        return table.column(name).take(take).combine_chunks()

    trace_id = col("trace_id")
    trace_bytes = trace_ids.id_bytes(trace_id, trace_ids.TRACE_BITS)
    spans = jaeger_thrift.SpanColumns(
        start_us[order],
        table.column("duration_us").to_numpy()[order],
        trace_id,
        col("span_id"),
        col("parent_id"),
        col("operation"),
        col("span_type"),
        col("status"),
        table.column("error").to_numpy()[order],
        col("tags"),
        trace_bytes,
    )
    group = minute[order] * len(pods) + pod_rank[order]
    bounds = _runs(group)
    procs = []
    for lo in bounds[:-1].tolist():
        pod = pods[pod_rank[order[lo]]]
        procs.append((ctx.services[pod], pod, ctx.node_of.get(pod)))
    frames = jaeger_thrift.batches(spans, bounds, procs)
    # distinct traces per minute, by the low 64 bits of the Jaeger trace id (as counted before)
    low = np.ascontiguousarray(trace_bytes[0][:, 8:]).view(">u8").reshape(-1).astype(np.uint64)
    m = _minute(idx, t[order])
    idx.spans = np.bincount(m, minlength=idx.minutes).astype(np.int64)
    per_minute = [np.unique(low[m == i]) for i in range(idx.minutes)]
    idx.traces = np.concatenate(per_minute) if per_minute else np.empty(0, np.uint64)
    idx.trace_at = np.concatenate([[0], np.cumsum([len(p) for p in per_minute])]).astype(np.int64)
    return _part("traces", frames, start=start, end=end, count=table.num_rows)


def _logs(table: pa.Table, idx: ChunkIndex, *, start: int, end: int) -> list[BuiltPart]:
    t = table.column("t").to_numpy()
    pods, pod_rank = _codes(table.column("pod"))
    stream = table.column("stream").to_numpy()
    src, line = table.column("src").to_numpy(), table.column("line").to_numpy()
    order = np.lexsort((line, src, stream, t, pod_rank))
    t, rank = t[order], pod_rank[order]
    bounds = _runs(rank)
    present = [pods[r] for r in rank[bounds[:-1]].tolist()]
    text = table.column("text").take(pa.array(order)).combine_chunks()
    built = []
    m = _minute(idx, t)
    for i, frame in enumerate(log_stream.frames(present, bounds, t, text)):
        lo, hi = int(bounds[i]), int(bounds[i + 1])
        built.append(_part("logs", [frame], start=start, end=end, count=frame.count, pod=frame.pod))
        idx.log_lines[frame.pod] = np.bincount(m[lo:hi], minlength=idx.minutes).astype(np.int64)
    return built
