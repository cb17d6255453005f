"""Normalised rows spilled to hour buckets on disk, in a folder no dead run leaves behind.

Readers yield rows in file order, and files are not sorted by time (Market's metric files are
grouped by series, `log_service` is unsorted), so one chunk's rows are spread over whole files.
Each batch becomes a small Arrow table per signal (metrics -> series id, ms, value; spans and log
lines -> their columns) appended to an Arrow IPC file per (signal, hour); later each hour is
loaded alone, which bounds memory by an hour of data rather than by the input.

The spill folder lives under the system temp dir as `replaybed-spill-*` and holds an exclusive
`flock` while its compile runs. A run killed with SIGKILL cannot remove its folder, so every
compile first removes the `replaybed-spill-*` folders whose lock nobody holds any more (and
unlocked ones, such as `replaybed-compile-*` from versions before the lock, after an hour).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc as ipc

from replaybed.compile.datasets.base import Batch, LogBatch, MetricBatch, SpanBatch
from replaybed.compile.series import SeriesTable

HOUR_MS = 3_600_000
SIGNALS = ("metrics", "traces", "logs")
PREFIX = "replaybed-spill-"
# folders of compiles before the lock existed (plain temporary directories)
LEGACY_PREFIX = "replaybed-compile-"
LOCK = "lock"
# a folder without a lock file is a run between mkdtemp and taking its lock, or a very old one
UNLOCKED_GRACE_S = 3600


@contextmanager
def spill_folder(parent: Path | None = None) -> Iterator[Path]:
    """A fresh locked spill folder, removed on exit; leftovers of dead runs are removed first."""
    base = Path(parent or tempfile.gettempdir())
    remove_leftovers(base)
    folder = Path(tempfile.mkdtemp(prefix=PREFIX, dir=base))
    lock = open(folder / LOCK, "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield folder
    finally:
        lock.close()
        shutil.rmtree(folder, ignore_errors=True)


def remove_leftovers(base: Path) -> list[Path]:
    """Remove spill folders whose compile is gone (nobody holds their lock); return them."""
    removed = []
    for folder in sorted([*base.glob(PREFIX + "*"), *base.glob(LEGACY_PREFIX + "*")]):
        if not folder.is_dir():
            continue
        lock_path = folder / LOCK
        if not lock_path.exists():
            if time.time() - folder.stat().st_mtime > UNLOCKED_GRACE_S:
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
            continue
        try:
            fd = os.open(lock_path, os.O_RDWR)
        except OSError:
            continue  # someone else's folder we may not touch
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            continue  # a live compile holds it
        finally:
            os.close(fd)
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


class Spill:
    """Arrow IPC files per (signal, hour); rows of hours outside `keep_hours` are not written."""

    def __init__(self, folder: Path, keep_hours: set[int]):
        self.folder, self.keep = folder, keep_hours
        self.writers: dict[tuple[str, int], ipc.RecordBatchFileWriter] = {}
        self.files: list[str] = []  # file names by source index
        self.span_pods: set[str] = set()  # every pod (Jaeger process) of a spilled span
        self._src: dict[str, int] = {}

    def source(self, file: str) -> int:
        """The index of a file, assigned on first sight (also tells the caller a file is new)."""
        src = self._src.get(file)
        if src is None:
            src = self._src[file] = len(self.files)
            self.files.append(file)
        return src

    def add(self, signal: str, table: pa.Table, t_ms: np.ndarray) -> None:
        if len(t_ms) == 0:
            return
        hours = t_ms // HOUR_MS
        # one stable sort by hour and one take, then a slice per hour (files are not sorted by
        # time, so a block spans the whole day: a filter per hour would scan it 24 times)
        order = np.argsort(hours, kind="stable")
        hours = hours[order]
        bounds = np.flatnonzero(hours[1:] != hours[:-1]) + 1
        starts, ends = [0, *bounds.tolist()], [*bounds.tolist(), len(hours)]
        wanted = [(int(hours[a]), a, b) for a, b in zip(starts, ends) if int(hours[a]) in self.keep]
        if not wanted:
            return
        table = table.take(pa.array(order))
        for hour, a, b in wanted:
            part = table.slice(a, b - a)
            key = (signal, hour)
            if key not in self.writers:
                self.writers[key] = ipc.new_file(
                    str(self.folder / f"{signal}-{hour}.arrow"), part.schema
                )
            self.writers[key].write_table(part)

    def close(self) -> None:
        for w in self.writers.values():
            w.close()

    def load(self, signal: str, hour: int) -> pa.Table | None:
        return load(self.folder, signal, hour)


def load(folder: Path, signal: str, hour: int) -> pa.Table | None:
    """One (signal, hour) bucket, or None if no row fell in it."""
    path = folder / f"{signal}-{hour}.arrow"
    if not path.exists():
        return None
    with pa.memory_map(str(path)) as mm:
        return ipc.open_file(mm).read_all()


def spill_batch(batch: Batch, series: SeriesTable, spill: Spill) -> None:
    src = spill.source(batch.file)
    if isinstance(batch, MetricBatch):
        _metrics(batch, src, series, spill)
    elif isinstance(batch, SpanBatch):
        _spans(batch, src, spill)
    else:
        _logs(batch, src, series, spill)


def _series_ids(table: str, entity: pa.Array, name: pa.Array | str, reg: SeriesTable) -> np.ndarray:
    c = pc.dictionary_encode(entity)
    if isinstance(name, str):
        lut = np.fromiter(
            (reg.id(table, v, name) for v in c.dictionary.to_pylist()), dtype=np.int32
        )
        return lut[c.indices.to_numpy(zero_copy_only=False)]
    k = pc.dictionary_encode(name)
    key = c.indices.to_numpy(zero_copy_only=False).astype(np.int64) * len(
        k.dictionary
    ) + k.indices.to_numpy(zero_copy_only=False)
    uniq, inverse = np.unique(key, return_inverse=True)
    cs, ks = c.dictionary.to_pylist(), k.dictionary.to_pylist()
    lut = np.fromiter(
        (reg.id(table, cs[u // len(ks)], ks[u % len(ks)]) for u in uniq.tolist()),
        dtype=np.int32,
        count=len(uniq),
    )
    return lut[inverse]


def _metrics(batch: MetricBatch, src: int, reg: SeriesTable, spill: Spill) -> None:
    ids = _series_ids(batch.table, batch.entity, batch.name, reg)
    scales = np.fromiter((reg.series[i].scale for i in range(len(reg.series))), np.float64)
    table = pa.table(
        {
            "series": ids,
            "t": batch.t_ms,
            "value": batch.value * scales[ids],
            "src": np.full(len(ids), src, np.int16),
            "line": batch.line,
        }
    )
    spill.add("metrics", table, batch.t_ms)


TAGS = pa.map_(pa.string(), pa.string())


def _strings(column: pa.Array | None, n: int, default: str | None = None) -> pa.Array:
    """A pa.string() column (every hour file keeps one schema per signal)."""
    if column is None:
        return (
            pa.array([default] * n, pa.string())
            if default is not None
            else pa.nulls(n, pa.string())
        )
    return column.cast(pa.string())


def _tags(tags: tuple[tuple[str, pa.Array], ...], n: int) -> pa.Array:
    """Each row's non-empty tags as a map, in the order the reader gives the keys."""
    if not tags:
        return pa.nulls(n, TAGS)
    k = len(tags)
    values = pa.concat_arrays([pc.fill_null(c.cast(pa.string()), "") for _, c in tags])
    # values[j * n + i] is tag j of row i; entries go row by row, keys in the reader's order
    present = (pc.binary_length(values).to_numpy(zero_copy_only=False) > 0).reshape(k, n).T
    rows, cols = np.nonzero(present)
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(present.sum(axis=1), out=offsets[1:])
    keys = pa.array([key for key, _ in tags], pa.string()).take(pa.array(cols))
    items = values.take(pa.array(cols * n + rows))
    return pa.MapArray.from_arrays(pa.array(offsets), keys, items, type=TAGS)


def _spans(batch: SpanBatch, src: int, spill: Spill) -> None:
    n = len(batch.start_us)
    t_ms = batch.start_us // 1000
    table = pa.table(
        {
            "t": t_ms,
            "start_us": batch.start_us,
            "duration_us": batch.duration_us,
            "trace_id": _strings(batch.trace_id, n),
            "span_id": _strings(batch.span_id, n),
            "parent_id": _strings(batch.parent_id, n),
            "pod": _strings(batch.pod, n),
            "operation": _strings(batch.operation, n, ""),
            "span_type": _strings(batch.span_type, n, ""),
            "status": _strings(batch.status, n),
            "error": np.zeros(n, bool) if batch.error is None else batch.error,
            "tags": _tags(batch.tags, n),
            "src": np.full(n, src, np.int16),
            "line": batch.line,
        }
    )
    spill.span_pods.update(pc.unique(table.column("pod")).to_pylist())
    spill.add("traces", table, t_ms)


def _logs(batch: LogBatch, src: int, reg: SeriesTable, spill: Spill) -> None:
    n = len(batch.t_ms)
    if batch.node is not None and n:
        # each pod's node as its first row says, pods in first-row order (deterministic)
        codes = pc.dictionary_encode(batch.pod).indices.to_numpy(zero_copy_only=False)
        _, first = np.unique(codes, return_index=True)
        rows = np.sort(first)
        for pod, node in zip(batch.pod.take(rows).to_pylist(), batch.node.take(rows).to_pylist()):
            if node:
                reg.place(pod, node)
    table = pa.table(
        {
            "t": batch.t_ms,
            "pod": _strings(batch.pod, n),
            "text": _strings(batch.text, n),
            "stream": np.full(n, batch.stream, np.int8),
            "src": np.full(n, src, np.int16),
            "line": batch.line,
        }
    )
    spill.add("logs", table, batch.t_ms)
