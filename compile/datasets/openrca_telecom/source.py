"""The Telecom CSV files as `csv_source` specs: which columns are integers, numbers and text.

Every time column (`timestamp`, `startTime`) is an integer epoch ms; `itemid`, `num` and
`succee_num` are integers; `value`, `avg_time`, `succee_rate` numbers that may be NaN (Prometheus
stores NaN, so a NaN sample is kept, never a reason to refuse the dataset; an empty field is not a
number and is refused with its line); `elapsedTime` a finite number of ms (`2.0`). Ids, names and
`success` are text, checked by the reader (`telemetry`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from replaybed.compile.datasets import csv_source
from replaybed.compile.datasets.csv_source import FLOAT, INT, STR, CsvSpec
from replaybed.compile.datasets.openrca_telecom.catalog import HEADERS

KINDS = {
    "itemid": INT,
    "timestamp": INT,
    "startTime": INT,
    "value": FLOAT,
    "avg_time": FLOAT,
    "num": INT,
    "succee_num": INT,
    "succee_rate": FLOAT,
    "elapsedTime": FLOAT,
}

SPECS = {
    name: CsvSpec(
        name,
        tuple((c, KINDS.get(c, STR)) for c in columns),
        allow_nan=name.startswith("metric"),
    )
    for name, columns in HEADERS.items()
}


def batches(path: Path, name: str) -> Iterator[tuple[int, pa.RecordBatch]]:
    """(index of the batch's first row, batch) for every block of the file; raises DatasetError."""
    return csv_source.batches(path, SPECS[name])
