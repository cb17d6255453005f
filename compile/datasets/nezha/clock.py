"""The time texts of the Nezha files -> epoch ns (pure): Go `Time.String()`, RFC 3339, minute names.

- metric `Time`: `2022-08-22 05:12:19.863394899 +0000 UTC m=+4860.169348879` (Go's
  `time.Time.String()` of a UTC time; the monotonic `m=` suffix is ignored);
- log `Timestamp`: `2022-08-22T05:18:42.908318Z` (1 to 9 fraction digits), or without zone and
  with ms only (`2023-01-29T09:20:29.295`) on the rows whose `TimeUnixNano` is Go's zero time;
- fault `inject_time`: `2022-08-22 05:18:09` (UTC);
- minute files `HH_MM_<kind>.csv` of a day folder `YYYY-MM-DD`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

NS = 1_000_000_000
MINUTE_NS = 60 * NS
# `time.Time{}.UnixNano()` in Go: what the collector wrote when it could not parse a log's time
GO_ZERO_UNIX_NANO = -6795364578871345152

_GO = re.compile(
    r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)(?:\.(\d{1,9}))? \+0000 UTC(?: m=[+-]\d+\.\d+)?$"
)
_RFC3339 = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z?)$")
_WALL = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
_MINUTE_FILE = re.compile(r"^(\d\d)_(\d\d)_(log|trace|traceid)\.csv$")
_DATE = re.compile(r"^\d{4}-\d\d-\d\d$")

_seconds_cache: dict[str, int] = {}


def _seconds(text: str, fmt: str) -> int:
    s = _seconds_cache.get(text)
    if s is None:
        s = int(datetime.strptime(text, fmt).replace(tzinfo=UTC).timestamp())
        if len(_seconds_cache) > 100_000:
            _seconds_cache.clear()
        _seconds_cache[text] = s
    return s


def _fraction_ns(digits: str | None) -> int:
    return int((digits or "").ljust(9, "0"))


def go_time_ns(text: str) -> int | None:
    """Epoch ns of a Go `Time.String()` in UTC, or None when the text is not one."""
    m = _GO.match(text)
    if not m:
        return None
    try:
        return _seconds(m.group(1), "%Y-%m-%d %H:%M:%S") * NS + _fraction_ns(m.group(2))
    except ValueError:
        return None


def rfc3339_ns(text: str, *, zone_required: bool = True) -> int | None:
    """Epoch ns of `YYYY-MM-DDTHH:MM:SS[.f]Z` (UTC), or None when the text is not one."""
    m = _RFC3339.match(text)
    if not m or (zone_required and not m.group(3)):
        return None
    try:
        return _seconds(m.group(1), "%Y-%m-%dT%H:%M:%S") * NS + _fraction_ns(m.group(2))
    except ValueError:
        return None


def wall_ns(text: str) -> int | None:
    """Epoch ns of `YYYY-MM-DD HH:MM:SS` read as UTC, or None."""
    if not _WALL.match(text):
        return None
    try:
        return _seconds(text, "%Y-%m-%d %H:%M:%S") * NS
    except ValueError:
        return None


def is_date(name: str) -> bool:
    if not _DATE.match(name):
        return False
    try:
        datetime.strptime(name, "%Y-%m-%d")
    except ValueError:
        return False
    return True


def date_ns(date: str) -> int:
    return _seconds(date, "%Y-%m-%d") * NS


def minute_file(name: str) -> tuple[int, int, str] | None:
    """(hour, minute, kind) of a minute file name, or None."""
    m = _MINUTE_FILE.match(name)
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        return None
    return int(m.group(1)), int(m.group(2)), m.group(3)


def show(ns: int) -> str:
    return datetime.fromtimestamp(ns / NS, UTC).strftime("%Y-%m-%d %H:%M:%S.%f UTC")
