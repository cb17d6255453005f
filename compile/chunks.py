"""Turns one time chunk of spilled rows into stored parts, and remembers what is in them.

Parts depend only on the chunk, never on the scenario: one metrics part and one traces part per
chunk, one logs part per (pod, chunk). Alongside, a `ChunkIndex` keeps each item's time (and
series / trace) so scenario manifests can count exactly what falls inside their windows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from replaybed.artifacts import bundle
from replaybed.artifacts.writer import PackWriter
from replaybed.compile import jaeger_thrift, log_stream, prom_write
from replaybed.compile.datasets.openrca_market.catalog import service_of
from replaybed.compile.errors import DatasetError
from replaybed.compile.spill import Registry
from replaybed.schemas.framing import encode_part

MAX_SAMPLES = 10_000
MINUTE_MS = 60_000


@dataclass(frozen=True)
class StoredRef:
    kind: str
    digest: str
    size: int
    raw_size: int
    start: int  # chunk start, dataset ms
    end: int
    count: int
    created: bool
    pod: str | None = None


@dataclass
class ChunkIndex:
    sample_t: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    sample_series: np.ndarray = field(default_factory=lambda: np.empty(0, np.int32))
    span_t: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    span_trace: np.ndarray = field(default_factory=lambda: np.empty(0, np.uint64))
    log_t: dict[str, np.ndarray] = field(default_factory=dict)
    parts: list[StoredRef] = field(default_factory=list)


def _slice(table: pa.Table | None, column: str, start: int, end: int) -> pa.Table | None:
    if table is None:
        return None
    t = table.column(column)
    out = table.filter(pc.and_(pc.greater_equal(t, start), pc.less(t, end)))
    return out if out.num_rows else None


def build(
    store: PackWriter,
    reg: Registry,
    heads: list[bytes],
    hour_tables: dict[str, pa.Table | None],
    start: int,
    end: int,
    level: int,
) -> ChunkIndex:
    idx = ChunkIndex()
    metrics = _slice(hour_tables["metrics"], "t", start, end)
    if metrics is not None:
        _metrics(store, reg, heads, metrics, start, end, level, idx)
    traces = _slice(hour_tables["traces"], "timestamp", start, end)
    if traces is not None:
        _traces(store, reg, traces, start, end, level, idx)
    logs = _slice(hour_tables["logs"], "t", start, end)
    if logs is not None:
        _logs(store, logs, start, end, level, idx)
    return idx


def _put(store, kind, frames, start, end, count, level, idx: ChunkIndex, pod=None) -> None:
    stored = bundle.put_part(store, encode_part(kind, frames), level)
    idx.parts.append(
        StoredRef(
            kind,
            stored.digest,
            stored.size,
            stored.raw_size,
            start,
            end,
            count,
            stored.created,
            pod,
        )
    )


def _metrics(
    store, reg: Registry, heads, table: pa.Table, start, end, level, idx: ChunkIndex
) -> None:
    series = table.column("series").to_numpy()
    t = table.column("t").to_numpy()
    values = table.column("value").to_numpy()
    src, row = table.column("src").to_numpy(), table.column("row").to_numpy()
    order = np.lexsort((row, src, t, series))
    series, t, values, src, row = series[order], t[order], values[order], src[order], row[order]
    same = (series[1:] == series[:-1]) & (t[1:] == t[:-1])
    if same.any():
        conflict = (
            same & (values[1:] != values[:-1]) & ~(np.isnan(values[1:]) & np.isnan(values[:-1]))
        )
        if conflict.any():
            i = int(np.flatnonzero(conflict)[0]) + 1
            file, kpi = reg.sources[series[i]]
            raise DatasetError(
                f"series {kpi!r} has two different values at {t[i] // 1000} "
                f"({values[i - 1]!r} and {values[i]!r}); expected one value per series and time",
                file=reg.files[src[i]],
                line=int(row[i]) + 2,
            )
        keep = np.concatenate([[True], ~same])
        series, t, values = series[keep], t[keep], values[keep]
    order = np.lexsort((series, t))
    series, t, values = series[order], t[order], values[order]
    frames = []
    bounds = np.flatnonzero(np.diff(t)) + 1
    for lo, hi in zip(
        np.concatenate([[0], bounds]).tolist(), np.concatenate([bounds, [len(t)]]).tolist()
    ):
        for a in range(lo, hi, MAX_SAMPLES):
            b = min(hi, a + MAX_SAMPLES)
            frames.append(
                prom_write.frame(
                    int(t[a]), [heads[s] for s in series[a:b].tolist()], values[a:b].tolist()
                )
            )
    _put(store, "metrics", frames, start, end, len(t), level, idx)
    idx.sample_t, idx.sample_series = t, series


def _traces(store, reg: Registry, table: pa.Table, start, end, level, idx: ChunkIndex) -> None:
    cols = {
        name: table.column(name).to_pylist()
        for name in (
            "timestamp",
            "cmdb_id",
            "span_id",
            "trace_id",
            "duration",
            "type",
            "status_code",
            "operation_name",
            "parent_span",
            "src",
            "row",
        )
    }
    groups: dict[tuple[str, int], list[int]] = {}
    for i, (ms, pod) in enumerate(zip(cols["timestamp"], cols["cmdb_id"])):
        groups.setdefault((pod, ms - ms % MINUTE_MS), []).append(i)
    frames = []
    for (pod, _), members in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        members.sort(key=lambda i: (cols["timestamp"][i], cols["src"][i], cols["row"][i]))
        spans = [
            jaeger_thrift.Span(
                cols["timestamp"][i],
                cols["trace_id"][i],
                cols["span_id"][i],
                cols["parent_span"][i],
                cols["duration"][i],
                cols["type"][i],
                cols["status_code"][i],
                cols["operation_name"][i],
            )
            for i in members
        ]
        frames.append(jaeger_thrift.batch(service_of(pod), pod, reg.node_of.get(pod), spans))
    _put(store, "traces", frames, start, end, table.num_rows, level, idx)
    idx.span_t = np.asarray(cols["timestamp"], dtype=np.int64)
    idx.span_trace = np.asarray([int(t[16:] or "0", 16) for t in cols["trace_id"]], dtype=np.uint64)


def _logs(store, table: pa.Table, start, end, level, idx: ChunkIndex) -> None:
    cols = {
        name: table.column(name).to_pylist() for name in ("t", "pod", "value", "kind", "src", "row")
    }
    by_pod: dict[str, list[tuple[int, int, int, str]]] = {}
    for t, pod, value, kind, src, row in zip(*cols.values()):
        by_pod.setdefault(pod, []).append((t, kind, (src << 40) | row, value))
    for pod in sorted(by_pod):
        frame = log_stream.frame(pod, by_pod[pod])
        _put(store, "logs", [frame], start, end, frame.count, level, idx, pod=pod)
        idx.log_t[pod] = np.frombuffer(frame.times, dtype="<i8")
