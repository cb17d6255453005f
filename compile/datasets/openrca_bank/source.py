"""The Bank CSV files as `csv_source` specs: which columns are integers, numbers and text.

Metric and log timestamps are integer seconds, span timestamps and durations integer ms. Metric
values may be NaN: Prometheus stores NaN, and the real files were never shown to hold none (an
app KPI such as `mrt` has no value in a minute without requests), so a NaN is kept, never a
reason to reject a whole dataset; ±inf is refused. `cnt` is read as a number (a count written
`22.0` is still a count). Ids are text: span ids are 20-digit decimals beyond int64.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from replaybed.compile.datasets import csv_source
from replaybed.compile.datasets.csv_source import FLOAT, INT, STR, CsvSpec
from replaybed.compile.datasets.openrca_bank.catalog import HEADERS

KINDS = {
    "metric_app": {"timestamp": INT, "rr": FLOAT, "sr": FLOAT, "cnt": FLOAT, "mrt": FLOAT},
    "metric_container": {"timestamp": INT, "value": FLOAT},
    "trace_span": {"timestamp": INT, "duration": INT},
    "log_service": {"timestamp": INT},
}
SPECS = {
    name: CsvSpec(
        name,
        tuple((c, KINDS[name].get(c, STR)) for c in columns),
        multiline=name == "log_service",
        allow_nan=name.startswith("metric"),
    )
    for name, columns in HEADERS.items()
}


def batches(path: Path, name: str) -> Iterator[tuple[int, pa.RecordBatch]]:
    """(index of the batch's first row, batch) for every block of the file; raises DatasetError."""
    return csv_source.batches(path, SPECS[name])
