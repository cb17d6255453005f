"""`--out FILE`: the exact request bodies a backend would receive, instead of sending them.

Each body is prefixed by its length as u32 little-endian, so the file can be replayed or
inspected body by body (metrics bodies are snappy-compressed, as sent).
"""

from __future__ import annotations

import struct
from typing import BinaryIO

from replaybed.runtime.report import Report

_LENGTH = struct.Struct("<I")


class OutFile:
    def __init__(self, sink: BinaryIO, report: Report):
        self.sink, self.report = sink, report

    def push(self, body: bytes, items: int) -> None:
        self.sink.write(_LENGTH.pack(len(body)))
        self.sink.write(body)
        self.report.requests += 1
        self.report.bytes += len(body)
        self.report.items += items

    def drain(self) -> None:
        self.sink.flush()
