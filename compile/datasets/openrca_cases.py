"""OpenRCA's fault records as cases (pure): Market, Bank and Telecom write their faults the same
way, one row of `record.csv` per fault and row i of `query.csv` its task, so the pairing rule and
what a case holds are shared; each format keeps its own columns, checks and `original` record.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from replaybed.compile.datasets.base import Case
from replaybed.compile.errors import DatasetError
from replaybed.schemas.manifest import Analysis, Fault, Query


class RecordRow(Protocol):
    @property
    def row(self) -> int: ...  # 0-based position in record.csv
    @property
    def timestamp(self) -> int: ...  # epoch seconds
    @property
    def datetime(self) -> str: ...
    @property
    def level(self) -> str: ...
    @property
    def component(self) -> str: ...
    @property
    def reason(self) -> str: ...


class QueryRow(Protocol):
    @property
    def task_index(self) -> str: ...
    @property
    def instruction(self) -> str: ...
    @property
    def scoring_points(self) -> str: ...


def check_counts(records: int, queries: int, record_file: Path, query_file: Path) -> None:
    if queries != records:
        raise DatasetError(
            f"{queries} query rows, expected {records} (row i belongs to row i of "
            f"{record_file.name})",
            file=str(query_file),
        )


def case(
    r: RecordRow,
    q: QueryRow,
    *,
    accepted: tuple[str, ...],
    analysis: Analysis | None,
    original: dict[str, str],
    file: Path,
    line: int,
) -> Case:
    """Case `NNN` (the record's row) at the record's time, with its task."""
    fault = Fault(
        r.row,
        r.timestamp,
        r.datetime,
        r.level,
        r.component,
        r.reason,
        accepted=accepted,
        analysis=analysis,
        original=original,
    )
    query = Query(q.task_index, q.instruction, q.scoring_points)
    return Case(f"{r.row:03d}", r.timestamp * 1000, fault, query, str(file), line)
