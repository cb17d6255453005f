"""record.csv / query.csv rows: the fault ground truth and the matching task instructions.

Row i of query.csv belongs to row i of record.csv. Both are small, so they are read with the
standard csv module and validated completely: a bad row is named by file and line.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path

from replaybed.compile.datasets import record_csv
from replaybed.compile.datasets.openrca_market.catalog import (
    CLOUDBEDS,
    QUERY_HEADER,
    REASONS,
    RECORD_HEADER,
    UTC8,
)
from replaybed.compile.errors import DatasetError

LEVELS = ("node", "pod", "service")


@dataclass(frozen=True)
class Record:
    row: int
    timestamp: int
    level: str
    component: str
    reason: str
    datetime: str


@dataclass(frozen=True)
class QueryRow:
    task_index: str
    instruction: str
    scoring_points: str


def vendored(cloudbed: str) -> list[tuple[Record, QueryRow]]:
    """The real records and queries of one cloudbed, in the real row order (data/ beside this module)."""
    if cloudbed not in CLOUDBEDS:
        raise DatasetError(f"unknown cloudbed {cloudbed!r}: expected one of {', '.join(CLOUDBEDS)}")
    text = (
        resources.files("replaybed.compile.datasets.openrca_market")
        .joinpath("data/openrca-market-records.csv")
        .read_text("utf-8")
    )
    rows = [r for r in csv.DictReader(io.StringIO(text)) if r["cloudbed"] == cloudbed]
    rows.sort(key=lambda r: int(r["row_id"]))
    return [
        (
            Record(
                int(r["row_id"]),
                int(r["timestamp"]),
                r["level"],
                r["component"],
                r["reason"],
                r["datetime"],
            ),
            QueryRow(r["task_index"], r["instruction"], r["scoring_points_reconstructed"]),
        )
        for r in rows
    ]


def read_records(path: Path) -> list[Record]:
    records: list[Record] = []
    for line, row in record_csv.rows(path, RECORD_HEADER, final_newline=False):
        ts, level, component, reason, dt = row
        try:
            timestamp = int(ts)
        except ValueError:
            raise DatasetError(
                f"timestamp {ts!r} is not an integer epoch second", file=str(path), line=line
            ) from None
        if level not in LEVELS:
            raise DatasetError(
                f"level {level!r}: expected one of {', '.join(LEVELS)}", file=str(path), line=line
            )
        if reason not in REASONS:
            raise DatasetError(
                f"reason {reason!r} is not one of the 15 Market fault reasons",
                file=str(path),
                line=line,
            )
        expected_dt = datetime.fromtimestamp(timestamp, UTC8).strftime("%Y-%m-%d %H:%M:%S")
        if dt != expected_dt:
            raise DatasetError(
                f"datetime {dt!r} is not the UTC+8 time of timestamp {timestamp} ({expected_dt})",
                file=str(path),
                line=line,
            )
        records.append(Record(len(records), timestamp, level, component, reason, dt))
    return records


def read_queries(path: Path) -> list[QueryRow]:
    return [QueryRow(*row) for _, row in record_csv.rows(path, QUERY_HEADER, final_newline=False)]
