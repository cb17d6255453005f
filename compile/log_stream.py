"""Per-pod log frames: original lines, interleaved by time (pure).

Order: by timestamp; for equal timestamps by the reader's stream number (Market: `log_service`
lines before `log_proxy` lines), then in file order, so a replay prints exactly what a reader of
the files would reconstruct. The caller sorts; a frame is a slice of the sorted text column.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from replaybed.compile import byte_rows
from replaybed.schemas.framing import LogFrame


def frames(pods: list[str], bounds: np.ndarray, t_ms: np.ndarray, text: pa.Array) -> list[LogFrame]:
    """One frame per pod: lines bounds[i]:bounds[i + 1] (in replay order) belong to pods[i]."""
    data, offsets = byte_rows.buffers(byte_rows.text(text))
    out = []
    for i, pod in enumerate(pods):
        lo, hi = int(bounds[i]), int(bounds[i + 1])
        base = int(offsets[lo])
        out.append(
            LogFrame(
                int(t_ms[lo]),
                int(t_ms[hi - 1]),
                hi - lo,
                pod,
                bytes(data[base : int(offsets[hi])]),
                (offsets[lo + 1 : hi + 1] - base).astype("<u4").tobytes(),
                np.ascontiguousarray(t_ms[lo:hi], dtype="<i8").tobytes(),
            )
        )
    return out
