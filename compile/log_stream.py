"""Per-pod log frames: original lines, interleaved by time (pure).

Order: by timestamp; for equal timestamps by the reader's stream number (Market: `log_service`
lines before `log_proxy` lines), then in file order, so a replay prints exactly what a reader of
the files would reconstruct.
"""

from __future__ import annotations

from array import array

from replaybed.schemas.framing import LogFrame


def frame(pod: str, lines: list[tuple[int, int, int, str]]) -> LogFrame:
    """`lines` = (time ms, stream, position in the stream's files, text)."""
    ordered = sorted(lines, key=lambda row: (row[0], row[1], row[2]))
    text = bytearray()
    ends = array("I")
    times = array("q")
    for t, _, _, value in ordered:
        text += value.encode()
        ends.append(len(text))
        times.append(t)
    return LogFrame(
        ordered[0][0],
        ordered[-1][0],
        len(ordered),
        pod,
        bytes(text),
        ends.tobytes(),
        times.tobytes(),
    )
