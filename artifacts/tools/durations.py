"""Durations on the command line: `90s`, `30m`, `1h`, `7d`, or plain seconds."""

from __future__ import annotations

import re

from replaybed.artifacts.errors import StoreConfigError

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)([smhd]?)$")


def seconds(text: str) -> float:
    match = _DURATION.match(text.strip())
    if not match:
        raise StoreConfigError(
            f"duration {text!r}: expected a number with an optional unit s, m, h or d (e.g. 1h)"
        )
    return float(match.group(1)) * _UNITS[match.group(2) or "s"]
