"""Shift the timestamps of prebuilt frames without parsing them (pure).

A metrics frame has one timestamp, stored in every sample as the same 6-byte varint right after a
`0x10` tag. When the 7-byte pattern occurs exactly as often as there are slots, a C-speed
`bytes.replace` rewrites them all; otherwise each slot is patched in place. Trace slots are
8-byte big-endian microseconds, patched one by one with `struct`.
"""

from __future__ import annotations

import struct

from replaybed.runtime.errors import ReplayError
from replaybed.schemas.framing import MetricFrame, TraceFrame, u32s

TS_MIN, TS_MAX = 1 << 35, 1 << 42
_BE = struct.Struct(">q")


def varint6(ms: int) -> bytes:
    if not TS_MIN <= ms < TS_MAX:
        raise ReplayError(f"shifted timestamp {ms} ms is outside [2^35, 2^42) ms (1971-2109); check --anchor")
    out = bytearray()
    for _ in range(5):
        out.append((ms & 0x7F) | 0x80)
        ms >>= 7
    out.append(ms)
    return bytes(out)


def metric_body(frame: MetricFrame, shift_ms: int) -> bytes:
    body = bytes(frame.body)
    if shift_ms == 0:
        return body
    old, new = b"\x10" + varint6(frame.t0), b"\x10" + varint6(frame.t0 + shift_ms)
    if frame.t0 == frame.t1 and body.count(old) == frame.count:
        return body.replace(old, new)
    out = bytearray(body)
    for slot in u32s(frame.slots):
        t = _read_varint6(out, slot)
        out[slot:slot + 6] = varint6(t + shift_ms)
    return bytes(out)


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
