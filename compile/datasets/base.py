"""The seam between a dataset format and the compiler: what a format must say and yield.

A format is one package under `compile/datasets/<format>/` whose `format` module exposes `FORMAT`,
an object with the `DatasetFormat` shape. Everything past this seam (scenario windows, spill,
encoders, manifests, the store) works on the types below and never on a format's own files.

A format answers, for a dataset folder:
- `recognise(folder)`: is this folder (or its `<Name>/` child) a dataset of this format?
- `systems(folder)`: the systems present (Market: `cloudbed-1`, `cloudbed-2`; Bank: one system).
- `open(folder, system)` -> a `System`: its `info` (scenario-id dataset, namespace to replay into,
  time zone, signals, answer space), its `cases()` (fault records, with query when the format has
  one), its `coverage()` (dataset time spans the telemetry covers: faults must lie inside them and
  fault-free windows are laid inside them), its `topology()` and `read(spans)`: the normalised
  rows of every signal that may fall in `spans`.
- `map_metric(table, entity, name, namespace)`: the Prometheus series of a metric row (valid
  names, `namespace`, and `pod`/`instance` wherever the data names a pod), and `metric_tables()`,
  the names it documents (`docs/metric-mapping/<format>.md` is generated from both).

Normalised rows (one unit per signal, converted once, in the reader):
- metrics, `MetricBatch`: long rows (entity, KPI name, epoch ms, float value). A wide file (one
  row = many series) is yielded as one batch per value column with that column's name as `name`.
- spans, `SpanBatch`: start in epoch µs, duration in µs, the dataset's own ids as text (the
  encoder maps ids that are not 32/16 hex to Jaeger ids, see `compile/trace_ids.py`), parent ""
  for a root whatever the format's root marker is; operation, span type and status may be absent;
  any other column worth keeping becomes a string tag (`tags`).
String columns are `pa.string()` arrays (other string types are cast), numbers numpy arrays.
- logs, `LogBatch`: epoch ms, pod, the line's text; `stream` orders equal-time lines of one pod
  from different files (Market: log_service before log_proxy).
Every batch names its file and the physical line of every row, so errors found later (conflicting
samples, bad ids) still say where. Values a reader cannot convert are its own errors
(`DatasetError` with file, line, expected and found), raised before anything is published.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from replaybed.schemas.manifest import SIGNALS, AnswerSpace, Fault, Pod, Query

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

__all__ = [
    "SIGNALS",
    "Case",
    "DatasetFormat",
    "LogBatch",
    "MetricBatch",
    "MetricTable",
    "Series",
    "SpanBatch",
    "System",
    "SystemInfo",
    "Topology",
]


@dataclass(frozen=True)
class SystemInfo:
    """What a system is, for scenario ids and manifests."""

    dataset: str  # the scenario-id dataset, e.g. "openrca-market"
    system: str  # e.g. "cloudbed-1"
    namespace: str  # the Kubernetes namespace a scenario replays into
    tz: str  # the dataset's wall-clock zone as a UTC offset, e.g. "+08:00"
    signals: tuple[str, ...]  # which of SIGNALS this system's telemetry has
    answer_space: AnswerSpace


@dataclass(frozen=True)
class Case:
    """One fault record: its scenario name, instant and record (and query, if any), and where it is."""

    name: str  # scenario name, e.g. "017"
    time_ms: int  # the fault instant, epoch ms
    fault: Fault
    query: Query | None
    file: str  # where the record was read, for errors
    line: int | None  # None when the record file has no lines to name (e.g. a JSON list)


@dataclass(frozen=True)
class Topology:
    """The components a format knows up front. Nodes a reader learns from the data (`Series.placement`,
    `LogBatch.node`) are added by the compiler; pods seen in the data get `System.service_of`."""

    pods: tuple[Pod, ...]
    services: tuple[str, ...]
    nodes: tuple[str, ...]


@dataclass(frozen=True)
class Series:
    """One Prometheus series identity: labels sorted by byte order, `__name__` included.

    `scale` multiplies every value (e.g. MB -> bytes); `unknown` marks a name outside the format's
    documented rules (kept under a sanitised name, counted in manifests, never dropped);
    `placement` is a (pod, node) pair the series proves (Market: container ids `<node>.<pod>`).
    """

    labels: tuple[tuple[str, str], ...]
    scale: float = 1.0
    unknown: bool = False
    placement: tuple[str, str] | None = None

    @property
    def name(self) -> str:
        return dict(self.labels)["__name__"]


@dataclass(frozen=True)
class MetricTable:
    """One metric table of a format, for the generated name-mapping docs."""

    table: str
    example_entity: str
    names: tuple[str, ...]


@dataclass(frozen=True)
class MetricBatch:
    table: str  # the format's table name: picks the name mapping (`DatasetFormat.map_metric`)
    entity: pa.Array  # string: the component id per row (cmdb_id, pod, service ...)
    name: pa.Array | str  # string KPI name per row, or one name for the whole batch
    t_ms: np.ndarray  # int64 epoch ms
    value: np.ndarray  # float64, before the mapping's scale
    file: str
    line: np.ndarray  # int64 physical line of each row


@dataclass(frozen=True)
class SpanBatch:
    start_us: np.ndarray  # int64 epoch µs
    duration_us: np.ndarray  # int64 µs, >= 0
    trace_id: pa.Array  # string, the dataset's id
    span_id: pa.Array  # string, the dataset's id
    parent_id: pa.Array  # string, "" for a root
    pod: pa.Array  # string: the pod (or host) that ran the span = the Jaeger process
    file: str
    line: np.ndarray  # int64
    operation: pa.Array | None = None  # string; absent -> ""
    span_type: pa.Array | None = None  # string -> tag `span.type` when not empty
    status: pa.Array | None = None  # string -> tag `status.code` (kept even when empty)
    error: np.ndarray | None = None  # bool -> tag `error=true`
    # more string tags, (key, string column) each; empty values are left out
    tags: tuple[tuple[str, pa.Array], ...] = ()


@dataclass(frozen=True)
class LogBatch:
    t_ms: np.ndarray  # int64 epoch ms
    pod: pa.Array  # string
    text: pa.Array  # string: printed as is
    file: str
    line: np.ndarray  # int64
    stream: int = 0  # orders one pod's lines of equal time across files (lower first)
    node: pa.Array | None = None  # string: the pod's node, if the file says it


Batch = MetricBatch | SpanBatch | LogBatch


class System(Protocol):
    info: SystemInfo

    def cases(self) -> list[Case]:
        """Every fault record, in the format's record order; raises DatasetError on bad records."""
        ...

    def coverage(self) -> list[tuple[int, int]]:
        """[start, end) epoch-ms spans the telemetry covers, for fault checks and fault-free windows."""
        ...

    def topology(self) -> Topology: ...

    def service_of(self, pod: str) -> str: ...

    def read(self, spans: Sequence[tuple[int, int]]) -> Iterator[Batch]:
        """Normalised rows of every file that may hold rows inside `spans` (rows outside may come too).

        What can be checked without reading rows (a missing folder or file) is best raised when
        this is called rather than when iterated: the compile calls it for every shard it is
        about to build before it starts any, so such an error comes before any work."""
        ...


class DatasetFormat(Protocol):
    name: str  # e.g. "openrca-market"; also the dataset part of scenario ids
    title: str  # one line for `replaybed formats`
    layout: str  # the folder layout recognise() looks for, for error messages
    signals: tuple[str, ...]  # what the format can provide
    synth: str | None  # "module:attribute" of the twin's click command, or None

    def recognise(self, folder: Path) -> bool: ...

    def systems(self, folder: Path) -> tuple[str, ...]: ...

    def open(self, folder: Path, system: str) -> System: ...

    def metric_tables(self) -> tuple[MetricTable, ...]: ...

    def map_metric(self, table: str, entity: str, name: str, namespace: str) -> Series:
        """The series of one (table, entity, KPI name); pure, total (never raises on odd names)."""
        ...
