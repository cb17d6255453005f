"""The Nezha CSV files as `csv_source` specs: which columns are integers, numbers and text.

Metric values are numbers and may be `NaN` (latency columns of a pod that served no request in
the minute: the value Prometheus itself returned, and one it can store); `TimeStamp` and the
trace times are integers; log and trace values never hold a raw line break (Docker escapes them
inside the JSON record).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from replaybed.compile.datasets import csv_source
from replaybed.compile.datasets.csv_source import FLOAT, INT, STR, CsvSpec
from replaybed.compile.datasets.nezha.catalog import (
    FRONT_HEADER,
    LOG_HEADER,
    POD_METRIC_HEADER,
    TRACE_HEADER,
)

_INTS = {"TimeStamp", "StartTimeUnixNano", "EndTimeUnixNano", "Duration", "TimeUnixNano"}
_TEXT = {"Time", "PodName", "ServiceName"}


def _metric_spec(name: str, header: tuple[str, ...]) -> CsvSpec:
    kinds = tuple((c, INT if c in _INTS else STR if c in _TEXT else FLOAT) for c in header)
    return CsvSpec(name, kinds, allow_nan=True)


def _text_spec(name: str, header: tuple[str, ...]) -> CsvSpec:
    return CsvSpec(name, tuple((c, INT if c in _INTS else STR) for c in header))


SPECS = {
    "pod_metric": _metric_spec("Nezha <pod>_metric.csv", POD_METRIC_HEADER),
    "front_service": _metric_spec("Nezha front_service.csv", FRONT_HEADER),
    "trace": _text_spec("Nezha HH_MM_trace.csv", TRACE_HEADER),
    "log": _text_spec("Nezha HH_MM_log.csv", LOG_HEADER),
}


def batches(path: Path, kind: str) -> Iterator[tuple[int, pa.RecordBatch]]:
    """(index of the batch's first row, batch) for every block of the file; raises DatasetError."""
    return csv_source.batches(path, SPECS[kind])
