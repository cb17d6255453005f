"""`<date>-fault_list.json`: the injected faults of one day, checked completely (pure + one read).

Shape: `{"<HH>": [{"inject_time", "inject_timestamp", "inject_pod", "inject_type"}, ...]}`, every
value a string, entries grouped by the UTC hour of `inject_time`. `inject_time` (UTC wall clock)
is the fault instant; `inject_timestamp` is kept in the record as read but never used: in the
real files it is the same instant for three days and about 8 h earlier for most of 2023-01-29.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from replaybed.compile.datasets.nezha import clock
from replaybed.compile.datasets.nezha.catalog import FAULT_KEYS, INJECT_TYPES
from replaybed.compile.errors import DatasetError

_ENTRY_START = re.compile(r'"inject_time"\s*:')


@dataclass(frozen=True)
class Injection:
    date: str
    hour: str  # the group key, "05"
    time_text: str  # inject_time as written
    time_ns: int
    timestamp_text: str  # inject_timestamp as written (not used for time)
    pod: str
    type: str
    file: str
    line: int | None

    @property
    def name(self) -> str:
        """The scenario name: `<date>-<HHMMSS>` of inject_time (`2022-08-22-051809`)."""
        return f"{self.date}-{self.time_text[11:].replace(':', '')}"


def read(path: Path, date: str) -> list[Injection]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DatasetError(
            f"missing fault list (expected {path.name}: {{hour: [{{{', '.join(FAULT_KEYS)}}}]}})",
            file=str(path),
        ) from None
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DatasetError(
            "invalid UTF-8 text; expected a UTF-8 JSON file", file=str(path), line=line
        ) from None
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DatasetError(f"not valid JSON ({exc.msg})", file=str(path), line=exc.lineno) from None
    if not isinstance(obj, dict):
        raise DatasetError(
            f"top level is a {type(obj).__name__}; expected an object of hour -> list of faults",
            file=str(path),
            line=1,
        )
    # entries appear in the text in the order json keeps them: the n-th "inject_time" key is
    # the n-th entry, which gives each entry its line
    starts = [text.count("\n", 0, m.start()) + 1 for m in _ENTRY_START.finditer(text)]
    out: list[Injection] = []
    for hour, entries in obj.items():
        if not isinstance(entries, list):
            raise DatasetError(
                f"hour {hour!r} holds a {type(entries).__name__}; expected a list of faults",
                file=str(path),
            )
        for entry in entries:
            n = len(out)
            out.append(_entry(entry, hour, date, path, starts[n] if n < len(starts) else None))
    return out


def _entry(entry: object, hour: str, date: str, path: Path, line: int | None) -> Injection:
    def bad(message: str) -> DatasetError:
        return DatasetError(message, file=str(path), line=line)

    if not isinstance(entry, dict) or set(entry) != set(FAULT_KEYS):
        keys = sorted(entry) if isinstance(entry, dict) else type(entry).__name__
        raise bad(f"fault entry has {keys}; expected exactly the keys {', '.join(FAULT_KEYS)}")
    for key in FAULT_KEYS:
        if not isinstance(entry[key], str) or not entry[key]:
            raise bad(f"{key} is {entry[key]!r}; expected a non-empty string")
    time_text = entry["inject_time"]
    time_ns = clock.wall_ns(time_text)
    if time_ns is None:
        raise bad(f"inject_time {time_text!r}; expected 'YYYY-MM-DD HH:MM:SS' (UTC)")
    if time_text[:10] != date:
        raise bad(f"inject_time {time_text!r} is not on {date}, the day this fault list is for")
    if time_text[11:13] != hour:
        raise bad(
            f"inject_time {time_text!r} is listed under hour {hour!r}; expected under "
            f"{time_text[11:13]!r} (faults are grouped by the UTC hour of inject_time)"
        )
    if not entry["inject_timestamp"].isdigit():
        raise bad(
            f"inject_timestamp {entry['inject_timestamp']!r}; expected epoch seconds (digits)"
        )
    if entry["inject_type"] not in INJECT_TYPES:
        raise bad(
            f"inject_type {entry['inject_type']!r}; expected one of {', '.join(INJECT_TYPES)}"
        )
    return Injection(
        date,
        hour,
        time_text,
        time_ns,
        entry["inject_timestamp"],
        entry["inject_pod"],
        entry["inject_type"],
        str(path),
        line,
    )
