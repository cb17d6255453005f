"""Block work items (what a worker process runs) and the writer of one cloudbed-day's eight files.

Every 10-minute block of every file is seeded by (seed, cloudbed, day, file, block), and a work
item is one block's metrics or one block's traffic, so items can run in any process in any
order. The writer takes their results strictly in block order: that, and merging each sorted
stream's tail into the next block, makes the bytes independent of the worker count.
`trace_span.csv` is written as ten concatenated time-sorted shards (five for 00:00-08:00, five
after), like the real collector export; `log_service.csv` comes grouped by pod within a block.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import BinaryIO

import numpy as np

from replaybed.compile.datasets.openrca_market.catalog import (
    CLOUDBEDS,
    DAYS,
    FILES,
    HEADERS,
    day_start,
)
from replaybed.compile.datasets.openrca_market.records import vendored
from replaybed.compile.datasets.openrca_market.synth import metrics
from replaybed.compile.datasets.openrca_market.synth.chunks import Chunk, Merger
from replaybed.compile.datasets.openrca_market.synth.faults import Effect, effects_of
from replaybed.compile.datasets.openrca_market.synth.handoff import Piece
from replaybed.compile.datasets.openrca_market.synth.plan import dense_windows
from replaybed.compile.datasets.openrca_market.synth.scales import SCALES
from replaybed.compile.datasets.openrca_market.synth.traffic import (
    SHARDS,
    TrafficBlock,
    traffic_block,
)

FILE_ORDER = tuple(FILES)
METRICS, TRAFFIC = "metrics", "traffic"


@dataclass(frozen=True)
class Item:
    """One unit of work: a block's metrics or a block's traffic of one cloudbed-day."""

    seed: int
    scale: str
    cloudbed: str
    day: str
    block: int  # epoch s of the block's start
    kind: str


def items(seed: int, scale: str, cloudbed: str, day: str) -> list[Item]:
    start = day_start(day)
    return [
        Item(seed, scale, cloudbed, day, b, kind)
        for b in range(start, start + 86400, SCALES[scale].block)
        for kind in (METRICS, TRAFFIC)
    ]


@cache
def _effects(cloudbed: str) -> tuple[Effect, ...]:
    return effects_of(cloudbed, [r for r, _ in vendored(cloudbed)])


def _rng(item: Item, name: str) -> np.random.Generator:
    return np.random.default_rng(
        [
            item.seed,
            CLOUDBEDS.index(item.cloudbed),
            DAYS.index(item.day),
            FILE_ORDER.index(name),
            item.block + 1,
        ]
    )


def run(item: Item) -> dict[str, tuple[bytes, int]] | TrafficBlock:
    """A work item's result (pure: the same item gives the same bytes in any process)."""
    scale = SCALES[item.scale]
    effects = _effects(item.cloudbed)
    if item.kind == TRAFFIC:
        return traffic_block(
            item.cloudbed,
            day_start=day_start(item.day),
            block=item.block,
            scale=scale,
            effects=effects,
            rngs=lambda name: _rng(item, name),
        )
    dense = dense_windows(effects, scale)
    out = {}
    for ss in metrics.series_sets(item.cloudbed, effects):
        out[ss.name] = metrics.series_block(
            ss, block=item.block, scale=scale, dense=dense, effects=effects, rng=_rng(item, ss.name)
        )
    out["metric_service"] = metrics.service_block(
        item.block, scale, dense, effects, _rng(item, "metric_service")
    )
    return out


def _sorted_append(fh: BinaryIO, merger: Merger, head: Chunk, tail: Chunk, until: int) -> int:
    """Merge the previous tail into the head's first rows (read back), copy the rest as is.
    `head` and `tail` hold `handoff.Piece`s, not bytes."""
    head_data: Piece = head.data  # type: ignore[assignment]
    tail_data: Piece = tail.data  # type: ignore[assignment]
    k = 0
    if merger.carry.rows:
        k = int(np.searchsorted(head.keys, merger.carry.keys[-1], side="right"))
    size = int(head.lengths[:k].sum())
    prefix = Chunk(head.keys[:k], head.lengths[:k], head_data.read(0, size))
    out = merger.push(prefix, Chunk(tail.keys, tail.lengths, tail_data.read()), until)
    fh.write(out.data)
    head_data.copy_to(fh, size)
    return out.rows + head.rows - k


@dataclass
class DayWriter:
    """The eight files of one cloudbed-day, fed results in block order."""

    folder: Path
    day: str
    rows: dict[str, int] = field(default_factory=lambda: {name: 0 for name in FILES})

    def __post_init__(self) -> None:
        self.handles = {}
        for name, rel in FILES.items():
            path = self.folder / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            self.handles[name] = open(path, "wb", buffering=0)
            self.handles[name].write((",".join(HEADERS[name]) + "\n").encode())
        self.shard_dir = self.folder / ".shards"
        self.shard_dir.mkdir()
        self.shards = [
            open(self.shard_dir / f"{i}.csv", "wb", buffering=0) for i in range(2 * SHARDS)
        ]
        self.span_merge = [Merger() for _ in self.shards]
        self.proxy_merge = Merger()

    def take(self, item: Item, result) -> None:
        """Write an item's result (its bytes as `handoff.Piece`s)."""
        if item.kind == METRICS:
            for name, (piece, n) in result.items():
                piece.copy_to(self.handles[name])  # a handoff.Piece
                self.rows[name] += n
            return
        until = item.block + SCALES[item.scale].block
        for fh, merger, (head, tail) in zip(self.shards, self.span_merge, result.shards):
            self.rows["trace_span"] += _sorted_append(fh, merger, head, tail, until * 1000)
        head, tail = result.proxy
        self.rows["log_proxy"] += _sorted_append(
            self.handles["log_proxy"], self.proxy_merge, head, tail, until
        )
        result.service.copy_to(self.handles["log_service"])
        self.rows["log_service"] += result.service_rows

    def finish(self) -> None:
        """Flush the last tails and append the shards (kernel copy) to `trace_span.csv`."""
        for fh, merger in zip(self.shards, self.span_merge):
            out = merger.flush()
            fh.write(out.data)
            self.rows["trace_span"] += out.rows
        out = self.proxy_merge.flush()
        self.handles["log_proxy"].write(out.data)
        self.rows["log_proxy"] += out.rows
        spans = self.handles["trace_span"]
        for fh in self.shards:
            fh.close()
            with open(fh.name, "rb") as src:
                size = os.fstat(src.fileno()).st_size
                sent = 0
                while sent < size:
                    sent += os.sendfile(spans.fileno(), src.fileno(), sent, size - sent)
        self.close()

    def close(self) -> None:
        for h in (*self.handles.values(), *self.shards):
            h.close()
        for p in self.shard_dir.glob("*"):
            p.unlink()
        if self.shard_dir.exists():
            self.shard_dir.rmdir()
