"""Pod logs: `<RFC 3339 shifted time> <original line>` on stdout (what `kubectl logs` shows) or
into `--out FILE`."""

from __future__ import annotations

from typing import BinaryIO

from replaybed.runtime.clock import rfc3339
from replaybed.runtime.report import Report


def stamped(due_ms: int, line: bytes) -> bytes:
    """`<RFC 3339 time> <text>` for every physical line of one record.

    A record may hold newlines (a quoted CSV value spanning lines, a stack trace): each of its
    lines gets the prefix, so a reader that splits on newlines never sees an undated line.
    """
    prefix = rfc3339(due_ms).encode() + b" "
    return b"".join(prefix + part + b"\n" for part in line.split(b"\n"))


class LogPrinter:
    def __init__(self, sink: BinaryIO, report: Report):
        self.sink, self.report = sink, report

    def print(self, due_ms: int, line: bytes) -> None:
        self.sink.write(stamped(due_ms, line))
        self.report.items += 1
        self.report.bytes += len(line)

    def flush(self) -> None:
        # before waiting for the next line's time: what is due is visible now, not at exit
        self.sink.flush()
