"""Wall clock and replay offset: where dataset time lands in real time (pure but for `WallClock`)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Protocol

from replaybed.runtime.errors import ReplayConfigError
from replaybed.schemas.manifest import Manifest
from replaybed.schemas.timestamp_slots import VARINT_MS_MAX, VARINT_MS_MIN


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


def replay_window(manifest: Manifest, shift_ms: int) -> tuple[int, int]:
    """First and last millisecond a replay of `manifest` shifted by `shift_ms` can write."""
    start = manifest.origin_ms + manifest.window.start_ms + shift_ms
    return start, manifest.origin_ms + manifest.window.end_ms + shift_ms - 1


def check_slot_range(manifest: Manifest, shift_ms: int, anchor: str) -> None:
    """Refuse, before anything is sent, a shift that moves the window out of the range a
    timestamp slot holds (1971-2109, `schemas/timestamp_slots.py`)."""
    start, end = replay_window(manifest, shift_ms)
    if start < VARINT_MS_MIN or end >= VARINT_MS_MAX:
        raise ReplayConfigError(
            f"--anchor {anchor}: the window would land at {start}..{end} ms, outside "
            f"[{VARINT_MS_MIN}, {VARINT_MS_MAX}) ms (1971-02-02 .. 2109-05-15 UTC), the times "
            "a prebuilt body can hold"
        )


def rfc3339(ms: int) -> str:
    return (
        datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"
    )
