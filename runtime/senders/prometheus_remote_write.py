"""Prometheus remote write 1.0: `POST <url>/api/v1/write`, a snappy-compressed `WriteRequest`.

Request bodies are built from compiled metrics frames without parsing them
(`schemas/remote_write_layout.py`): every frame is cut at its timestamp slots, the shifted
timestamp goes in, and the samples of one series across the request's frames are put into one
`TimeSeries` entry, oldest first. Prometheus spends most of its ingest time resolving a series'
labels, once per entry: with the 30 samples of each series in a half-hour request in one entry
instead of 30, it ingests a history several times faster (`tests/bench/bench_runtime.py`).

Answers: 2xx is written; a 4xx, and Prometheus 2.x's 500 for samples it will never take (too old,
out of bounds, duplicate), are rejections; anything else is retried. The window check that runs
before anything is written is `prometheus_window`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Sequence
from itertools import repeat
from operator import itemgetter
from typing import Any

import cramjam

from replaybed.runtime import patch
from replaybed.runtime.retry import client_error
from replaybed.runtime.senders.backend import Batching, HttpBackend
from replaybed.schemas import media_types
from replaybed.schemas.framing import MetricFrame
from replaybed.schemas.remote_write_layout import (
    SAMPLE_BEFORE_SLOT,
    SAMPLE_HEAD,
    labels_of,
    series_entry,
)
from replaybed.schemas.timestamp_slots import varint_ms
from replaybed.schemas.version import __version__

# Limits of one backfill request. Prometheus keeps a series' samples in order only within an hour
# of the newest sample it holds (half its 2 h block range); a request spanning more than that
# would have its oldest samples refused as out of bounds by a Prometheus without an out-of-order
# window. The sample and byte caps keep a request far below Prometheus 3's 32 MiB decoded limit
# and its memory per request modest.
BATCHING = Batching(max_span_ms=30 * 60_000, max_items=150_000, max_frame_bytes=16 << 20)

_PERMANENT_5XX = (b"too old sample", b"out of bounds", b"duplicate sample")
_HEAD = itemgetter(slice(None, -SAMPLE_BEFORE_SLOT))
_SAMPLE = itemgetter(slice(-SAMPLE_BEFORE_SLOT, None))
_SAMPLE_START = itemgetter(slice(-SAMPLE_BEFORE_SLOT, -SAMPLE_BEFORE_SLOT + len(SAMPLE_HEAD)))
_consume: Callable[[Iterable[Any]], None] = deque(maxlen=0).extend  # runs a map at C speed


def permanent(status: int, answer: bytes) -> bool:
    # Prometheus 2.x reports a sample it will never accept as a 500 (fixed to 400 in 3.x)
    return client_error(status, answer) or (
        status >= 500 and any(p in answer for p in _PERMANENT_5XX)
    )


def snappy_block(body: bytes) -> bytes:
    # the block format, as the spec requires; cramjam's `compress` would write the framed one
    return bytes(cramjam.snappy.compress_raw(body))


def write_request(frames: Sequence[MetricFrame], shift_ms: int) -> bytes:
    """One `WriteRequest` with the frames' samples shifted by `shift_ms`, one entry per series.

    `frames` are oldest first. When a frame is not laid out as the compiler lays frames out
    (one timestamp, one 18-byte sample per entry), the shifted bodies are concatenated instead:
    the same samples, one entry each.
    """
    series: dict[bytes, list[bytes]] = {}  # head -> its samples and their timestamps, in turn
    layouts: dict[tuple[int, bytes], _Layout] = {}
    last_t = None
    try:
        for frame in frames:
            if frame.t0 != frame.t1 or (last_t is not None and frame.t0 < last_t):
                raise _NotCompiledLayout
            last_t = frame.t0
            pieces = patch.segments(frame)
            if pieces.pop() or (pieces and _SAMPLE_START(pieces[0]) != SAMPLE_HEAD):
                raise _NotCompiledLayout
            if not pieces:
                continue
            # Frames of one request list a few recurring series sets (series sampled every
            # minute, others less often): a frame laid out like an earlier one reuses its series
            # lookup, so the per-sample work is C-level maps instead of a Python loop.
            key = (len(pieces), _HEAD(pieces[0]))
            layout = layouts.get(key)
            if layout is None or not layout.matches(pieces):
                layout = layouts[key] = _Layout.of(pieces, series)
            targets = layout.targets
            _consume(map(list.append, targets, map(_SAMPLE, pieces)))
            _consume(map(list.append, targets, repeat(varint_ms(frame.t0 + shift_ms))))
    except _NotCompiledLayout:
        return _concatenated(frames, shift_ms)
    entries: list[bytes] = []
    for head, parts in series.items():
        if len(parts) == 2:
            # one sample of this series in the request: its compiled entry, shifted
            entries += (head, parts[0], parts[1])
            continue
        labels = labels_of(head)
        if labels is None:
            return _concatenated(frames, shift_ms)
        entries.append(series_entry(labels, b"".join(parts)))
    return b"".join(entries)


class _NotCompiledLayout(Exception):
    pass


class _Layout:
    """The series of one frame, in order, and where each one's samples go."""

    def __init__(self, heads: list[bytes], lengths: list[int], targets: list[list[bytes]]):
        self.heads, self.lengths, self.targets = heads, lengths, targets

    @classmethod
    def of(cls, pieces: list[bytes], series: dict[bytes, list[bytes]]) -> _Layout:
        heads = list(map(_HEAD, pieces))
        for head in heads:
            if head not in series:
                series[head] = []
        return cls(heads, list(map(len, pieces)), list(map(series.__getitem__, heads)))

    def matches(self, pieces: list[bytes]) -> bool:
        # same lengths and every piece starting with the same head: the same series, in order
        return self.lengths == list(map(len, pieces)) and all(
            map(bytes.startswith, pieces, self.heads)
        )


def _concatenated(frames: Sequence[MetricFrame], shift_ms: int) -> bytes:
    return b"".join(patch.metric_body(frame, shift_ms) for frame in frames)


BACKEND = HttpBackend(
    name="Prometheus remote write",
    media_type=media_types.METRICS,
    url_option="--prometheus",
    path="/api/v1/write",
    headers={
        "Content-Encoding": "snappy",
        "Content-Type": "application/x-protobuf",
        "User-Agent": f"replaybed/{__version__}",
        "X-Prometheus-Remote-Write-Version": "0.1.0",
    },
    build=write_request,
    batching=BATCHING,
    encode=snappy_block,
    permanent=permanent,
)
