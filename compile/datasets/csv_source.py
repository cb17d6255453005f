"""Streaming reads of a dataset's CSV files with pyarrow, and precise errors for bad input.

For every format whose files are CSV. A `CsvSpec` names the header and each column's kind;
files are read in large blocks with explicit column types. pyarrow's own messages carry no line
numbers, so on failure the file is re-scanned (stdlib csv, no field-size limit) to name the
physical line and what was expected there. Checked for every file: the exact header (a UTF-8 BOM
is accepted), field counts, integers, numbers (finite unless the spec allows NaN), valid UTF-8,
and a final newline (pyarrow reads the `132.8` of a cut `132.87` as a valid number).
"""

from __future__ import annotations

import csv
import math
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from replaybed.compile.errors import DatasetError

BLOCK_BYTES = 64 << 20
INT, FLOAT, STR = "integer", "number", "text"
_ARROW = {INT: pa.int64(), FLOAT: pa.float64(), STR: pa.string()}


@dataclass(frozen=True)
class CsvSpec:
    name: str  # what the file is, for messages (e.g. "metric_node")
    columns: tuple[tuple[str, str], ...]  # (column, INT | FLOAT | STR) in file order
    multiline: bool = False  # quoted values may hold line breaks
    allow_nan: bool = False  # FLOAT columns may hold NaN (never ±inf)
    # the format proves a row complete by its own checks (e.g. a JSON value that must parse, a
    # duration that must equal end - start), so a last row without a final newline is accepted
    last_row_checked: bool = False

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c for c, _ in self.columns)

    @property
    def header(self) -> str:
        return ",".join(self.names)


def check_header(path: Path, spec: CsvSpec) -> bool:
    """Check the header (a UTF-8 BOM is accepted); return whether the file ends with a newline."""
    try:
        with open(path, "rb") as fh:
            first = fh.readline().decode("utf-8", "replace").rstrip("\r\n").removeprefix("\ufeff")
            fh.seek(0, 2)
            size = fh.tell()
            fh.seek(max(size - 1, 0))
            last = fh.read(1)
    except FileNotFoundError:
        raise DatasetError(
            f"missing file (expected a {spec.name} CSV with header {spec.header})", file=str(path)
        ) from None
    if first != spec.header:
        raise DatasetError(f"header is {first!r}, expected {spec.header!r}", file=str(path), line=1)
    return last == b"\n"


def batches(
    path: Path, spec: CsvSpec, block_bytes: int = BLOCK_BYTES
) -> Iterator[tuple[int, pa.RecordBatch]]:
    """(index of the batch's first row, batch) for every block of the file; raises DatasetError."""
    newline_at_end = check_header(path, spec)
    try:
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(block_size=block_bytes, use_threads=True),
            parse_options=pacsv.ParseOptions(newlines_in_values=spec.multiline),
            convert_options=pacsv.ConvertOptions(
                column_types={c: _ARROW[kind] for c, kind in spec.columns},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                null_values=[],
            ),
        )
        row = 0
        for batch in reader:
            _check_finite(path, spec, batch, row)
            yield row, batch
            row += batch.num_rows
    except pa.ArrowInvalid as exc:
        raise locate(path, spec, str(exc)) from None
    if row and not newline_at_end and not spec.last_row_checked:
        raise DatasetError(
            "the file does not end with a newline: its last row may be cut short; "
            "expected every row to end with a line break",
            file=str(path),
            line=row + 1,
        )


def lines_of(first_row: int, batch: pa.RecordBatch) -> np.ndarray:
    """Physical line of each row, for files whose values hold no line breaks (header = line 1)."""
    return np.arange(first_row + 2, first_row + 2 + batch.num_rows, dtype=np.int64)


def check_in_day(
    path: Path, raw: np.ndarray, line: np.ndarray, *, unit_ms: int, bounds: tuple[int, int]
) -> None:
    """Every row's time (`raw` epoch units of `unit_ms` ms) inside its UTC+8 day folder's
    `bounds` (epoch ms): a time written in s where ms belong, or back, lands days away."""
    t = raw * unit_ms
    outside = np.flatnonzero((t < bounds[0]) | (t >= bounds[1]))
    if len(outside):
        i = int(outside[0])
        what = "epoch milliseconds" if unit_ms == 1 else "epoch seconds"
        raise DatasetError(
            f"timestamp {int(raw[i])} lies outside the day folder {path.parents[1].name} (UTC+8); "
            f"expected {what} within that day",
            file=str(path),
            line=int(line[i]),
        )


def _check_finite(path: Path, spec: CsvSpec, batch: pa.RecordBatch, first_row: int) -> None:
    for col, kind in spec.columns:
        if kind != FLOAT:
            continue
        values = batch.column(col).to_numpy(zero_copy_only=False)
        bad = np.flatnonzero(np.isinf(values) if spec.allow_nan else ~np.isfinite(values))
        if len(bad):
            i = int(bad[0])
            raise DatasetError(
                f"column {col!r} is {float(values[i])!r}; expected a finite number",
                file=str(path),
                line=first_row + i + 2,
            )


def locate(path: Path, spec: CsvSpec, arrow_message: str) -> DatasetError:
    """Find the first bad line with the stdlib reader (quoted fields may span lines)."""
    bad_utf8 = _bad_utf8_line(path)
    if bad_utf8 is not None:
        return DatasetError(
            "invalid UTF-8 text; expected a UTF-8 CSV", file=str(path), line=bad_utf8
        )
    csv.field_size_limit(sys.maxsize)  # real log lines can be long; pyarrow has no such limit
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        try:
            next(reader, None)
            for row in reader:
                problem = _bad_row(spec, row)
                if problem:
                    return DatasetError(problem, file=str(path), line=reader.line_num)
        except csv.Error as exc:
            return DatasetError(f"malformed CSV ({exc})", file=str(path), line=reader.line_num)
    return DatasetError(f"unreadable CSV ({arrow_message})", file=str(path))


def _bad_utf8_line(path: Path) -> int | None:
    with open(path, "rb") as fh:
        for number, raw in enumerate(fh, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return None


def _bad_row(spec: CsvSpec, row: list[str]) -> str | None:
    if len(row) != len(spec.columns):
        return f"{len(row)} fields, expected {len(spec.columns)} ({spec.header})"
    for (col, kind), value in zip(spec.columns, row):
        problem = _bad_value(kind, value, spec.allow_nan)
        if problem:
            return f"column {col!r} is {value!r}; expected {problem}"
    return None


def _bad_value(kind: str, value: str, allow_nan: bool) -> str | None:
    if kind == INT:
        try:
            int(value)
        except ValueError:
            return "an integer"
    elif kind == FLOAT:
        try:
            number = float(value)
        except ValueError:
            return "a number"
        if math.isinf(number) or (math.isnan(number) and not allow_nan):
            return "a finite number"
    return None
