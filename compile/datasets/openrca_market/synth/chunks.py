"""Time-sorted row chunks and the merge that keeps a file sorted across blocks (pure).

A block's requests can outlive it: rows stamped after the block's end come back as a `tail`,
which is merged into the next block's `head`. Tails are a few seconds of rows, so the merge
touches only the head's first rows and copies the rest as one slice.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from replaybed.compile.errors import SynthError


@dataclass(frozen=True)
class Chunk:
    keys: np.ndarray  # sort key per row (timestamp), non-decreasing
    lengths: np.ndarray  # bytes per row
    data: bytes

    @property
    def rows(self) -> int:
        return len(self.keys)

    def offsets(self) -> np.ndarray:
        out = np.zeros(len(self.lengths) + 1, dtype=np.int64)
        np.cumsum(self.lengths, out=out[1:])
        return out

    def slice(self, a: int, b: int) -> Chunk:
        off = self.offsets()
        return Chunk(self.keys[a:b], self.lengths[a:b], self.data[off[a] : off[b]])


EMPTY = Chunk(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), b"")


def split(chunk: Chunk, until: int) -> tuple[Chunk, Chunk]:
    """(rows keyed before `until`, the rest)."""
    cut = int(np.searchsorted(chunk.keys, until, side="left"))
    return chunk.slice(0, cut), chunk.slice(cut, chunk.rows)


def merge(first: Chunk, second: Chunk) -> Chunk:
    """Both sorted; ties keep `first` ahead. Only the overlap of the two is reordered."""
    if not first.rows:
        return second
    if not second.rows:
        return first
    k = int(np.searchsorted(second.keys, first.keys[-1], side="right"))
    keys = np.concatenate([first.keys, second.keys[:k]])
    lengths = np.concatenate([first.lengths, second.lengths[:k]])
    order = np.argsort(keys, kind="stable")
    off = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=off[1:])
    head = first.data + second.data[: int(off[-1]) - len(first.data)]
    pieces = [head[off[i] : off[i + 1]] for i in order.tolist()]
    rest = second.slice(k, second.rows)
    return Chunk(
        np.concatenate([keys[order], rest.keys]),
        np.concatenate([lengths[order], rest.lengths]),
        b"".join(pieces) + rest.data,
    )


class Merger:
    """One sorted output stream fed block by block: `push(head, tail)` returns what can be written."""

    def __init__(self) -> None:
        self.carry = EMPTY

    def push(self, head: Chunk, tail: Chunk, until: int) -> Chunk:
        out = merge(self.carry, head)
        if out.rows and out.keys[-1] >= until:
            raise SynthError(
                f"rows stamped {int(out.keys[-1])} outlive the block after theirs (ends {until}): "
                "a request longer than a block"
            )
        self.carry = tail
        return out

    def flush(self) -> Chunk:
        out, self.carry = self.carry, EMPTY
        return out
