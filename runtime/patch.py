"""Shift the timestamps of prebuilt frames without parsing them (pure).

A metrics frame has one timestamp, stored in every sample as the same 6-byte varint at an offset
the compiler recorded; the new 6 bytes are written into each slot of a copy of the body (label
bytes, most of a body, are never looked at). Trace slots are 8-byte big-endian microseconds,
patched one by one with `struct`.
"""

from __future__ import annotations

import struct

from replaybed.runtime.errors import ReplayError
from replaybed.schemas.framing import MetricFrame, TraceFrame, u32s

TS_MIN, TS_MAX = 1 << 35, 1 << 42
_BE = struct.Struct(">q")


def varint6(ms: int) -> bytes:
    if not TS_MIN <= ms < TS_MAX:
        raise ReplayError(
            f"shifted timestamp {ms} ms is outside [2^35, 2^42) ms (1971-2109); check --anchor"
        )
    out = bytearray()
    for _ in range(5):
        out.append((ms & 0x7F) | 0x80)
        ms >>= 7
    out.append(ms)
    return bytes(out)


def metric_body(frame: MetricFrame, shift_ms: int) -> bytearray:
    out = bytearray(frame.body)
    if shift_ms == 0:
        return out
    if frame.t0 == frame.t1:
        # one timestamp per frame: the same 6 new bytes go into every slot; label bytes (most of
        # the body) are never scanned, which is what makes this faster than a search-and-replace
        new = varint6(frame.t0 + shift_ms)
        for slot in u32s(frame.slots):
            out[slot : slot + 6] = new
        return out
    for slot in u32s(frame.slots):
        out[slot : slot + 6] = varint6(_read_varint6(out, slot) + shift_ms)
    return out


def _read_varint6(buf: bytearray, at: int) -> int:
    value = 0
    for i in range(6):
        value |= (buf[at + i] & 0x7F) << (7 * i)
    return value


def trace_body(frame: TraceFrame, shift_ms: int) -> bytearray:
    out = bytearray(frame.body)
    if shift_ms == 0:
        return out
    delta = shift_ms * 1000
    for slot in u32s(frame.slots):
        (t,) = _BE.unpack_from(out, slot)
        _BE.pack_into(out, slot, t + delta)
    return out
