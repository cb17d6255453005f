"""Wall clock and replay offset: where dataset time lands in real time (pure but for `WallClock`)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Protocol

from replaybed.runtime.errors import ReplayConfigError
from replaybed.schemas.manifest import Manifest


class Clock(Protocol):
    def now_ms(self) -> int: ...
    def sleep(self, seconds: float) -> None: ...


class WallClock:
    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


def parse_rfc3339(text: str) -> int:
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ReplayConfigError(
            f"--anchor {text!r}: expected now, end or an RFC 3339 time like 2026-11-22T10:00:00Z"
        ) from None
    if dt.tzinfo is None:
        raise ReplayConfigError(f"--anchor {text!r}: an RFC 3339 time needs a zone (Z or +hh:mm)")
    return int(dt.timestamp() * 1000)


def offset_ms(manifest: Manifest, anchor: str, now_ms: int) -> int:
    """shift = anchor - origin. `now`: the fault happens now; `end`: the window ends now; else that instant."""
    if anchor == "now":
        at = now_ms
    elif anchor == "end":
        at = now_ms - manifest.window.end_ms
    else:
        at = parse_rfc3339(anchor)
    return at - manifest.origin_ms


def rfc3339(ms: int) -> str:
    return (
        datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"
    )
