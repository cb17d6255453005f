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

from collections.abc import Sequence
from itertools import repeat
from operator import add, itemgetter

import cramjam

from replaybed.runtime import patch
from replaybed.runtime.retry import client_error
from replaybed.runtime.senders.backend import Batching, HttpBackend
from replaybed.schemas import media_types
from replaybed.schemas.framing import MetricFrame
from replaybed.schemas.remote_write_layout import (
    SAMPLE_BEFORE_SLOT,
    SAMPLE_HEAD,
    TIMESTAMP_TAG,
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
_LAST = itemgetter(slice(-1, None))


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
    (one timestamp, 18-byte samples), the shifted bodies are concatenated instead: the same
    samples, one entry each.
    """
    runs: list[tuple[list[bytes], list[list[bytes]]]] = []  # (series heads, samples per frame)
    last_t = None
    for frame in frames:
        if frame.t0 != frame.t1 or (last_t is not None and frame.t0 < last_t):
            return _concatenated(frames, shift_ms)
        last_t = frame.t0
        pieces = patch.segments(frame)
        if pieces.pop() or not _one_sample_each(pieces):
            return _concatenated(frames, shift_ms)
        heads = list(map(_HEAD, pieces))
        samples = list(map(add, map(_SAMPLE, pieces), repeat(varint_ms(frame.t0 + shift_ms))))
        # frames of one part usually list the same series in the same order: keep them as
        # columns and join them per series at C speed
        if runs and runs[-1][0] == heads:
            runs[-1][1].append(samples)
        else:
            runs.append((heads, [samples]))
    merged: dict[bytes, list[bytes]] = {}
    for heads, columns in runs:
        for head, joined in zip(heads, map(b"".join, zip(*columns))):
            merged.setdefault(head, []).append(joined)
    entries = []
    for head, parts in merged.items():
        labels = labels_of(head)
        if labels is None:
            return _concatenated(frames, shift_ms)
        entries.append(series_entry(labels, b"".join(parts)))
    return b"".join(entries)


def _one_sample_each(pieces: list[bytes]) -> bool:
    """Every piece ends with one sample up to its timestamp slot (`0x12 0x10 0x09 f64 0x10`)."""
    if not pieces:
        return True
    return (
        min(map(len, pieces)) > SAMPLE_BEFORE_SLOT + 1
        and set(map(_SAMPLE_START, pieces)) == {SAMPLE_HEAD}
        and set(map(_LAST, pieces)) == {TIMESTAMP_TAG}
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
