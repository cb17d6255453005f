"""One read of every needed CSV, normalised and spilled to hour buckets on disk.

The metric files are grouped by series and `log_service` is unsorted, so rows of one chunk are
spread over the whole file. Each batch is normalised (metrics -> series id, ms, value; spans and
log lines -> their columns plus ms) and appended to an Arrow IPC file per (kind, hour); later
each hour is loaded alone, which bounds memory by an hour of data rather than by the input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc as ipc

from replaybed.compile.datasets.openrca_market import metric_names, source
from replaybed.compile.datasets.openrca_market.catalog import FILES

HOUR_MS = 3_600_000
METRIC_FILES = (
    "metric_container",
    "metric_mesh",
    "metric_node",
    "metric_runtime",
    "metric_service",
)
SERVICE_COLUMNS = ("rr", "sr", "mrt", "count")


@dataclass
class Registry:
    """Every series seen: id -> mapped labels; plus the pod -> node placement read off container ids."""

    namespace: str
    ids: dict[tuple[str, str, str], int] = field(default_factory=dict)
    mapped: list[metric_names.Mapped] = field(default_factory=list)
    sources: list[tuple[str, str]] = field(default_factory=list)  # (file name, original kpi)
    node_of: dict[str, str] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)  # file paths by source index

    def series(self, file: str, cmdb: str, kpi: str) -> int:
        key = (file, cmdb, kpi)
        sid = self.ids.get(key)
        if sid is None:
            sid = self.ids[key] = len(self.mapped)
            self.mapped.append(metric_names.MAPPERS[file](cmdb, kpi, self.namespace))
            self.sources.append((file, kpi))
            if file == "metric_container" and "." in cmdb:
                node, _, pod = cmdb.partition(".")
                self.node_of.setdefault(pod, node)
        return sid

    def scales(self) -> np.ndarray:
        return np.fromiter((m.scale for m in self.mapped), dtype=np.float64, count=len(self.mapped))


class Spill:
    def __init__(self, folder: Path, keep_hours: set[int]):
        self.folder, self.keep = folder, keep_hours
        self.writers: dict[tuple[str, int], ipc.RecordBatchFileWriter] = {}

    def add(self, kind: str, table: pa.Table, t_ms: np.ndarray) -> None:
        hours = t_ms // HOUR_MS
        for hour in np.unique(hours).tolist():
            if hour not in self.keep:
                continue
            part = table.filter(pa.array(hours == hour))
            key = (kind, hour)
            if key not in self.writers:
                self.writers[key] = ipc.new_file(
                    str(self.folder / f"{kind}-{hour}.arrow"), part.schema
                )
            self.writers[key].write_table(part)

    def close(self) -> None:
        for w in self.writers.values():
            w.close()

    def load(self, kind: str, hour: int) -> pa.Table | None:
        path = self.folder / f"{kind}-{hour}.arrow"
        if not path.exists():
            return None
        with pa.memory_map(str(path)) as mm:
            return ipc.open_file(mm).read_all()


def spill_day(day_dir: Path, reg: Registry, spill: Spill, on_file=None) -> None:
    for name, rel in FILES.items():
        path = day_dir / rel
        src = len(reg.files)
        reg.files.append(str(path))
        for first, batch in source.batches(path, name):
            rows = np.arange(first, first + batch.num_rows, dtype=np.int64)
            if name in METRIC_FILES:
                _metrics(name, batch, rows, src, reg, spill, path)
            elif name == "trace_span":
                _traces(batch, rows, src, spill)
            else:
                _logs(name, batch, rows, src, spill)
        if on_file:
            on_file(path)


def _series_ids(name: str, cmdb: pa.Array, kpi: pa.Array | str, reg: Registry) -> np.ndarray:
    c = pc.dictionary_encode(cmdb)
    if isinstance(kpi, str):
        lut = np.fromiter(
            (reg.series(name, v, kpi) for v in c.dictionary.to_pylist()), dtype=np.int32
        )
        return lut[c.indices.to_numpy(zero_copy_only=False)]
    k = pc.dictionary_encode(kpi)
    key = c.indices.to_numpy(zero_copy_only=False).astype(np.int64) * len(
        k.dictionary
    ) + k.indices.to_numpy(zero_copy_only=False)
    uniq, inverse = np.unique(key, return_inverse=True)
    cs, ks = c.dictionary.to_pylist(), k.dictionary.to_pylist()
    lut = np.fromiter(
        (reg.series(name, cs[u // len(ks)], ks[u % len(ks)]) for u in uniq.tolist()),
        dtype=np.int32,
        count=len(uniq),
    )
    return lut[inverse]


def _metrics(name, batch, rows, src, reg: Registry, spill: Spill, path: Path) -> None:
    t_ms = batch.column("timestamp").to_numpy(zero_copy_only=False) * 1000
    if name == "metric_service":
        cols = [
            (
                _series_ids(name, batch.column("service"), col, reg),
                batch.column(col).to_numpy(zero_copy_only=False),
            )
            for col in SERVICE_COLUMNS
        ]
        ids = np.concatenate([c[0] for c in cols])
        values = np.concatenate([c[1] for c in cols])
        t_ms, rows = np.tile(t_ms, len(cols)), np.tile(rows, len(cols))
    else:
        ids = _series_ids(name, batch.column("cmdb_id"), batch.column("kpi_name"), reg)
        values = batch.column("value").to_numpy(zero_copy_only=False)
    values = values * reg.scales()[ids]
    table = pa.table(
        {
            "series": ids,
            "t": t_ms,
            "value": values,
            "src": np.full(len(ids), src, np.int16),
            "row": rows,
        }
    )
    spill.add("metrics", table, t_ms)


def _traces(batch, rows, src, spill: Spill) -> None:
    t_ms = batch.column("timestamp").to_numpy(zero_copy_only=False)
    table = pa.Table.from_batches([batch]).append_column(
        "src", pa.array(np.full(len(rows), src, np.int16))
    )
    spill.add("traces", table.append_column("row", pa.array(rows)), t_ms)


def _logs(name, batch, rows, src, spill: Spill) -> None:
    t_ms = batch.column("timestamp").to_numpy(zero_copy_only=False) * 1000
    table = pa.table(
        {
            "t": t_ms,
            "pod": batch.column("cmdb_id"),
            "value": batch.column("value"),
            "kind": np.full(len(rows), 0 if name == "log_service" else 1, np.int8),
            "src": np.full(len(rows), src, np.int16),
            "row": rows,
        }
    )
    spill.add("logs", table, t_ms)
