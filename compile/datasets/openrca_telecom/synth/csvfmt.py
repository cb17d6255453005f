"""CSV rows as bytes without a Python loop per row: every column is a byte matrix plus a mask.

A column is an `(n, width)` uint8 matrix and a same-shaped boolean mask of the bytes that belong
to each row's text (numbers are right-aligned, strings left-aligned). Putting the columns (and the
`,` / `\\n` separators) side by side and taking the masked bytes row-major gives the file's bytes.
Only what the Telecom twin writes: non-negative numbers, ASCII strings that need no quoting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_POW10 = 10 ** np.arange(19, dtype=np.int64)


@dataclass(frozen=True)
class Col:
    bytes: np.ndarray  # (n, width) uint8
    keep: np.ndarray  # (n, width) bool


def const(text: str, n: int) -> Col:
    raw = np.frombuffer(text.encode(), dtype=np.uint8)
    return Col(np.broadcast_to(raw, (n, len(raw))), np.ones((n, len(raw)), bool))


def lookup(strings: Sequence[str], codes: np.ndarray) -> Col:
    """strings[codes[i]] per row (left-aligned; empty strings allowed)."""
    encoded = [s.encode() for s in strings]
    for s in encoded:
        if b"," in s or b'"' in s or b"\n" in s:
            raise ValueError(f"{s!r} would need CSV quoting")
    width = max((len(s) for s in encoded), default=0) or 1
    table = np.zeros((len(encoded), width), np.uint8)
    lengths = np.array([len(s) for s in encoded], np.int64)
    for i, s in enumerate(encoded):
        table[i, : len(s)] = np.frombuffer(s, dtype=np.uint8)
    keep = np.arange(width) < lengths[:, None]
    return Col(table[codes], keep[codes])


def _ndigits(x: np.ndarray) -> np.ndarray:
    return np.maximum(np.searchsorted(_POW10, x, side="right"), 1)


def integer(x: np.ndarray) -> Col:
    """Decimal text of non-negative integers, no leading zeros."""
    x = np.asarray(x, np.int64)
    if len(x) and x.min() < 0:
        raise ValueError("negative numbers are not written by the twin")
    width = int(_ndigits(np.array([x.max() if len(x) else 0]))[0])
    place = _POW10[:width][::-1]
    out = (x[:, None] // place % 10 + 48).astype(np.uint8)
    keep = np.arange(width)[None, :] >= width - _ndigits(x)[:, None]
    return Col(out, keep)


def padded(x: np.ndarray, width: int) -> Col:
    """Decimal text of non-negative integers below 10**width, zero-padded to `width`."""
    place = _POW10[:width][::-1]
    out = (np.asarray(x, np.int64)[:, None] // place % 10 + 48).astype(np.uint8)
    return Col(out, np.ones(out.shape, bool))


def hexadecimal(x: np.ndarray, width: int) -> Col:
    """Lower-case hex of non-negative integers, zero-padded to `width` digits."""
    shifts = (4 * np.arange(width)[::-1]).astype(np.uint64)
    nibbles = (np.asarray(x, np.uint64)[:, None] >> shifts) & np.uint64(15)
    out = _HEX[nibbles.astype(np.intp)]
    return Col(out, np.ones(out.shape, bool))


def fixed(v: np.ndarray, decimals: int) -> Col:
    """`%.{decimals}f` of non-negative numbers."""
    scaled = np.rint(np.asarray(v, np.float64) * 10**decimals).astype(np.int64)
    whole, frac = divmod(scaled, 10**decimals)
    return join([integer(whole), const(".", len(v)), padded(frac, decimals)])


def short(v: np.ndarray, decimals: int) -> Col:
    """Non-negative numbers rounded to `decimals`, trailing zeros dropped but one kept (`1.0`)."""
    col = fixed(v, decimals)
    scaled = np.rint(np.asarray(v, np.float64) * 10**decimals).astype(np.int64)
    frac = scaled % 10**decimals
    zeros = sum((frac % 10**k == 0).astype(np.int64) for k in range(1, decimals))
    keep = col.keep.copy()
    width = keep.shape[1]
    drop = np.arange(width)[None, :] >= width - zeros[:, None]
    keep &= ~drop
    return Col(col.bytes, keep)


def join(cols: Sequence[Col]) -> Col:
    return Col(np.hstack([c.bytes for c in cols]), np.hstack([c.keep for c in cols]))


def rows(cols: Sequence[Col]) -> bytes:
    """Columns separated by commas, each row ended by a newline."""
    if not cols or not len(cols[0].bytes):
        return b""
    n = len(cols[0].bytes)
    pieces: list[Col] = []
    for i, c in enumerate(cols):
        if i:
            pieces.append(const(",", n))
        pieces.append(c)
    pieces.append(const("\n", n))
    whole = join(pieces)
    return whole.bytes[whole.keep].tobytes()
