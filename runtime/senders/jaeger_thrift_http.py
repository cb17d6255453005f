"""Jaeger collector, Thrift over HTTP: `POST <url>/api/traces`, one Thrift-binary `jaeger.Batch`.

A compiled trace frame is one batch of one process (pod): the process, the span list's header
(element type, i32 count) at `spans_at`, the spans, the struct's stop byte. Frames of one pod
merge into one batch without decoding: the first frame's head with the summed count, every
frame's spans, one stop byte. The backfill sends each pod's history in a few such requests
instead of one per minute; frames due later go one by one as their latest span ends.

The collector answers 202 (some proxies 200); a 4xx will not change by asking again; a 5xx or
429 is retried.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

from replaybed.runtime import patch
from replaybed.runtime.errors import ReplayError
from replaybed.runtime.senders.backend import Batching, HttpBackend
from replaybed.schemas import media_types
from replaybed.schemas.framing import TraceFrame
from replaybed.schemas.version import __version__

# Jaeger v2's collector reads at most 20 MiB per request (confighttp's default body limit)
BATCHING = Batching(max_span_ms=1 << 62, max_items=50_000, max_frame_bytes=8 << 20)
_COUNT = struct.Struct(">i")  # Thrift binary list size


def batch(frames: Sequence[TraceFrame], shift_ms: int) -> bytes:
    """One `Batch` holding the spans of `frames` (all of one pod), start times shifted."""
    first, *rest = frames
    body = patch.trace_body(first, shift_ms)
    if not rest:
        return body
    head = body[: first.spans_at - _COUNT.size]
    spans = [body[first.spans_at : -1]]
    for frame in rest:
        more = patch.trace_body(frame, shift_ms)
        if more[: frame.spans_at - _COUNT.size] != head or more[-1:] != b"\x00":
            raise ReplayError(
                f"trace frames of pod {first.pod} ({first.t0}) and {frame.pod} ({frame.t0}) "
                "carry different processes; expected one process per pod"
            )
        spans.append(more[frame.spans_at : -1])
    count = _COUNT.pack(sum(frame.count for frame in frames))
    return b"".join([head, count, *spans, b"\x00"])


BACKEND = HttpBackend(
    name="Jaeger collector (Thrift over HTTP)",
    media_type=media_types.TRACES,
    url_option="--jaeger",
    path="/api/traces",
    headers={"Content-Type": "application/x-thrift", "User-Agent": f"replaybed/{__version__}"},
    build=batch,
    batching=BATCHING,
    ok_status=frozenset({200, 202}),
)
