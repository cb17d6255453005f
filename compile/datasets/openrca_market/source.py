"""Streaming reads of the Market CSV files with pyarrow, and precise errors for bad input.

With `telemetry.py`, the only Market module that imports pyarrow. Files are read in large blocks with explicit
column types; pyarrow's own messages carry no line numbers, so on failure the file is re-scanned
with the stdlib csv reader to name the physical line and what was expected there.
"""

from __future__ import annotations

import csv
import math
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from replaybed.compile.datasets.openrca_market.catalog import HEADERS
from replaybed.compile.errors import DatasetError

BLOCK_BYTES = 64 << 20
INT, FLOAT, STR = "integer", "number", "text"
KINDS = {"timestamp": INT, "duration": INT, "rr": FLOAT, "sr": FLOAT, "mrt": FLOAT, "count": FLOAT}


def kind_of(name: str, column: str) -> str:
    if column == "value":
        return FLOAT if name.startswith("metric") else STR
    return KINDS.get(column, STR)


_ARROW = {INT: pa.int64(), FLOAT: pa.float64(), STR: pa.string()}
NUMERIC = ("value", "rr", "sr", "mrt", "count", "duration")


def check_header(path: Path, name: str) -> bool:
    """Check the header (a UTF-8 BOM is accepted); return whether the file ends with a newline."""
    expected = ",".join(HEADERS[name])
    try:
        with open(path, "rb") as fh:
            first = fh.readline().decode("utf-8", "replace").rstrip("\r\n").removeprefix("\ufeff")
            fh.seek(0, 2)
            size = fh.tell()
            fh.seek(max(size - 1, 0))
            last = fh.read(1)
    except FileNotFoundError:
        raise DatasetError(
            f"missing file (expected a {name} CSV with header {expected})", file=str(path)
        ) from None
    if first != expected:
        raise DatasetError(f"header is {first!r}, expected {expected!r}", file=str(path), line=1)
    return last == b"\n"


def batches(path: Path, name: str) -> Iterator[tuple[int, pa.RecordBatch]]:
    """(index of the batch's first row, batch) for every block of the file; raises DatasetError."""
    newline_at_end = check_header(path, name)
    columns = HEADERS[name]
    types = {c: _ARROW[kind_of(name, c)] for c in columns}
    try:
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(block_size=BLOCK_BYTES, use_threads=True),
            parse_options=pacsv.ParseOptions(newlines_in_values=name.startswith("log")),
            convert_options=pacsv.ConvertOptions(
                column_types=types,
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                null_values=[],
            ),
        )
        row = 0
        for batch in reader:
            _check_finite(path, name, batch, row)
            yield row, batch
            row += batch.num_rows
    except pa.ArrowInvalid as exc:
        raise locate(path, name, str(exc)) from None
    if row and not newline_at_end:
        # pyarrow reads `132.8` of a cut `132.87` as a valid number: a file must end its last row
        raise DatasetError(
            "the file does not end with a newline: its last row may be cut short; "
            "expected every row to end with a line break",
            file=str(path),
            line=row + 1,
        )


def _check_finite(path: Path, name: str, batch: pa.RecordBatch, first_row: int) -> None:
    for col in NUMERIC:
        if col in batch.schema.names and pa.types.is_floating(batch.schema.field(col).type):
            values = batch.column(col).to_numpy(zero_copy_only=False)
            bad = np.flatnonzero(~np.isfinite(values))
            if len(bad):
                i = int(bad[0])
                raise DatasetError(
                    f"column {col!r} is {float(values[i])!r}; expected a finite number",
                    file=str(path),
                    line=first_row + i + 2,
                )


def locate(path: Path, name: str, arrow_message: str) -> DatasetError:
    """Find the first bad line with the stdlib reader (quoted fields may span lines)."""
    bad_utf8 = _bad_utf8_line(path)
    if bad_utf8 is not None:
        return DatasetError(
            "invalid UTF-8 text; expected a UTF-8 CSV", file=str(path), line=bad_utf8
        )
    columns = HEADERS[name]
    csv.field_size_limit(sys.maxsize)  # real log lines can be long; pyarrow has no such limit
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        try:
            next(reader, None)
            for row in reader:
                problem = _bad_row(name, columns, row)
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


def _bad_row(name: str, columns: tuple[str, ...], row: list[str]) -> str | None:
    if len(row) != len(columns):
        return f"{len(row)} fields, expected {len(columns)} ({','.join(columns)})"
    for col, value in zip(columns, row):
        problem = _bad_value(kind_of(name, col), value)
        if problem:
            return f"column {col!r} is {value!r}; expected {problem}"
    return None


def _bad_value(kind: str, value: str) -> str | None:
    if kind == INT:
        try:
            int(value)
        except ValueError:
            return "an integer"
    elif kind == FLOAT:
        try:
            if not math.isfinite(float(value)):
                return "a finite number"
        except ValueError:
            return "a number"
    return None
