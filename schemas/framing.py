"""Part framing: how ready-to-send frames sit inside one part blob (before zstd).

    raw part := MAGIC (8 bytes) | u32 LE header length | header (canonical JSON) | data

The header names the part kind and lists its frames; every byte range in it is an
`[offset, length]` (or `[offset, count]` for arrays) into `data`. Arrays are little-endian:
u32 for byte offsets, i64 for millisecond times.

- metrics frame: `body` is a complete remote-write 1.0 `WriteRequest` (protobuf, not yet
  snappy-framed); `slots` holds the offset of every sample timestamp, each a 6-byte varint.
- traces frame: `body` is a complete Thrift-binary `jaeger.Batch` for one process (pod);
  `slots` holds the offset of every span `startTime` (8-byte big-endian i64); the span list's
  elements start at `spans_at`, so frames of one process can be merged without decoding;
  `end` is the latest span end (start + duration, ms), which pacing waits for.
- logs frame: `text` is the pod's lines back to back (UTF-8), `ends` the end offset of each
  line within `text`, `times` each line's time in ms; lines are in replay order.

`t0`/`t1` are the smallest and largest item times in the frame (dataset ms, inclusive).
The runtime only slices and patches these bytes; it never parses a protocol.
"""

from __future__ import annotations

import json
import struct
import sys
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from replaybed.schemas.errors import SchemaError
from replaybed.schemas.manifest import canonical_json

MAGIC = b"RBPART\x00\x01"
_HEADER_LEN = struct.Struct("<I")
Bytes = bytes | bytearray | memoryview


@dataclass(frozen=True)
class MetricFrame:
    t0: int
    t1: int
    count: int
    body: Bytes
    slots: Bytes  # u32 LE offsets into body


@dataclass(frozen=True)
class TraceFrame:
    t0: int
    t1: int
    count: int
    service: str
    pod: str
    body: Bytes
    slots: Bytes  # u32 LE offsets into body
    spans_at: int
    end: int  # latest span end, dataset ms


@dataclass(frozen=True)
class LogFrame:
    t0: int
    t1: int
    count: int
    pod: str
    text: Bytes
    ends: Bytes  # u32 LE end offset of each line in text
    times: Bytes  # i64 LE ms per line


Frame = MetricFrame | TraceFrame | LogFrame
F = TypeVar("F", MetricFrame, TraceFrame, LogFrame)


@dataclass(frozen=True)
class _Layout:
    """How one kind's frames sit in a part: header scalars, and byte ranges in data order.

    A range of width 1 is `[offset, length]` in bytes; a wider one is an array, `[offset, count]`
    of items of that many bytes, and must hold exactly one item per frame item.
    """

    frame: type
    scalars: tuple[str, ...]
    ranges: tuple[tuple[str, int], ...]


LAYOUTS: dict[str, _Layout] = {
    "metrics": _Layout(MetricFrame, (), (("body", 1), ("slots", 4))),
    "traces": _Layout(
        TraceFrame, ("service", "pod", "spans_at", "end"), (("body", 1), ("slots", 4))
    ),
    "logs": _Layout(LogFrame, ("pod",), (("text", 1), ("ends", 4), ("times", 8))),
}
KIND_OF: dict[type, str] = {layout.frame: kind for kind, layout in LAYOUTS.items()}


@dataclass(frozen=True)
class Part(Generic[F]):
    kind: str
    frames: tuple[F, ...]


def u32s(buf: Bytes) -> array:
    out = array("I")
    out.frombytes(buf)
    if sys.byteorder != "little":
        out.byteswap()
    return out


def i64s(buf: Bytes) -> array:
    out = array("q")
    out.frombytes(buf)
    if sys.byteorder != "little":
        out.byteswap()
    return out


def _layout(kind: str, where: str) -> _Layout:
    try:
        return LAYOUTS[kind]
    except KeyError:
        raise SchemaError(
            f"{where}: unknown part kind {kind!r}, expected one of {', '.join(LAYOUTS)}"
        ) from None


def encode_part(kind: str, frames: Sequence[Frame]) -> bytes:
    layout = _layout(kind, "encode_part")
    data = bytearray()
    headers = []
    for frame in frames:
        if type(frame) is not layout.frame:
            raise SchemaError(f"cannot put a {type(frame).__name__} into a {kind!r} part")
        entry: dict[str, object] = {"t0": frame.t0, "t1": frame.t1, "n": frame.count}
        entry.update((name, getattr(frame, name)) for name in layout.scalars)
        for name, width in layout.ranges:
            buf = getattr(frame, name)
            if width > 1:
                _check_array(buf, width, frame.count, f"{kind} frame {name}")
            entry[name] = [len(data), len(buf) // width]
            data.extend(buf)
        headers.append(entry)
    header = canonical_json({"kind": kind, "frames": headers})
    return b"".join((MAGIC, _HEADER_LEN.pack(len(header)), header, bytes(data)))


def decode_part(raw: Bytes, where: str = "part") -> Part:
    view = memoryview(raw)
    if bytes(view[:8]) != MAGIC:
        raise SchemaError(
            f"{where}: not a replaybed part (magic {bytes(view[:8])!r}, expected {MAGIC!r})"
        )
    if len(view) < 12:
        raise SchemaError(f"{where}: truncated header")
    (hlen,) = _HEADER_LEN.unpack_from(view, 8)
    try:
        header = json.loads(bytes(view[12 : 12 + hlen]))
        kind = header["kind"]
        entries = header["frames"]
    except (ValueError, KeyError, TypeError) as exc:
        raise SchemaError(f"{where}: unreadable part header ({exc})") from None
    layout = _layout(kind, where)
    data = view[12 + hlen :]
    try:
        frames = tuple(_frame(layout, entry, data, where) for entry in entries)
    except (KeyError, TypeError, ValueError) as exc:
        raise SchemaError(f"{where}: malformed frame entry ({exc!r})") from None
    return Part(kind, frames)


def decode_frames(raw: Bytes, frame_type: type[F], where: str = "part") -> tuple[F, ...]:
    """The frames of a part that must be of one kind (the runtime knows which it asked for)."""
    part = decode_part(raw, where)
    if part.kind != KIND_OF[frame_type]:
        raise SchemaError(f"{where}: a {part.kind!r} part, expected {KIND_OF[frame_type]!r}")
    return part.frames


def _frame(layout: _Layout, entry: dict, data: memoryview, where: str) -> Frame:
    count = entry["n"]
    values: dict[str, object] = {"t0": entry["t0"], "t1": entry["t1"], "count": count}
    values.update((name, entry[name]) for name in layout.scalars)
    for name, width in layout.ranges:
        off, n = entry[name]
        end = off + n * width
        if off < 0 or n < 0 or end > len(data):
            raise SchemaError(
                f"{where}: frame range {name}={entry[name]} outside the {len(data)}-byte data section"
            )
        if width > 1 and n != count:
            raise SchemaError(
                f"{where}: frame at t0={entry['t0']} has {count} items but {n} {name} entries"
            )
        values[name] = data[off:end]
    frame: Frame = layout.frame(**values)
    return frame


def _check_array(buf: Bytes, width: int, count: int, what: str) -> None:
    if len(buf) != width * count:
        raise SchemaError(f"{what}: {len(buf)} bytes for {count} items, expected {width * count}")
