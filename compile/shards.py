"""Shards: the independent pieces of a system's compile, one per span its telemetry covers (pure).

A format's `System.coverage()` lists the dataset-time spans its files cover (Market: one per
UTC+8 day folder). Shard k owns every needed chunk whose start lies in span k (chunks before the
first span go to the first, chunks in a gap to the span before it), reads the files of its own
chunks through `System.read` and builds their parts. Parts depend only on a chunk's rows, so
shards run in any order, in one process or on many machines, and give the same bytes as long as
the format's reader keeps its contract (every file that may hold rows of a span is read for
it). A compile in one process runs its shards one after the other.

Names: `<system>@<YYYY-MM-DD>` for a span that starts at midnight in the dataset's zone (Market:
`cloudbed-1@2022-03-20`), `<system>@<YYYY-MM-DD>T<HHMM>` otherwise.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from replaybed.compile.errors import CompileError
from replaybed.schemas.manifest import tzinfo


@dataclass(frozen=True)
class Shard:
    system: str
    name: str
    start_ms: int  # the covered span it owns
    end_ms: int
    chunks: tuple[int, ...]  # starts of the needed chunks it builds, sorted

    def to_dict(self) -> dict:
        return {
            "shard": self.name,
            "system": self.system,
            "start_ms": self.start_ms,
            "end_ms": self.end_ms,
            "chunks": len(self.chunks),
        }


def shard_name(system: str, start_ms: int, tz: str) -> str:
    local = datetime.fromtimestamp(start_ms / 1000, tzinfo(tz))
    if (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0):
        return f"{system}@{local:%Y-%m-%d}"
    return f"{system}@{local:%Y-%m-%dT%H%M}"


def plan(
    system: str, tz: str, coverage: Sequence[tuple[int, int]], needed: Sequence[int]
) -> list[Shard]:
    """The shards that own at least one of the `needed` chunk starts, in time order."""
    spans = sorted(coverage)
    if not spans:
        raise CompileError(f"system {system}: its format says its telemetry covers no time")
    starts = [lo for lo, _ in spans]
    owned: dict[int, list[int]] = {}
    for c in sorted(needed):
        k = max(bisect.bisect_right(starts, c) - 1, 0)
        owned.setdefault(k, []).append(c)
    shards = [
        Shard(system, shard_name(system, spans[k][0], tz), *spans[k], tuple(chunks))
        for k, chunks in sorted(owned.items())
    ]
    names = [s.name for s in shards]
    if len(set(names)) != len(names):
        raise CompileError(f"system {system}: two covered spans give one shard name ({names})")
    return shards


def pick(shards: Sequence[Shard], names: Sequence[str]) -> list[Shard]:
    """The shards named (all when `names` is empty); an unknown name lists the known ones."""
    if not names:
        return list(shards)
    by_name = {s.name: s for s in shards}
    missing = [n for n in names if n not in by_name]
    if missing:
        raise CompileError(
            f"unknown shard(s) {', '.join(missing)}; this compile has "
            f"{', '.join(by_name) or 'none'} (see `replaybed compile DIR --list-shards`)"
        )
    return [by_name[n] for n in dict.fromkeys(names)]
