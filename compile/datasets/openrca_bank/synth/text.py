"""Vectorised text for CSV rows: fixed-width digit and hex strings, and rows joined in one pass.

Columns are computed with numpy; rows are assembled by `lines`, a single C-level pass
(`str.join` over `zip`) in which no Python code runs per row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import chain, repeat

import numpy as np

_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def digits(values: np.ndarray, width: int) -> list[str]:
    """Non-negative integers < 10**width as zero-padded decimal text of exactly `width` digits."""
    v = np.asarray(values, dtype=np.int64)
    if len(v) and (v.min() < 0 or v.max() >= 10**width):
        raise ValueError(f"values outside 0 .. 10**{width}")
    raw = (v + 10**width).astype(f"S{width + 1}").view(np.uint8).reshape(len(v), width + 1)
    return np.ascontiguousarray(raw[:, 1:]).view(f"S{width}").ravel().astype(f"U{width}").tolist()


def hex_text(rng: np.random.Generator, n: int, width: int) -> list[str]:
    """`n` random lower-case hex strings of `width` characters."""
    raw = _HEX[rng.integers(0, 16, size=(n, width))]
    return np.ascontiguousarray(raw).view(f"S{width}").ravel().astype(f"U{width}").tolist()


def numbers(values: np.ndarray) -> list[str]:
    """Floats as Python writes them (`26.2957`, `100.0`): the shortest text that reads back exactly."""
    return list(map(repr, np.asarray(values, dtype=np.float64).tolist()))


def integers(values: np.ndarray) -> list[str]:
    return list(map(str, np.asarray(values, dtype=np.int64).tolist()))


Piece = str | Sequence[str]


def lines(*pieces: Piece) -> str:
    """Concatenate row by row: each piece is a column of strings or one constant string."""
    n = next(len(p) for p in pieces if not isinstance(p, str))
    columns: list[Iterable[str]] = [repeat(p, n) if isinstance(p, str) else p for p in pieces]
    return "".join(chain.from_iterable(zip(*columns)))


def csv_field(text: str) -> str:
    """One CSV field as RFC 4180 writes it: quoted (quotes doubled) when it needs to be."""
    if any(c in text for c in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text
