"""Coalescing part reads into few ranged requests (pure).

Reading a part costs a request; reading bytes one does not need costs bandwidth. Parts of one
pack whose ranges are at most `max_gap` bytes apart are fetched in one request, up to `max_span`
bytes per request (so a request's buffer stays bounded and big reads still run in parallel).
On loopback S3 one request costs about as much as a few hundred KB of transfer, hence the
default gap.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import Future

from replaybed.artifacts.packs import Location

DEFAULT_MAX_GAP = 256 * 1024
DEFAULT_MAX_SPAN = 16 * 1024 * 1024
T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Span:
    """One ranged request: bytes [start, end) of a pack and the parts inside it."""

    pack: str
    start: int
    end: int
    parts: tuple[tuple[str, Location], ...]

    @property
    def length(self) -> int:
        return self.end - self.start

    def slices(self, data: bytes | memoryview) -> Iterable[tuple[str, Location, memoryview]]:
        """(digest, location, stored bytes) of each part, cut out of this span's data."""
        view = memoryview(data)
        for digest, loc in self.parts:
            yield digest, loc, view[loc.offset - self.start : loc.offset - self.start + loc.length]


def coalesce(
    wanted: Iterable[tuple[str, Location]],
    max_gap: int = DEFAULT_MAX_GAP,
    max_span: int = DEFAULT_MAX_SPAN,
) -> list[Span]:
    """Spans covering every wanted (digest, location), in pack and offset order.

    A digest wanted twice is read once. A part longer than `max_span` gets a span of its own.
    """
    unique = dict(wanted)
    ordered = sorted(unique.items(), key=lambda item: (item[1].pack, item[1].offset))
    spans: list[Span] = []
    members: list[tuple[str, Location]] = []
    pack, start, end = "", 0, 0
    for digest, loc in ordered:
        stop = loc.offset + loc.length
        joins = (
            members
            and loc.pack == pack
            and loc.offset - end <= max_gap
            and max(end, stop) - start <= max_span
        )
        if not joins:
            if members:
                spans.append(Span(pack, start, end, tuple(members)))
            members, pack, start, end = [], loc.pack, loc.offset, stop
        members.append((digest, loc))
        end = max(end, stop)
    if members:
        spans.append(Span(pack, start, end, tuple(members)))
    return spans


def in_order(fn: Callable[[T], R], items: list[T], jobs: int) -> Iterator[tuple[T, R]]:
    """(item, fn(item)) in order, fn running on up to `jobs` items ahead of the consumer.

    At most `jobs` results wait in memory, so reading a whole store stays bounded.
    """
    if len(items) <= 1 or jobs <= 1:
        yield from ((item, fn(item)) for item in items)
        return
    # imported here: a replay pod usually reads one span per stream and never needs threads,
    # and every import is start-up time of each pod
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(min(jobs, len(items)), thread_name_prefix="span") as pool:
        pending: deque[tuple[T, Future[R]]] = deque()
        todo = iter(items)
        try:
            for item in todo:
                pending.append((item, pool.submit(fn, item)))
                if len(pending) >= jobs:
                    break
            while pending:
                item, future = pending.popleft()
                result = future.result()
                following = next(todo, None)
                if following is not None:
                    pending.append((following, pool.submit(fn, following)))
                yield item, result
        finally:
            for _, future in pending:
                future.cancel()
