"""Per-row byte strings as Arrow `large_binary` arrays: built from numpy, joined, sliced (pure).

The wire encoders frame hundreds of thousands of rows per chunk. Building each row's bytes in a
Python loop costs microseconds per row; here a row's bytes are assembled column by column in C
(fixed-width fields from numpy matrices, variable ones from Arrow string columns, then
`binary_join_element_wise`), and a run of consecutive rows is one slice of the joined array's data
buffer. Every helper returns `large_binary` so no chunk can overflow 32-bit offsets.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

BIN = pa.large_binary()
EMPTY = pa.scalar(b"", BIN)


def fixed(matrix: np.ndarray) -> pa.Array:
    """Row i = the bytes of `matrix[i]` (an (n, w) uint8 matrix)."""
    n, width = matrix.shape
    data = np.ascontiguousarray(matrix, dtype=np.uint8)
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int64)
    return pa.Array.from_buffers(BIN, n, [None, pa.py_buffer(offsets), pa.py_buffer(data)])


def ragged(data: np.ndarray, lengths: np.ndarray) -> pa.Array:
    """Row i = the next `lengths[i]` bytes of `data` (rows back to back)."""
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return pa.Array.from_buffers(
        BIN,
        len(lengths),
        [None, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(data, np.uint8))],
    )


def only(mask: np.ndarray, matrix: np.ndarray) -> pa.Array:
    """Row i = `matrix[j]` for the j-th True of `mask` where `mask[i]`, else empty."""
    width = matrix.shape[1]
    return ragged(matrix.reshape(-1), mask.astype(np.int64) * width)


def repeat(mask: np.ndarray, value: bytes) -> pa.Array:
    """Row i = `value` where `mask[i]`, else empty."""
    k = int(np.count_nonzero(mask))
    return only(mask, np.tile(np.frombuffer(value, dtype=np.uint8), (k, 1)))


def text(column: pa.Array) -> pa.Array:
    """A string column as binary rows (nulls as empty)."""
    return pc.fill_null(column.cast(pa.large_string()), "").cast(BIN)


def join(*columns: pa.Array | bytes) -> pa.Array:
    """Row-wise concatenation; a `bytes` argument is the same for every row."""
    args = [pa.scalar(c, BIN) if isinstance(c, bytes) else c for c in columns]
    return pc.binary_join_element_wise(*args, EMPTY)


def where(mask: np.ndarray, rows: pa.Array) -> pa.Array:
    """`rows[i]` where `mask[i]`, else empty."""
    return pc.if_else(pa.array(mask), rows, EMPTY)


def per_list(offsets: np.ndarray, items: pa.Array) -> pa.Array:
    """Row i = items[offsets[i]:offsets[i + 1]] back to back."""
    lists = pa.LargeListArray.from_arrays(pa.array(offsets, pa.int64()), items)
    return pc.binary_join(lists, EMPTY)


def be32(values: np.ndarray) -> np.ndarray:
    """(n, 4) big-endian int32 bytes."""
    return np.ascontiguousarray(values, dtype=">i4").view(np.uint8).reshape(-1, 4)


def be64(values: np.ndarray) -> np.ndarray:
    """(n, 8) big-endian int64 bytes."""
    return np.ascontiguousarray(values, dtype=">i8").view(np.uint8).reshape(-1, 8)


def lengths(rows: pa.Array) -> np.ndarray:
    """Byte length of every row (int64)."""
    return np.asarray(pc.binary_length(rows).to_numpy(zero_copy_only=False), dtype=np.int64)


def buffers(rows: pa.Array) -> tuple[memoryview, np.ndarray]:
    """(data, offsets) of a binary array: row i is data[offsets[i]:offsets[i + 1]]."""
    rows = rows.cast(BIN)
    _, offs, data = rows.buffers()
    offsets = np.frombuffer(offs, dtype=np.int64)[rows.offset : rows.offset + len(rows) + 1]
    return (memoryview(data) if data is not None else memoryview(b"")), offsets
