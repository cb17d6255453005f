"""record.csv / query.csv of OpenRCA Bank: the fault ground truth and the matching task rows.

Bank's record columns are `level,component,timestamp,datetime,reason` (not Market's order) and its
timestamps are written as floats (`1614841020.0`): read by column name, and a timestamp must be a
whole number of seconds. Row i of query.csv belongs to row i of record.csv; rows are grouped by
fault family, not by time, and that order is kept. Both files are small: read with the stdlib csv
module and checked completely, a bad row named by file and line.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path

from replaybed.compile.datasets import openrca_cases, record_csv
from replaybed.compile.datasets.openrca_bank.catalog import (
    COMPONENTS,
    QUERY_HEADER,
    REASONS,
    RECORD_HEADER,
    UTC8,
)
from replaybed.compile.errors import DatasetError

LEVEL = "pod"  # OpenRCA README: "For Bank: All components are at pod level"


@dataclass(frozen=True)
class Record:
    row: int
    timestamp: int  # epoch seconds
    text: str  # the timestamp as the file writes it (`1614841020.0`)
    level: str
    component: str
    reason: str
    datetime: str
    line: int


@dataclass(frozen=True)
class QueryRow:
    task_index: str
    instruction: str
    scoring_points: str
    line: int


def vendored() -> list[tuple[Record, QueryRow]]:
    """The real 136 records and their queries, in the real row order (data/ beside this module)."""
    text = (
        resources.files("replaybed.compile.datasets.openrca_bank")
        .joinpath("data/openrca-bank-records.csv")
        .read_text("utf-8")
    )
    rows = sorted(csv.DictReader(io.StringIO(text)), key=lambda r: int(r["row_id"]))
    return [
        (
            Record(
                int(r["row_id"]),
                _seconds(r["timestamp"]),
                r["timestamp"],
                r["level"],
                r["component"],
                r["reason"],
                r["datetime"],
                int(r["row_id"]) + 2,
            ),
            QueryRow(
                r["task_index"],
                r["instruction"],
                r["scoring_points_reconstructed"],
                int(r["row_id"]) + 2,
            ),
        )
        for r in rows
    ]


def _seconds(text: str) -> int:
    value = float(text)
    if not math.isfinite(value) or value != int(value):
        raise ValueError(text)
    return int(value)


def read_records(path: Path) -> list[Record]:
    records: list[Record] = []
    for line, row in record_csv.rows(path, RECORD_HEADER):
        level, component, ts, dt, reason = row
        try:
            timestamp = _seconds(ts)
        except ValueError:
            raise DatasetError(
                f"timestamp {ts!r}; expected whole epoch seconds (written like 1614841020.0)",
                file=str(path),
                line=line,
            ) from None
        if level != LEVEL:
            raise DatasetError(
                f"level {level!r}; expected {LEVEL!r} (every Bank component is at pod level)",
                file=str(path),
                line=line,
            )
        if component not in COMPONENTS:
            raise DatasetError(
                f"component {component!r} is not a Bank component; expected one of "
                f"{', '.join(COMPONENTS)}",
                file=str(path),
                line=line,
            )
        if reason not in REASONS:
            raise DatasetError(
                f"reason {reason!r}; expected one of the 8 Bank reasons ({', '.join(REASONS)})",
                file=str(path),
                line=line,
            )
        expected_dt = datetime.fromtimestamp(timestamp, UTC8).strftime("%Y-%m-%d %H:%M:%S")
        if dt != expected_dt:
            raise DatasetError(
                f"datetime {dt!r} is not the UTC+8 time of timestamp {ts} ({expected_dt})",
                file=str(path),
                line=line,
            )
        records.append(Record(len(records), timestamp, ts, level, component, reason, dt, line))
    return records


def read_queries(path: Path) -> list[QueryRow]:
    return [
        QueryRow(row[0], row[1], row[2], line) for line, row in record_csv.rows(path, QUERY_HEADER)
    ]


def check_pairs(
    records: list[Record], queries: list[QueryRow], record_file: Path, query_file: Path
):
    """Row i of query.csv belongs to row i of record.csv: same count, and each query's scoring
    points name its record's time, component or reason (every OpenRCA task asks one of them)."""
    openrca_cases.check_counts(len(records), len(queries), record_file, query_file)
    for r, q in zip(records, queries):
        if not any(x in q.scoring_points for x in (r.datetime, r.component, r.reason)):
            raise DatasetError(
                f"query row {r.row} does not belong to record row {r.row} ({r.datetime}, "
                f"{r.component}, {r.reason} at {record_file.name}:{r.line}): its scoring points "
                "name none of them; expected the rows of both files in the same order",
                file=str(query_file),
                line=q.line,
            )
