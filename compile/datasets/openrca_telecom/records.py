"""Telecom record.csv / query.csv rows: the fault ground truth and the matching task instructions.

Row i of query.csv belongs to row i of record.csv. Both are small, so they are read with the
standard csv module and validated completely, each bad row named by file and line: the column
order `level,reason,component,timestamp,datetime` (not Market's), an integer epoch-second
timestamp whose UTC+8 rendering is `datetime`, a level of node/pod/service, a reason of that
level (pod: CPU fault; node: network delay/loss; service: db connection limit/db close) and a
component of that level (os_001-022, docker_001-008, db_001-013).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path

from replaybed.compile.datasets import record_csv
from replaybed.compile.datasets.openrca_telecom.catalog import (
    LEVEL_COMPONENTS,
    LEVEL_REASONS,
    QUERY_HEADER,
    RECORD_HEADER,
    UTC8,
)
from replaybed.compile.errors import DatasetError

VENDORED = "data/openrca-telecom-records.csv"


@dataclass(frozen=True)
class Record:
    row: int
    timestamp: int
    level: str
    component: str
    reason: str
    datetime: str
    line: int  # physical line in record.csv


@dataclass(frozen=True)
class QueryRow:
    task_index: str
    instruction: str
    scoring_points: str


def vendored() -> list[tuple[Record, QueryRow]]:
    """The 51 real records and their queries, in the real row order (data/ beside this module)."""
    text = (
        resources.files("replaybed.compile.datasets.openrca_telecom")
        .joinpath(VENDORED)
        .read_text("utf-8")
    )
    rows = sorted(csv.DictReader(io.StringIO(text)), key=lambda r: int(r["row_id"]))
    return [
        (
            Record(
                int(r["row_id"]),
                int(r["timestamp"]),
                r["level"],
                r["component"],
                r["reason"],
                r["datetime"],
                int(r["row_id"]) + 2,
            ),
            QueryRow(r["task_index"], r["instruction"], r["scoring_points_reconstructed"]),
        )
        for r in rows
    ]


def read_records(path: Path) -> list[Record]:
    records: list[Record] = []
    for line, row in record_csv.rows(path, RECORD_HEADER):
        level, reason, component, ts, dt = row

        def bad(message: str, line: int = line) -> DatasetError:
            return DatasetError(message, file=str(path), line=line)

        try:
            timestamp = int(ts)
        except ValueError:
            raise bad(f"timestamp {ts!r} is not an integer epoch second") from None
        if level not in LEVEL_REASONS:
            raise bad(f"level {level!r}; expected one of {', '.join(LEVEL_REASONS)}")
        if reason not in LEVEL_REASONS[level]:
            raise bad(
                f"reason {reason!r} is not a Telecom {level}-level reason; expected one of "
                f"{', '.join(LEVEL_REASONS[level])}"
            )
        if component not in LEVEL_COMPONENTS[level]:
            components = LEVEL_COMPONENTS[level]
            raise bad(
                f"component {component!r} is not a Telecom {level}; expected one of "
                f"{components[0]} .. {components[-1]}"
            )
        try:
            expected_dt = datetime.fromtimestamp(timestamp, UTC8).strftime("%Y-%m-%d %H:%M:%S")
        except (ValueError, OverflowError, OSError):  # e.g. ms: a year past 9999
            raise bad(
                f"timestamp {timestamp} is no date of this era; expected epoch seconds"
            ) from None
        if dt != expected_dt:
            raise bad(
                f"datetime {dt!r} is not the UTC+8 time of timestamp {timestamp} "
                f"({expected_dt}); expected epoch seconds"
            )
        records.append(Record(len(records), timestamp, level, component, reason, dt, line))
    return records


def read_queries(path: Path) -> list[QueryRow]:
    return [QueryRow(*row) for _, row in record_csv.rows(path, QUERY_HEADER)]
