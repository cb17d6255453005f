"""Coalescing ranged reads, and the bounded in-order fetch."""

import threading
import time

from replaybed.artifacts import ranges
from replaybed.artifacts.packs import Location


def at(pack: str, offset: int, length: int = 10) -> Location:
    return Location(pack, offset, length)


def test_neighbours_merge_across_small_gaps_only():
    wanted = [
        ("a", at("p", 0)),
        ("b", at("p", 10)),
        ("c", at("p", 25)),  # 5-byte gap
        ("d", at("p", 1000)),  # far
        ("e", at("q", 20)),  # other pack
    ]
    spans = ranges.coalesce(wanted, max_gap=5, max_span=10_000)
    assert [(s.pack, s.start, s.end, [p for p, _ in s.parts]) for s in spans] == [
        ("p", 0, 35, ["a", "b", "c"]),
        ("p", 1000, 1010, ["d"]),
        ("q", 20, 30, ["e"]),
    ]
    data = bytes(range(35))
    assert [(dg, bytes(view)) for dg, _, view in spans[0].slices(data)] == [
        ("a", data[0:10]),
        ("b", data[10:20]),
        ("c", data[25:35]),
    ]


def test_spans_are_capped_and_duplicates_read_once():
    wanted = [(str(i), at("p", 10 * i)) for i in range(10)] + [("3", at("p", 30))]
    spans = ranges.coalesce(reversed(wanted), max_gap=0, max_span=40)
    assert [(s.start, s.end) for s in spans] == [(0, 40), (40, 80), (80, 100)]
    assert sum(len(s.parts) for s in spans) == 10
    huge = ranges.coalesce([("x", at("p", 0, 100)), ("y", at("p", 100))], max_span=50)
    assert [(s.start, s.end) for s in huge] == [(0, 100), (100, 110)]


def test_in_order_keeps_order_and_bounds_what_runs_ahead():
    running, peak, lock = [0], [0], threading.Lock()

    def slow(i: int) -> int:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.01 * (i % 3))
        with lock:
            running[0] -= 1
        return i * i

    got = []
    for i, result in ranges.in_order(slow, list(range(20)), jobs=3):
        got.append((i, result))
        time.sleep(0.005)
    assert got == [(i, i * i) for i in range(20)] and peak[0] <= 3
