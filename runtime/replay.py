"""The replay loops: pick the window's items, shift them, wait for their time, deliver.

Everything whose shifted time is already past goes at once, oldest first (the backfill); the
rest goes as the wall clock reaches it, so nothing ever carries a future time. Metric frames are
due at their (latest) timestamp, trace frames at their latest span end, log lines at their own
time. `ready` is called once everything due at the start has been delivered.

The loops know frames and time; what a request looks like on the wire is the backend's
(`senders/`), and so is how much backfill one request may carry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import BinaryIO

from replaybed.runtime.clock import Clock
from replaybed.runtime.errors import ReplayConfigError
from replaybed.runtime.report import Report
from replaybed.runtime.senders.backend import Batching, HttpBackend, Sender
from replaybed.runtime.senders.log_lines import LogPrinter
from replaybed.runtime.source import Source
from replaybed.schemas import media_types
from replaybed.schemas.framing import LogFrame, MetricFrame, TraceFrame, i64s, u32s


def _wait(clock: Clock, due_ms: int) -> None:
    while True:
        gap = due_ms - clock.now_ms()
        if gap <= 0:
            return
        clock.sleep(min(gap / 1000, 5.0))


class _Ready:
    def __init__(self, start_ms: int, ready: Callable[[], None] | None):
        self.start_ms, self.ready, self.done = start_ms, ready, False

    def due(self, due_ms: int) -> bool:
        """Whether delivering an item due at `due_ms` means the backlog is behind us."""
        return not self.done and due_ms > self.start_ms

    def fire(self) -> None:
        if not self.done:
            self.done = True
            if self.ready:
                self.ready()


class _Batch:
    """Frames gathered for one request, within the backend's limits (None: one frame each)."""

    def __init__(self, limits: Batching | None):
        self.limits = limits
        self.frames: list = []
        self.items = self.size = 0

    def admits(self, frame: MetricFrame | TraceFrame) -> bool:
        if not self.frames:
            return True
        limits = self.limits
        return limits is not None and (
            frame.t1 - self.frames[0].t0 <= limits.max_span_ms
            and self.items + frame.count <= limits.max_items
            and self.size + len(frame.body) <= limits.max_frame_bytes
        )

    def add(self, frame: MetricFrame | TraceFrame) -> None:
        self.frames.append(frame)
        self.items += frame.count
        self.size += len(frame.body)

    def send(self, backend: HttpBackend, sender: Sender, shift_ms: int) -> None:
        if self.frames:
            sender.push(backend.request_body(self.frames, shift_ms), self.items)
        self.frames, self.items, self.size = [], 0, 0


def metrics(
    src: Source,
    shift_ms: int,
    *,
    backend: HttpBackend,
    sender: Sender,
    clock: Clock,
    ready: Callable[[], None] | None = None,
) -> None:
    m = src.manifest
    tracker = _Ready(clock.now_ms(), ready)
    batch = _Batch(backend.batching)
    for ref in m.parts_of("metrics"):
        for frame in src.frames(ref, MetricFrame):
            if not m.window.contains(frame.t0 - m.origin_ms):
                continue
            due = frame.t1 + shift_ms
            waits = tracker.due(due) or due > clock.now_ms()
            if waits or not batch.admits(frame):
                batch.send(backend, sender, shift_ms)
            if waits:
                sender.drain()
                tracker.fire()
                _wait(clock, due)
            batch.add(frame)
    batch.send(backend, sender, shift_ms)
    sender.drain()
    tracker.fire()


def traces(
    src: Source,
    shift_ms: int,
    *,
    backend: HttpBackend,
    sender: Sender,
    clock: Clock,
    ready: Callable[[], None] | None = None,
) -> None:
    m = src.manifest
    tracker = _Ready(clock.now_ms(), ready)
    frames = []
    for ref in m.parts_of("traces"):
        frames += [f for f in src.frames(ref, TraceFrame) if m.window.contains(f.t0 - m.origin_ms)]
    # a batch is due once its latest span has ended: a span never shows up before it is over
    frames.sort(key=lambda f: (f.end, f.t0, f.pod))
    now = clock.now_ms()
    backlog = 0
    while backlog < len(frames) and frames[backlog].end + shift_ms <= now:
        backlog += 1
    # the backlog in as few requests as the backend takes: a batch holds one process (pod)
    by_pod: dict[str, list[TraceFrame]] = {}
    for frame in frames[:backlog]:
        by_pod.setdefault(frame.pod, []).append(frame)
    for pod_frames in by_pod.values():
        batch = _Batch(backend.batching)
        for frame in pod_frames:
            if not batch.admits(frame):
                batch.send(backend, sender, shift_ms)
            batch.add(frame)
        batch.send(backend, sender, shift_ms)
    for frame in frames[backlog:]:
        due = frame.end + shift_ms
        if tracker.due(due) or due > clock.now_ms():
            sender.drain()
            tracker.fire()
            _wait(clock, due)
        sender.push(backend.request_body([frame], shift_ms), frame.count)
    sender.drain()
    tracker.fire()


# the loop that replays the frames of each part media type a backend sends
LOOPS = {media_types.METRICS: metrics, media_types.TRACES: traces}


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


def logs(
    src: Source,
    shift_ms: int,
    *,
    pod: str,
    sink: BinaryIO,
    report: Report,
    clock: Clock,
    ready: Callable[[], None] | None = None,
) -> None:
    """`<RFC 3339 shifted time> <original line>` per line; the past at once, the future on time."""
    tracker = _Ready(clock.now_ms(), ready)
    printer = LogPrinter(sink, report)
    for t, line in log_lines(src, pod):
        due = t + shift_ms
        if tracker.due(due) or due > clock.now_ms():
            printer.flush()
            tracker.fire()
            _wait(clock, due)
        printer.print(due, line)
    printer.flush()
    tracker.fire()
