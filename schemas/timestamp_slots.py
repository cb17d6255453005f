"""How a prebuilt wire body holds its timestamps, so a replay can shift them without parsing (pure).

Bodies are encoded once, offline, and moved to "now" at replay time by overwriting each timestamp
where it sits (its slot). That only works if an encoded timestamp's width never depends on its
value, which both backends' encodings allow:

- Prometheus remote write: `Sample.timestamp` is a protobuf varint of milliseconds (7 bits per
  byte). Every value in [2^35, 2^42) ms, i.e. 1971-02-02 .. 2109-05-15 UTC, takes exactly 6
  bytes, the last one below 0x80 and the five before it at or above 0x80. Shifting a timestamp
  inside that range never changes a length prefix, so the rest of the body stays byte for byte.
- Jaeger Thrift binary: `Span.startTime` is an i64 of microseconds, a fixed 8-byte big-endian
  field.

The compiler writes slots with these rules and the runtime rewrites them with the same rules.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable

from replaybed.schemas.errors import SchemaError

VARINT_MS_MIN = 1 << 35  # 1971-02-02T16:22:18.368Z: smallest ms time with a 6-byte varint
VARINT_MS_MAX = 1 << 42  # 2109-05-15T07:35:11.104Z: first ms time that would need 7 bytes
VARINT_MS_WIDTH = 6
START_US = struct.Struct(">q")  # Jaeger Span.startTime, Thrift binary i64
START_US_WIDTH = START_US.size


class TimestampOutOfRange(SchemaError):
    """A millisecond time that has no 6-byte varint slot encoding."""


def varint_ms(ms: int) -> bytes:
    """The 6-byte varint of a millisecond time in [2^35, 2^42) (the protobuf encoding of it)."""
    if not VARINT_MS_MIN <= ms < VARINT_MS_MAX:
        raise TimestampOutOfRange(
            f"timestamp {ms} ms is outside [2^35, 2^42) ms (1971-02-02 .. 2109-05-15 UTC), "
            "the range a 6-byte varint slot holds"
        )
    return bytes(
        (
            (ms & 0x7F) | 0x80,
            (ms >> 7 & 0x7F) | 0x80,
            (ms >> 14 & 0x7F) | 0x80,
            (ms >> 21 & 0x7F) | 0x80,
            (ms >> 28 & 0x7F) | 0x80,
            ms >> 35,
        )
    )


def read_varint_ms(buf: bytes | bytearray | memoryview, at: int) -> int:
    """The millisecond time in the 6-byte varint slot at `at`."""
    slot = bytes(buf[at : at + VARINT_MS_WIDTH])
    if len(slot) != VARINT_MS_WIDTH or any(b < 0x80 for b in slot[:5]) or slot[5] >= 0x80:
        raise SchemaError(
            f"no 6-byte varint timestamp at offset {at}: found {slot.hex(' ') or 'end of body'}"
        )
    return (
        (slot[0] & 0x7F)
        | (slot[1] & 0x7F) << 7
        | (slot[2] & 0x7F) << 14
        | (slot[3] & 0x7F) << 21
        | (slot[4] & 0x7F) << 28
        | slot[5] << 35
    )


def shift_start_us(buf: bytearray, slots: Iterable[int], delta_us: int) -> None:
    """Add `delta_us` to every Jaeger startTime slot (offsets into `buf`), in place."""
    unpack, pack = START_US.unpack_from, START_US.pack_into
    for at in slots:
        pack(buf, at, unpack(buf, at)[0] + delta_us)
