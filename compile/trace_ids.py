"""Dataset span and trace ids -> Jaeger ids: stable, documented, the same in every process (pure).

Jaeger ids are a 128-bit trace id (sent as two signed i64 halves) and a 64-bit span id. Rule:
- text of hex digits (either case) no longer than 32 (trace) / 16 (span) characters is read as
  that number: it is the id left-padded with zeros (Market, Nezha and Telecom trace ids);
- anything else (Bank's `gw01…` trace ids and 20-digit decimal span ids, Telecom's 20-hex span
  ids, free text) becomes the first 16 / 8 bytes of the SHA-256 of its UTF-8 text.
Whenever the Jaeger id, written as 32 / 16 lower-case hex digits, differs from the dataset's
text, the span carries the original text as a string tag (`original.trace_id`,
`original.span_id`, `original.parent_id`), so an agent can still search for what the files say.
Never Python's `hash()`: it is salted per process.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pyarrow as pa

_LOWER_HEX = "0123456789abcdef"
_ANY_HEX = "0123456789abcdefABCDEF"
TRACE_BITS, SPAN_BITS = 128, 64


def signed64(v: int) -> int:
    return v - (1 << 64) if v >= 1 << 63 else v


def jaeger_id(text: str, bits: int) -> tuple[int, bool]:
    """(unsigned id of `bits` bits, whether it differs from the text's canonical hex form)."""
    digits = bits >> 2
    # str.strip with a character set is a C-speed "only these characters" test (int() alone
    # would also take signs, spaces, underscores and 0x)
    if len(text) == digits and not text.strip(_LOWER_HEX):
        return int(text, 16), False
    if 0 < len(text) <= digits and not text.strip(_ANY_HEX):
        return int(text, 16), True
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[: bits >> 3], "big"), True


_LOW64 = (1 << 64) - 1
_TOP = 1 << 63
_WRAP = 1 << 64


def trace_halves(text: str) -> tuple[int, int, bool]:
    """(signed high i64, signed low i64, mapped) of a trace id."""
    # the canonical case inline: this runs once per span of a whole dataset
    if len(text) == 32 and not text.strip(_LOWER_HEX):
        v, mapped = int(text, 16), False
    else:
        v, mapped = jaeger_id(text, TRACE_BITS)
    high, low = v >> 64, v & _LOW64
    return high - _WRAP if high >= _TOP else high, low - _WRAP if low >= _TOP else low, mapped


def low64(text: str) -> int:
    """The unsigned low 64 bits of a trace id (manifests count distinct traces by them)."""
    if len(text) == 32 and not text.strip(_LOWER_HEX):
        return int(text[16:], 16)
    return jaeger_id(text, TRACE_BITS)[0] & _LOW64


def span_signed(text: str) -> tuple[int, bool]:
    if len(text) == 16 and not text.strip(_LOWER_HEX):
        v = int(text, 16)
        return v - _WRAP if v >= _TOP else v, False
    v, mapped = jaeger_id(text, SPAN_BITS)
    return signed64(v), mapped


_NIBBLE = np.full(256, -1, dtype=np.int16)
_NIBBLE[np.frombuffer(_LOWER_HEX.encode(), np.uint8)] = np.arange(16)


def id_bytes(column: pa.Array, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """Every id of a string column at once: ((n, bits/8) big-endian bytes, mapped per row).

    The same rule as `jaeger_id` (the canonical lower-case hex form decoded in bulk, everything
    else per distinct text), and an empty id (or null) is 0 and not mapped: a root's parent.
    """
    digits, width = bits >> 2, bits >> 3
    col = column.cast(pa.large_string())
    n = len(col)
    out = np.zeros((n, width), dtype=np.uint8)
    mapped = np.zeros(n, dtype=bool)
    if n == 0:
        return out, mapped
    _, offs, data = col.buffers()
    offsets = np.frombuffer(offs, dtype=np.int64)[col.offset : col.offset + n + 1]
    size = offsets[1:] - offsets[:-1]
    if col.null_count:
        size = np.where(col.is_null().to_numpy(zero_copy_only=False), 0, size)
    todo = size != 0
    canon = np.flatnonzero(size == digits)
    if len(canon):
        raw = np.frombuffer(data, dtype=np.uint8)
        nib = _NIBBLE[raw[offsets[canon][:, None] + np.arange(digits)]]
        ok = (nib >= 0).all(axis=1)
        good, nib = canon[ok], nib[ok].astype(np.uint8)
        out[good] = (nib[:, 0::2] << 4) | nib[:, 1::2]
        todo[good] = False
    rest = np.flatnonzero(todo)
    if len(rest):
        seen: dict[str, tuple[bytes, bool]] = {}
        values = []
        for i, text in zip(rest.tolist(), col.take(rest).to_pylist()):
            hit = seen.get(text)
            if hit is None:
                v, m = jaeger_id(text, bits)
                hit = seen[text] = (v.to_bytes(width, "big"), m)
            values.append(hit[0])
            mapped[i] = hit[1]
        out[rest] = np.frombuffer(b"".join(values), dtype=np.uint8).reshape(-1, width)
    return out, mapped
