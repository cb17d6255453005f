"""Jaeger Thrift-binary `Batch` bodies for one process (pod) with patchable start times (pure).

Binary protocol: field = type byte + i16 id; i64 is fixed 8-byte big-endian, so each span's
`startTime` sits at a known offset (`slots`) the runtime overwrites. IDs follow
`compile/trace_ids.py` (the dataset hex as signed i64, trace id split into high/low halves; other
ids by a documented hash, the original kept as a tag); an empty parent means a root
(parentSpanId 0, no reference), otherwise one CHILD_OF reference. Span tags: `status.code` when
the dataset has a status (even an empty one), `span.type` when not empty, `error=true` when the
reader says so, then the `original.*` ids, then the reader's own tags.

Spans are encoded a column at a time (`encode`): every field of every span of a chunk is laid
out by numpy and Arrow in C, so the cost per span is a few bytes copied, not a Python call.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from replaybed.compile import byte_rows, trace_ids
from replaybed.schemas.framing import TraceFrame

_I16, _I32 = struct.Struct(">h"), struct.Struct(">i")
T_BOOL, T_I32, T_I64, T_STRING, T_STRUCT, T_LIST = 2, 8, 10, 11, 12, 15
# offset of startTime's value inside the times block: flags field (3 + 4) + startTime header (3)
_START_AT = 10
_IDS_LEN, _REF_LEN, _TIMES_LEN = 44, 49, 29


@dataclass(frozen=True)
class Span:
    """One span as Python values (tests and small callers; the compiler uses `SpanColumns`)."""

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


@dataclass(frozen=True)
class SpanColumns:
    """Spans in replay order, one column per field (strings as Arrow, numbers as numpy)."""

    start_us: np.ndarray  # int64
    duration_us: np.ndarray  # int64
    trace_id: pa.Array
    span_id: pa.Array
    parent_id: pa.Array  # "" for a root
    operation: pa.Array
    span_type: pa.Array  # "" -> no tag
    status: pa.Array  # null -> no tag
    error: np.ndarray  # bool
    tags: pa.Array  # map<string, string>, null or empty -> none
    # trace_ids.id_bytes(trace_id, 128), when the caller has it already
    trace_bytes: tuple[np.ndarray, np.ndarray] | None = None

    @classmethod
    def of(cls, spans: list[Span]) -> SpanColumns:
        tags = [list(s.tags) or None for s in spans]
        return cls(
            np.array([s.start_us for s in spans], dtype=np.int64),
            np.array([s.duration_us for s in spans], dtype=np.int64),
            pa.array([s.trace_id for s in spans], pa.string()),
            pa.array([s.span_id for s in spans], pa.string()),
            pa.array([s.parent for s in spans], pa.string()),
            pa.array([s.operation for s in spans], pa.string()),
            pa.array([s.type for s in spans], pa.string()),
            pa.array([s.status for s in spans], pa.string()),
            np.array([s.error for s in spans], dtype=bool),
            pa.array(tags, pa.map_(pa.string(), pa.string())),
        )


def _fh(ttype: int, fid: int) -> bytes:
    return bytes((ttype,)) + _I16.pack(fid)


def _str(s: str) -> bytes:
    b = s.encode()
    return _I32.pack(len(b)) + b


def _tag_str(key: str, value: str) -> bytes:
    return _tag_prefix(key.encode()) + _str(value) + b"\x00"


def _tag_prefix(key: bytes) -> bytes:
    """A string Tag up to its value's length: key, vType = STRING, vStr field header."""
    return (
        _fh(T_STRING, 1)
        + _I32.pack(len(key))
        + key
        + _fh(T_I32, 2)
        + _I32.pack(0)
        + _fh(T_STRING, 3)
    )


_ERROR_TAG = (
    _fh(T_STRING, 1) + _str("error") + _fh(T_I32, 2) + _I32.pack(2) + _fh(T_BOOL, 5) + b"\x01\x00"
)


def _tags(tags: list[bytes]) -> bytes:
    return bytes((T_STRUCT,)) + _I32.pack(len(tags)) + b"".join(tags)


@lru_cache(maxsize=4096)
def process(service: str, pod: str, node: str | None) -> bytes:
    tags = [_tag_str("pod", pod), _tag_str("hostname", pod), _tag_str("service", service)]
    if node:
        tags.append(_tag_str("node", node))
    return _fh(T_STRING, 1) + _str(service) + _fh(T_LIST, 2) + _tags(tags) + b"\x00"


def _const(n: int, pieces: list[tuple[int, bytes | np.ndarray]], width: int) -> np.ndarray:
    """An (n, width) uint8 matrix: each (column, bytes or (n, k) matrix) written at its column."""
    out = np.empty((n, width), dtype=np.uint8)
    for at, piece in pieces:
        if isinstance(piece, bytes):
            out[:, at : at + len(piece)] = np.frombuffer(piece, dtype=np.uint8)
        else:
            out[:, at : at + piece.shape[1]] = piece
    return out


def _str_tags(key: str, values: pa.Array, mask: np.ndarray) -> pa.Array:
    """The string Tag `key=values[i]` for rows where mask[i], else empty."""
    data = byte_rows.text(values)
    size = byte_rows.be32(byte_rows.lengths(data))
    tag = byte_rows.join(_tag_prefix(key.encode()), byte_rows.fixed(size), data, b"\x00")
    return byte_rows.where(mask, tag)


def _reader_tags(tags: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """(each row's reader tags back to back, their number per row)."""
    n = len(tags)
    if tags.null_count == n:
        return pa.nulls(n, byte_rows.BIN).fill_null(b""), np.zeros(n, dtype=np.int64)
    entries = tags.cast(pa.map_(pa.large_string(), pa.large_string()))
    # a null map keeps an offsets slot of zero entries
    offsets = np.asarray(entries.offsets.to_numpy(zero_copy_only=False), dtype=np.int64)
    keys = byte_rows.text(entries.keys)
    values = byte_rows.text(entries.items)
    one = byte_rows.join(
        b"\x0b\x00\x01",
        byte_rows.fixed(byte_rows.be32(byte_rows.lengths(keys))),
        keys,
        b"\x08\x00\x02\x00\x00\x00\x00\x0b\x00\x03",
        byte_rows.fixed(byte_rows.be32(byte_rows.lengths(values))),
        values,
        b"\x00",
    )
    base = offsets[0]
    return byte_rows.per_list(offsets - base, one.slice(base, offsets[-1] - base)), np.diff(offsets)


def _fixed(status: str | None, span_type: str, error: bool) -> list[bytes]:
    tags = [] if status is None else [_tag_str("status.code", status)]
    if span_type:
        tags.append(_tag_str("span.type", span_type))
    if error:
        tags.append(_ERROR_TAG)
    return tags


def _fixed_tags(
    status: pa.Array, span_type: pa.Array, error: np.ndarray
) -> tuple[pa.Array, np.ndarray]:
    """(each row's status.code, span.type and error tags, their number): a few distinct
    combinations in a chunk, so each is encoded once and gathered."""
    s = pc.dictionary_encode(status)
    t = pc.dictionary_encode(pc.fill_null(span_type, ""))
    s_values, t_values = s.dictionary.to_pylist(), t.dictionary.to_pylist()
    s_idx = np.asarray(pc.fill_null(s.indices, -1).to_numpy(zero_copy_only=False), np.int64)
    t_idx = np.asarray(t.indices.to_numpy(zero_copy_only=False), np.int64)
    key = ((s_idx + 1) * max(len(t_values), 1) + t_idx) * 2 + np.asarray(error, dtype=np.int64)
    combos, inverse = np.unique(key, return_inverse=True)
    encoded, counts = [], []
    for k in combos.tolist():
        si, ti = divmod(k // 2, max(len(t_values), 1))
        tags = _fixed(None if si == 0 else s_values[si - 1], t_values[ti], bool(k % 2))
        encoded.append(b"".join(tags))
        counts.append(len(tags))
    rows = pa.array(encoded, byte_rows.BIN).take(pa.array(inverse.reshape(-1)))
    return rows, np.array(counts, dtype=np.int64)[inverse.reshape(-1)]


def encode(spans: SpanColumns) -> tuple[pa.Array, np.ndarray]:
    """(each span's Span struct bytes, the offset of its startTime value inside them)."""
    n = len(spans.start_us)
    if n == 0:
        return pa.array([], byte_rows.BIN), np.empty(0, np.int64)
    if spans.trace_bytes is not None:
        trace, trace_mapped = spans.trace_bytes
    else:
        trace, trace_mapped = trace_ids.id_bytes(spans.trace_id, trace_ids.TRACE_BITS)
    span, span_mapped = trace_ids.id_bytes(spans.span_id, trace_ids.SPAN_BITS)
    parent, parent_mapped = trace_ids.id_bytes(spans.parent_id, trace_ids.SPAN_BITS)
    child = byte_rows.lengths(byte_rows.text(spans.parent_id)) > 0
    low, high = trace[:, 8:], trace[:, :8]
    ids = _const(
        n,
        [
            (0, b"\x0a\x00\x01"),
            (3, low),
            (11, b"\x0a\x00\x02"),
            (14, high),
            (22, b"\x0a\x00\x03"),
            (25, span),
            (33, b"\x0a\x00\x04"),
            (36, parent),
        ],
        _IDS_LEN,
    )
    op = byte_rows.text(spans.operation)
    op_len = byte_rows.lengths(op)
    kids = np.flatnonzero(child)
    ref = _const(
        len(kids),
        [
            (0, b"\x0f\x00\x06\x0c\x00\x00\x00\x01\x08\x00\x01\x00\x00\x00\x00\x0a\x00\x02"),
            (18, low[kids]),
            (26, b"\x0a\x00\x03"),
            (29, high[kids]),
            (37, b"\x0a\x00\x04"),
            (40, parent[kids]),
            (48, b"\x00"),
        ],
        _REF_LEN,
    )
    times = _const(
        n,
        [
            (0, b"\x08\x00\x07\x00\x00\x00\x01\x0a\x00\x08"),
            (10, byte_rows.be64(spans.start_us)),
            (18, b"\x0a\x00\x09"),
            (21, byte_rows.be64(spans.duration_us)),
        ],
        _TIMES_LEN,
    )
    fixed_tags, n_fixed = _fixed_tags(spans.status, spans.span_type, spans.error)
    extra, n_extra = _reader_tags(spans.tags)
    count = n_fixed + trace_mapped + span_mapped + parent_mapped + n_extra
    tagged = count > 0
    header = byte_rows.only(
        tagged,
        _const(
            int(tagged.sum()), [(0, b"\x0f\x00\x0a\x0c"), (4, byte_rows.be32(count[tagged]))], 8
        ),
    )
    columns: list[pa.Array | bytes] = [
        byte_rows.fixed(ids),
        b"\x0b\x00\x05",
        byte_rows.fixed(byte_rows.be32(op_len)),
        op,
        byte_rows.only(child, ref),
        byte_rows.fixed(times),
        header,
        fixed_tags,
    ]
    # ids that are not canonical hex travel as tags (none in most datasets: skip the columns)
    for key, values, mapped in (
        ("original.trace_id", spans.trace_id, trace_mapped),
        ("original.span_id", spans.span_id, span_mapped),
        ("original.parent_id", spans.parent_id, parent_mapped),
    ):
        if mapped.any():
            columns.append(_str_tags(key, values, mapped))
    if n_extra.any():
        columns.append(extra)
    records = byte_rows.join(*columns, b"\x00")
    slot = _IDS_LEN + 7 + op_len + _REF_LEN * child + _START_AT
    return records, slot


def batches(
    spans: SpanColumns, bounds: np.ndarray, processes: list[tuple[str, str, str | None]]
) -> list[TraceFrame]:
    """One Batch per run spans[bounds[i]:bounds[i + 1]], for process (service, pod, node) i.

    Each run must be in replay order (by start time).
    """
    records, slot = encode(spans)
    data, offsets = byte_rows.buffers(records)
    start_ms = spans.start_us // 1000
    end_ms = -(-(spans.start_us + spans.duration_us) // 1000)
    frames = []
    for i, (service, pod, node) in enumerate(processes):
        lo, hi = int(bounds[i]), int(bounds[i + 1])
        head = (
            _fh(T_STRUCT, 1)
            + process(service, pod, node)
            + _fh(T_LIST, 2)
            + bytes((T_STRUCT,))
            + _I32.pack(hi - lo)
        )
        base = int(offsets[lo])
        body = b"".join((head, data[base : int(offsets[hi])], b"\x00"))
        slots = (offsets[lo:hi] - base + len(head) + slot[lo:hi]).astype("<u4")
        frames.append(
            TraceFrame(
                int(start_ms[lo:hi].min()),
                int(start_ms[lo:hi].max()),
                hi - lo,
                service,
                pod,
                body,
                slots.tobytes(),
                len(head),
                max(0, int(end_ms[lo:hi].max())),
            )
        )
    return frames


def batch(service: str, pod: str, node: str | None, spans: list[Span]) -> TraceFrame:
    """A Batch for one pod; `spans` in replay order (by start time)."""
    return batches(SpanColumns.of(spans), np.array([0, len(spans)]), [(service, pod, node)])[0]
