"""The Market CSV files as `csv_source` specs: which columns are integers, numbers and text.

Metric and log timestamps are integer seconds, span timestamps integer ms, durations integer µs;
metric values and the `metric_service` columns are finite numbers (the real files hold no NaN);
log values may span lines.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from replaybed.compile.datasets import csv_source
from replaybed.compile.datasets.csv_source import FLOAT, INT, STR, CsvSpec
from replaybed.compile.datasets.openrca_market.catalog import HEADERS

KINDS = {"timestamp": INT, "duration": INT, "rr": FLOAT, "sr": FLOAT, "mrt": FLOAT, "count": FLOAT}


def kind_of(name: str, column: str) -> str:
    if column == "value":
        return FLOAT if name.startswith("metric") else STR
    return KINDS.get(column, STR)


SPECS = {
    name: CsvSpec(name, tuple((c, kind_of(name, c)) for c in columns), name.startswith("log"))
    for name, columns in HEADERS.items()
}


def batches(path: Path, name: str) -> Iterator[tuple[int, pa.RecordBatch]]:
    """(index of the batch's first row, batch) for every block of the file; raises DatasetError."""
    return csv_source.batches(path, SPECS[name])
