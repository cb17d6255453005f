"""The `Log` column: one Docker json-file record, `{"log": "<line>\\n", "stream": ..., "time": ...}` (pure).

The printed line is the `log` value without its trailing newline. Docker cuts lines longer than
16 KiB into records of 16,384 characters without the newline ("partial" records) whose
continuation is the next record of the container; Nezha's collector kept only records whose
text names a TraceID, and a continuation starts mid-line, so no continuation reaches the dataset:
in all 4,122 partial records of the real Train-Ticket days the next record of the same container
starts a new line with its own clock time. A partial record is therefore printed as the line it
is (its first 16 KiB) and never glued to the following, unrelated line.
"""

from __future__ import annotations

import json

KEYS = frozenset({"log", "stream", "time"})
STREAMS = ("stdout", "stderr")


def line_of(record: str) -> tuple[str | None, str]:
    """(printed line, "") for a valid record, or (None, what is wrong)."""
    try:
        obj = json.loads(record)
    except ValueError as exc:
        return (
            None,
            f"not a Docker json-file record ({exc}); expected a JSON object with log, stream, time",
        )
    if not isinstance(obj, dict) or set(obj) != KEYS:
        found = sorted(obj) if isinstance(obj, dict) else type(obj).__name__
        return (
            None,
            f"record keys {found}; expected a Docker json-file record with log, stream, time",
        )
    log, stream, time = obj["log"], obj["stream"], obj["time"]
    if not isinstance(log, str) or not isinstance(time, str) or stream not in STREAMS:
        return (
            None,
            f"record log={log!r:.40}, stream={stream!r}, time={time!r}; expected text, stdout/stderr, text",
        )
    return log.removesuffix("\n"), ""
