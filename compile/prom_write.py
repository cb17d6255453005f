"""Prometheus remote-write 1.0 `WriteRequest` bodies with patchable timestamps (pure).

Each series' label block is encoded once. A sample is always the same 18 bytes,
`12 10 | 09 <f64 LE> | 10 <6-byte varint ms>`: every ms time in [2^35, 2^42) (1971-2109) is a
6-byte varint, so the runtime can overwrite the slot for a shifted time without moving a byte.
One frame holds the samples of one timestamp (each series once), oldest first.
"""

from __future__ import annotations

import struct
from array import array

from replaybed.compile.errors import CompileError
from replaybed.schemas.framing import MetricFrame

TS_MIN, TS_MAX = 1 << 35, 1 << 42
_F64 = struct.Struct("<d")


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def varint6(ms: int) -> bytes:
    if not TS_MIN <= ms < TS_MAX:
        raise CompileError(
            f"timestamp {ms} ms is outside [2^35, 2^42) ms (1971-2109), which replaybed encodes"
        )
    return varint(ms)


def _field(tag: int, payload: bytes) -> bytes:
    return bytes((tag,)) + varint(len(payload)) + payload


def label_block(labels: tuple[tuple[str, str], ...]) -> bytes:
    """The repeated `Label labels = 1` fields of a TimeSeries, in the given (sorted) order."""
    return b"".join(
        _field(0x0A, _field(0x0A, k.encode()) + _field(0x12, v.encode())) for k, v in labels
    )


def series_head(labels: bytes) -> bytes:
    """Bytes of a WriteRequest TimeSeries entry before its single 18-byte sample."""
    return b"\x0a" + varint(len(labels) + 18) + labels


def frame(t_ms: int, heads: list[bytes], values: list[float]) -> MetricFrame:
    """One frame: every given series with one sample at `t_ms`."""
    ts = varint6(t_ms)
    body = bytearray()
    slots = array("I")
    for head, value in zip(heads, values):
        body += head
        body += b"\x12\x10\x09"
        body += _F64.pack(value)
        body += b"\x10"
        slots.append(len(body))
        body += ts
    return MetricFrame(t_ms, t_ms, len(heads), bytes(body), slots.tobytes())
