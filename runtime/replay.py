"""The replay loops: pick the window's items, shift them, wait for their time, deliver.

Everything whose shifted time is already past goes at once, oldest first and batched (the
backfill); the rest goes as the wall clock reaches it, so nothing ever carries a future time.
Metric frames are due at their timestamp, trace frames at their latest span end, log lines at
their own time. `ready` is called once everything due at the start has been delivered.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator

from replaybed.runtime import patch
from replaybed.runtime.clock import Clock, rfc3339
from replaybed.runtime.errors import ReplayConfigError
from replaybed.runtime.senders.http_push import Pusher
from replaybed.runtime.source import Source
from replaybed.schemas.framing import LogFrame, MetricFrame, TraceFrame, i64s, u32s

MAX_BATCH_BYTES = 4 << 20


def _wait(clock: Clock, due_ms: int) -> None:
    while True:
        gap = due_ms - clock.now_ms()
        if gap <= 0:
            return
        clock.sleep(min(gap / 1000, 5.0))


class _Ready:
    def __init__(self, start_ms: int, ready: Callable[[], None] | None):
        self.start_ms, self.ready, self.done = start_ms, ready, False

    def before(self, due_ms: int) -> None:
        """Call before delivering an item due at `due_ms`: fires once the backlog is behind us."""
        if not self.done and due_ms > self.start_ms:
            self.fire()

    def fire(self) -> None:
        if not self.done:
            self.done = True
            if self.ready:
                self.ready()


def metrics(src: Source, shift_ms: int, pusher: Pusher, clock: Clock, ready=None) -> None:
    m = src.manifest
    tracker = _Ready(clock.now_ms(), ready)
    batch: list[bytes | bytearray] = []
    size = items = 0

    def flush():
        nonlocal batch, size, items
        if batch:
            pusher.push(b"".join(batch), items)
        batch, size, items = [], 0, 0

    for ref in m.parts_of("metrics"):
        for frame in src.frames(ref, MetricFrame):
            if not m.window.contains(frame.t0 - m.origin_ms):
                continue
            due = frame.t0 + shift_ms
            if due > clock.now_ms() or size + len(frame.body) > MAX_BATCH_BYTES:
                flush()
            tracker.before(due)
            _wait(clock, due)
            # concatenated WriteRequest bodies are one WriteRequest (repeated field 1)
            batch.append(patch.metric_body(frame, shift_ms))
            size += len(frame.body)
            items += frame.count
    flush()
    tracker.fire()


def traces(src: Source, shift_ms: int, pusher: Pusher, clock: Clock, ready=None) -> None:
    m = src.manifest
    tracker = _Ready(clock.now_ms(), ready)
    frames = []
    for ref in m.parts_of("traces"):
        frames += [f for f in src.frames(ref, TraceFrame) if m.window.contains(f.t0 - m.origin_ms)]
    frames.sort(key=lambda f: (f.end, f.t0, f.pod))
    for frame in frames:
        due = frame.end + shift_ms
        tracker.before(due)
        _wait(clock, due)
        pusher.push(bytes(patch.trace_body(frame, shift_ms)), frame.count)
    tracker.fire()


def log_lines(src: Source, pod: str) -> Iterator[tuple[int, bytes]]:
    m = src.manifest
    if pod not in {p.name for p in m.pods}:
        raise ReplayConfigError(
            f"--pod {pod!r} is not a pod of {m.id} (pods: {', '.join(p.name for p in m.pods)})"
        )
    for ref in m.parts_of("logs", pod):
        for frame in src.frames(ref, LogFrame):
            text, ends, times = bytes(frame.text), u32s(frame.ends), i64s(frame.times)
            start = 0
            for end, t in zip(ends, times):
                if m.window.contains(t - m.origin_ms):
                    yield t, text[start:end]
                start = end


def stamped(due_ms: int, line: bytes) -> bytes:
    """`<RFC 3339 time> <text>` for every physical line of one record.

    A record may hold newlines (a quoted CSV value spanning lines, a stack trace): each of its
    lines gets the prefix, so a reader that splits on newlines never sees an undated line.
    """
    prefix = rfc3339(due_ms).encode() + b" "
    return b"".join(prefix + part + b"\n" for part in line.split(b"\n"))


def logs(src: Source, pod: str, shift_ms: int, out, clock: Clock, report, ready=None) -> None:
    """`<RFC 3339 shifted time> <original line>` per line; the past at once, the future on time."""
    tracker = _Ready(clock.now_ms(), ready)
    for t, line in log_lines(src, pod):
        due = t + shift_ms
        if due > clock.now_ms():
            out.flush()
        tracker.before(due)
        _wait(clock, due)
        out.write(stamped(due, line))
        report.items += 1
        report.bytes += len(line)
    out.flush()
    tracker.fire()


def progress(kind: str) -> Callable[[str], None]:
    began = time.monotonic()

    def say(msg: str) -> None:
        print(f"[{time.monotonic() - began:6.1f}s] {kind}: {msg}", file=sys.stderr, flush=True)

    return say
