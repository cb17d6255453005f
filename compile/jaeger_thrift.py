"""Jaeger Thrift-binary `Batch` bodies for one process (pod) with patchable start times (pure).

Binary protocol: field = type byte + i16 id; i64 is fixed 8-byte big-endian, so each span's
`startTime` sits at a known offset (`slots`) the runtime overwrites. IDs follow
`compile/trace_ids.py` (the dataset hex as signed i64, trace id split into high/low halves; other
ids by a documented hash, the original kept as a tag); an empty parent means a root
(parentSpanId 0, no reference), otherwise one CHILD_OF reference. Span tags: `status.code` when
the dataset has a status (even an empty one), `span.type` when not empty, `error=true` when the
reader says so, then the `original.*` ids, then the reader's own tags.
"""

from __future__ import annotations

import struct
from array import array
from dataclasses import dataclass
from functools import lru_cache

from replaybed.compile import trace_ids
from replaybed.schemas.framing import TraceFrame

_I16, _I32, _I64 = struct.Struct(">h"), struct.Struct(">i"), struct.Struct(">q")
T_BOOL, T_I32, T_I64, T_STRING, T_STRUCT, T_LIST = 2, 8, 10, 11, 12, 15


@dataclass(frozen=True)
class Span:
    start_us: int
    trace_id: str  # the dataset's ids, mapped here (trace_ids)
    span_id: str
    parent: str  # "" for a root
    duration_us: int
    type: str  # "" -> no span.type tag
    status: str | None  # None -> no status.code tag
    operation: str
    error: bool = False
    tags: tuple[tuple[str, str], ...] = ()  # more string tags, after the fixed ones


def _fh(ttype: int, fid: int) -> bytes:
    return bytes((ttype,)) + _I16.pack(fid)


def _str(s: str) -> bytes:
    b = s.encode()
    return _I32.pack(len(b)) + b


def _tag_str(key: str, value: str) -> bytes:
    return (
        _fh(T_STRING, 1)
        + _str(key)
        + _fh(T_I32, 2)
        + _I32.pack(0)
        + _fh(T_STRING, 3)
        + _str(value)
        + b"\x00"
    )


def _tag_bool(key: str, value: bool) -> bytes:
    return (
        _fh(T_STRING, 1)
        + _str(key)
        + _fh(T_I32, 2)
        + _I32.pack(2)
        + _fh(T_BOOL, 5)
        + bytes((int(value),))
        + b"\x00"
    )


def _tags(tags: list[bytes]) -> bytes:
    return bytes((T_STRUCT,)) + _I32.pack(len(tags)) + b"".join(tags)


def process(service: str, pod: str, node: str | None) -> bytes:
    tags = [_tag_str("pod", pod), _tag_str("hostname", pod), _tag_str("service", service)]
    if node:
        tags.append(_tag_str("node", node))
    return _fh(T_STRING, 1) + _str(service) + _fh(T_LIST, 2) + _tags(tags) + b"\x00"


_IDS = struct.Struct(">bhqbhqbhqbhq")
_REF = struct.Struct(">bhbibhibhqbhqbhqb")
_TIMES = struct.Struct(">bhibhqbhq")
# offset of startTime's value inside _TIMES: flags field (3 + 4) + startTime header (3)
_START_AT = 10


@lru_cache(maxsize=4096)
def _operation(op: str) -> bytes:
    return _fh(T_STRING, 5) + _str(op)


@lru_cache(maxsize=4096)
def _fixed_tags(status: str | None, span_type: str, error: bool) -> tuple[bytes, ...]:
    tags = [] if status is None else [_tag_str("status.code", status)]
    if span_type:
        tags.append(_tag_str("span.type", span_type))
    if error:
        tags.append(_tag_bool("error", True))
    return tuple(tags)


@lru_cache(maxsize=4096)
def _tail(status: str | None, span_type: str, error: bool) -> bytes:
    return _tail_with(_fixed_tags(status, span_type, error))


def _tail_with(tags: tuple[bytes, ...]) -> bytes:
    """The tags field (if any) and the Span struct's stop byte."""
    return (_fh(T_LIST, 10) + _tags(list(tags)) if tags else b"") + b"\x00"


def _span_tags(s: Span, originals: list[bytes]) -> bytes:
    if not originals:
        return _tail(s.status, s.type, s.error)
    return _tail_with(_fixed_tags(s.status, s.type, s.error) + tuple(originals))


def span_bytes(s: Span) -> tuple[bytes, int]:
    """One encoded Span struct and the offset of its startTime value inside it."""
    high, low, trace_mapped = trace_ids.trace_halves(s.trace_id)
    span_id, span_mapped = trace_ids.span_signed(s.span_id)
    parent, parent_mapped = trace_ids.span_signed(s.parent) if s.parent else (0, False)
    originals = []
    if trace_mapped:
        originals.append(_tag_str("original.trace_id", s.trace_id))
    if span_mapped:
        originals.append(_tag_str("original.span_id", s.span_id))
    if parent_mapped:
        originals.append(_tag_str("original.parent_id", s.parent))
    originals.extend(_tag_str(k, v) for k, v in s.tags)
    head = _IDS.pack(
        T_I64, 1, low, T_I64, 2, high, T_I64, 3, span_id, T_I64, 4, parent
    ) + _operation(s.operation)
    if s.parent:
        # references: list<SpanRef> with one CHILD_OF entry
        head += _REF.pack(
            T_LIST, 6, T_STRUCT, 1, T_I32, 1, 0, T_I64, 2, low, T_I64, 3, high, T_I64, 4, parent, 0
        )
    times = _TIMES.pack(T_I32, 7, 1, T_I64, 8, s.start_us, T_I64, 9, s.duration_us)
    return head + times + _span_tags(s, originals), len(head) + _START_AT


def batch(service: str, pod: str, node: str | None, spans: list[Span]) -> TraceFrame:
    """A Batch for one pod; `spans` in replay order (by start time)."""
    head = (
        _fh(T_STRUCT, 1)
        + process(service, pod, node)
        + _fh(T_LIST, 2)
        + bytes((T_STRUCT,))
        + _I32.pack(len(spans))
    )
    body = bytearray(head)
    slots = array("I")
    end = 0
    for s in spans:
        encoded, slot = span_bytes(s)
        slots.append(len(body) + slot)
        body += encoded
        end = max(end, -(-(s.start_us + s.duration_us) // 1000))
    body += b"\x00"
    t0 = min(s.start_us for s in spans) // 1000
    t1 = max(s.start_us for s in spans) // 1000
    return TraceFrame(
        t0, t1, len(spans), service, pod, bytes(body), slots.tobytes(), len(head), end
    )
