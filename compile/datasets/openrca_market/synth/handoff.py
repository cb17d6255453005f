"""How a work item's bytes reach the writer: in memory, or through a file the writer copies from.

Sending tens of MB per item back through a worker pipe costs four user-space copies and a context
switch per 64 KiB; a worker instead writes its bytes once into a hand-off file next to the
output, and the writer moves them into place with `copy_file_range` (a copy inside the kernel),
reading only the few rows it has to merge.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

from replaybed.compile.datasets.openrca_market.synth.chunks import Chunk
from replaybed.compile.datasets.openrca_market.synth.traffic import TrafficBlock

STEP = 1 << 26


@dataclass(frozen=True)
class Piece:
    """Bytes an item made: `data` in memory, or [offset, offset + length) of the file `path`."""

    length: int
    data: bytes | None = None
    path: str | None = None
    offset: int = 0

    def read(self, start: int = 0, stop: int | None = None) -> bytes:
        stop = self.length if stop is None else stop
        if self.data is not None:
            return self.data[start:stop]
        assert self.path is not None
        fd = os.open(self.path, os.O_RDONLY)
        try:
            return os.pread(fd, stop - start, self.offset + start)
        finally:
            os.close(fd)

    def copy_to(self, fh: BinaryIO, start: int = 0) -> None:
        """Append bytes [start:] to an unbuffered file."""
        if self.data is not None:
            fh.write(memoryview(self.data)[start:])
            return
        assert self.path is not None
        fd = os.open(self.path, os.O_RDONLY)
        try:
            at, end = self.offset + start, self.offset + self.length
            while at < end:
                sent = os.copy_file_range(fd, fh.fileno(), min(STEP, end - at), at)
                if sent == 0:
                    raise OSError(f"{self.path}: short copy at {at} of {end}")
                at += sent
        finally:
            os.close(fd)


def _map(result, fn):
    """The result with every bytes field replaced by fn(bytes) (metrics dict or TrafficBlock)."""
    if isinstance(result, TrafficBlock):

        def chunk(c: Chunk) -> Chunk:
            return replace(c, data=fn(c.data))

        return replace(
            result,
            shards=tuple((chunk(h), chunk(t)) for h, t in result.shards),
            proxy=(chunk(result.proxy[0]), chunk(result.proxy[1])),
            service=fn(result.service),
        )
    return {name: (fn(data), rows) for name, (data, rows) in result.items()}


def in_memory(result):
    return _map(result, lambda data: Piece(len(data), data=data))


def to_file(result, path: Path):
    """Write every bytes field of `result` into `path` once; the result then points into it."""
    with open(path, "wb", buffering=0) as fh:

        def put(data: bytes) -> Piece:
            at = fh.tell()
            fh.write(data)
            return Piece(len(data), path=str(path), offset=at)

        return _map(result, put)
