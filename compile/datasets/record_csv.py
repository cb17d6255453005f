"""Small CSV files read with the standard library, checked row by row (the shell of a format's
record and query readers; telemetry goes through `csv_source.py` and pyarrow).

A record file is a few hundred rows that decide what gets compiled, so every row is checked: an
exact header (a UTF-8 BOM accepted), the header's number of fields in every row, UTF-8 text,
well-formed quoting, and (where the format's files are known to end with one) a final newline, so
a cut last row is not read as a complete one. Each problem is a `DatasetError` naming file and line.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from replaybed.compile.errors import DatasetError


def rows(
    path: Path, header: tuple[str, ...], *, final_newline: bool = True
) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) of every row after the header."""
    try:
        fh = open(path, newline="", encoding="utf-8-sig")  # a BOM is accepted
    except FileNotFoundError:
        raise DatasetError(
            f"missing file (expected header {','.join(header)})", file=str(path)
        ) from None
    with fh:
        if final_newline and not _ends_with_newline(path):
            raise DatasetError(
                "the file does not end with a newline: its last row may be cut short; "
                "expected every row to end with a line break",
                file=str(path),
            )
        reader = csv.reader(fh)
        try:
            first = next(reader, None)
            if tuple(first or ()) != header:
                raise DatasetError(
                    f"header is {','.join(first or [])!r}, expected {','.join(header)!r}",
                    file=str(path),
                    line=1,
                )
            for row in reader:
                if len(row) != len(header):
                    raise DatasetError(
                        f"{len(row)} fields, expected {len(header)} ({','.join(header)})",
                        file=str(path),
                        line=reader.line_num,
                    )
                yield reader.line_num, row
        except UnicodeDecodeError:
            raise DatasetError(
                "invalid UTF-8 text; expected a UTF-8 CSV", file=str(path), line=reader.line_num + 1
            ) from None
        except csv.Error as exc:
            raise DatasetError(
                f"malformed CSV ({exc}); expected rows of {','.join(header)}",
                file=str(path),
                line=reader.line_num,
            ) from None


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as fh:
        fh.seek(0, 2)
        if fh.tell() == 0:
            return True
        fh.seek(-1, 2)
        return fh.read(1) == b"\n"
