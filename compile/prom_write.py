"""Prometheus remote-write 1.0 `WriteRequest` bodies with patchable timestamps (pure).

Each series' label block is encoded once. A sample is always the same 18 bytes,
`12 10 | 09 <f64 LE> | 10 <6-byte varint ms>`: every ms time in [2^35, 2^42) (1971-2109) is a
6-byte varint, so the runtime can overwrite the slot for a shifted time without moving a byte.
One frame holds the samples of one timestamp (each series once), oldest first.

`frames` encodes a whole chunk's samples at once: each sample's bytes (its series head, then the
18 fixed bytes) are laid out by numpy and Arrow, and a frame is one slice of them.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from replaybed.compile import byte_rows
from replaybed.compile.errors import CompileError
from replaybed.schemas import timestamp_slots as slots
from replaybed.schemas.framing import MetricFrame
from replaybed.schemas.remote_write_layout import (
    SAMPLE_BEFORE_SLOT,
    SAMPLE_HEAD,
    SAMPLE_WIDTH,
    SERIES_TAG,
    TIMESTAMP_TAG,
    varint,
)

MAX_SAMPLES = 10_000


def _outside(ms: int) -> CompileError:
    return CompileError(
        f"timestamp {ms} ms is outside [2^35, 2^42) ms (1971-02-02 .. 2109-05-15 UTC), the range "
        "a 6-byte varint slot holds (schemas/timestamp_slots.py)"
    )


def varint6(ms: int) -> bytes:
    try:
        return slots.varint_ms(ms)
    except slots.TimestampOutOfRange:
        raise _outside(ms) from None


def varints6(ms: np.ndarray) -> np.ndarray:
    """(n, 6) varint bytes of ms times in [2^35, 2^42): `timestamp_slots.varint_ms`, vectorised."""
    bad = np.flatnonzero((ms < slots.VARINT_MS_MIN) | (ms >= slots.VARINT_MS_MAX))
    if len(bad):
        raise _outside(int(ms[bad[0]]))
    shifts = np.arange(0, 7 * slots.VARINT_MS_WIDTH, 7, dtype=np.int64)
    out = ((ms[:, None] >> shifts) & 0x7F).astype(np.uint8)
    out[:, :-1] |= 0x80
    return out


def _field(tag: int, payload: bytes) -> bytes:
    return bytes((tag,)) + varint(len(payload)) + payload


def label_block(labels: tuple[tuple[str, str], ...]) -> bytes:
    """The repeated `Label labels = 1` fields of a TimeSeries, in the given (sorted) order."""
    return b"".join(
        _field(0x0A, _field(0x0A, k.encode()) + _field(0x12, v.encode())) for k, v in labels
    )


def series_head(labels: bytes) -> bytes:
    """Bytes of a WriteRequest TimeSeries entry before its single 18-byte sample."""
    return bytes((SERIES_TAG,)) + varint(len(labels) + SAMPLE_WIDTH) + labels


def frames(
    heads: pa.Array, series: np.ndarray, t_ms: np.ndarray, values: np.ndarray
) -> list[MetricFrame]:
    """Frames of samples sorted by time: one per timestamp, at most MAX_SAMPLES each.

    `heads` holds every series' head (`series_head`) by series id; `series`, `t_ms` and
    `values` are the samples in the order they go out.
    """
    n = len(t_ms)
    if n == 0:
        return []
    tail = np.empty((n, SAMPLE_WIDTH), dtype=np.uint8)
    value_at = len(SAMPLE_HEAD)
    tail[:, :value_at] = np.frombuffer(SAMPLE_HEAD, np.uint8)
    tail[:, value_at : value_at + 8] = (
        np.ascontiguousarray(values, dtype="<f8").view(np.uint8).reshape(n, 8)
    )
    tail[:, value_at + 8] = TIMESTAMP_TAG[0]
    tail[:, SAMPLE_BEFORE_SLOT:] = varints6(np.asarray(t_ms, dtype=np.int64))
    head = heads.take(pa.array(series))
    data, offsets = byte_rows.buffers(byte_rows.join(head, byte_rows.fixed(tail)))
    slot = offsets[:-1] + byte_rows.lengths(head) + SAMPLE_BEFORE_SLOT
    bounds = np.flatnonzero(np.diff(t_ms)) + 1
    out = []
    for lo, hi in zip([0, *bounds.tolist()], [*bounds.tolist(), n]):
        for a in range(lo, hi, MAX_SAMPLES):
            b = min(hi, a + MAX_SAMPLES)
            base = int(offsets[a])
            out.append(
                MetricFrame(
                    int(t_ms[a]),
                    int(t_ms[a]),
                    b - a,
                    bytes(data[base : int(offsets[b])]),
                    (slot[a:b] - base).astype("<u4").tobytes(),
                )
            )
    return out


def frame(t_ms: int, heads: list[bytes], values: list[float]) -> MetricFrame:
    """One frame: every given series with one sample at `t_ms` (none: an empty frame)."""
    n = len(heads)
    if n == 0:
        varint6(t_ms)  # the time is checked all the same
        return MetricFrame(t_ms, t_ms, 0, b"", b"")
    return frames(
        pa.array(heads, byte_rows.BIN),
        np.arange(n),
        np.full(n, t_ms, dtype=np.int64),
        np.asarray(values, dtype=np.float64),
    )[0]
