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
from dataclasses import dataclass
from typing import Union

from replaybed.schemas.errors import SchemaError
from replaybed.schemas.manifest import canonical_json

MAGIC = b"RBPART\x00\x01"
_HEADER_LEN = struct.Struct("<I")
Bytes = Union[bytes, bytearray, memoryview]


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


Frame = Union[MetricFrame, TraceFrame, LogFrame]
_KIND_OF = {MetricFrame: "metrics", TraceFrame: "traces", LogFrame: "logs"}


@dataclass(frozen=True)
class Part:
    kind: str
    frames: tuple[Frame, ...]


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


def encode_part(kind: str, frames: list[Frame] | tuple[Frame, ...]) -> bytes:
    data = bytearray()

    def put(buf: Bytes) -> list[int]:
        start = len(data)
        data.extend(buf)
        return [start, len(data) - start]

    headers = []
    for frame in frames:
        if _KIND_OF.get(type(frame)) != kind:
            raise SchemaError(f"cannot put a {type(frame).__name__} into a {kind!r} part")
        if isinstance(frame, MetricFrame):
            _check_array(frame.slots, 4, frame.count, "metrics frame slots")
            headers.append(
                {
                    "t0": frame.t0,
                    "t1": frame.t1,
                    "n": frame.count,
                    "body": put(frame.body),
                    "slots": _arr(put(frame.slots), 4),
                }
            )
        elif isinstance(frame, TraceFrame):
            _check_array(frame.slots, 4, frame.count, "traces frame slots")
            headers.append(
                {
                    "t0": frame.t0,
                    "t1": frame.t1,
                    "n": frame.count,
                    "service": frame.service,
                    "pod": frame.pod,
                    "spans_at": frame.spans_at,
                    "end": frame.end,
                    "body": put(frame.body),
                    "slots": _arr(put(frame.slots), 4),
                }
            )
        else:
            _check_array(frame.ends, 4, frame.count, "logs frame ends")
            _check_array(frame.times, 8, frame.count, "logs frame times")
            headers.append(
                {
                    "t0": frame.t0,
                    "t1": frame.t1,
                    "n": frame.count,
                    "pod": frame.pod,
                    "text": put(frame.text),
                    "ends": _arr(put(frame.ends), 4),
                    "times": _arr(put(frame.times), 8),
                }
            )
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
    data = view[12 + hlen :]

    def rng(entry: dict, key: str, width: int = 1) -> memoryview:
        off, n = entry[key]
        end = off + n * width
        if off < 0 or n < 0 or end > len(data):
            raise SchemaError(
                f"{where}: frame range {key}={entry[key]} outside the {len(data)}-byte data section"
            )
        return data[off:end]

    frames: list[Frame] = []
    try:
        for e in entries:
            if kind == "metrics":
                frames.append(
                    MetricFrame(e["t0"], e["t1"], e["n"], rng(e, "body"), rng(e, "slots", 4))
                )
            elif kind == "traces":
                frames.append(
                    TraceFrame(
                        e["t0"],
                        e["t1"],
                        e["n"],
                        e["service"],
                        e["pod"],
                        rng(e, "body"),
                        rng(e, "slots", 4),
                        e["spans_at"],
                        e["end"],
                    )
                )
            elif kind == "logs":
                frames.append(
                    LogFrame(
                        e["t0"],
                        e["t1"],
                        e["n"],
                        e["pod"],
                        rng(e, "text"),
                        rng(e, "ends", 4),
                        rng(e, "times", 8),
                    )
                )
            else:
                raise SchemaError(f"{where}: unknown part kind {kind!r}")
    except (KeyError, TypeError, ValueError) as exc:
        raise SchemaError(f"{where}: malformed frame entry ({exc!r})") from None
    for f in frames:
        count_arrays = (f.ends, f.times) if isinstance(f, LogFrame) else (f.slots,)
        widths = (4, 8) if isinstance(f, LogFrame) else (4,)
        for arr, width in zip(count_arrays, widths):
            if len(arr) != f.count * width:
                raise SchemaError(
                    f"{where}: frame at t0={f.t0} has {f.count} items but {len(arr) // width} array entries"
                )
    return Part(kind, tuple(frames))


def _arr(rng: list[int], width: int) -> list[int]:
    return [rng[0], rng[1] // width]


def _check_array(buf: Bytes, width: int, count: int, what: str) -> None:
    if len(buf) != width * count:
        raise SchemaError(f"{what}: {len(buf)} bytes for {count} items, expected {width * count}")
