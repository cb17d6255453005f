"""The Nezha CSV files as `csv_source` specs: which columns are integers, numbers and text.

Metric values are numbers and may be `NaN` (latency columns of a pod that served no request in
the minute: the value Prometheus itself returned, and one it can store); `TimeStamp` and the
trace times are integers; log and trace values never hold a raw line break (Docker escapes them
inside the JSON record). A missing final newline is an error for metric files (a cut last
value would still parse) and accepted for minute files, whose last column proves a row complete.
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
    # the last column (a span's Duration, a log's JSON record) proves a row complete: a cut
    # Duration differs from End - Start, a cut record is not JSON; real minute files (TT
    # 2023-01-29 15_44) end without a final newline
    kinds = tuple((c, INT if c in _INTS else STR) for c in header)
    return CsvSpec(name, kinds, last_row_checked=True)


SPECS = {
    "pod_metric": _metric_spec("Nezha <pod>_metric.csv", POD_METRIC_HEADER),
    "front_service": _metric_spec("Nezha front_service.csv", FRONT_HEADER),
    # a file of `errata.NO_FINAL_NEWLINE` (its last row was checked by hand)
    "pod_metric_unterminated": CsvSpec(
        "Nezha <pod>_metric.csv",
        _metric_spec("", POD_METRIC_HEADER).columns,
        allow_nan=True,
        last_row_checked=True,
    ),
    "trace": _text_spec("Nezha HH_MM_trace.csv", TRACE_HEADER),
    "log": _text_spec("Nezha HH_MM_log.csv", LOG_HEADER),
}


def batches(path: Path, kind: str) -> Iterator[tuple[int, pa.RecordBatch]]:
    """(index of the batch's first row, batch) for every block of the file; raises DatasetError."""
    return csv_source.batches(path, SPECS[kind])
