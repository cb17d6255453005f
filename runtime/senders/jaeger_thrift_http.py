"""Jaeger collector, Thrift over HTTP: `POST <url>/api/traces`, one Thrift-binary `jaeger.Batch`.

Each compiled trace frame is one batch of one process (pod), sent as its own request once its
latest span has ended. The collector answers 202 (some proxies 200); a 4xx will not change by
asking again; a 5xx or 429 is retried.
"""

from __future__ import annotations

from collections.abc import Sequence

from replaybed.runtime import patch
from replaybed.runtime.senders.backend import HttpBackend
from replaybed.schemas import media_types
from replaybed.schemas.framing import TraceFrame
from replaybed.schemas.version import __version__


def batch(frames: Sequence[TraceFrame], shift_ms: int) -> bytes:
    (frame,) = frames
    return patch.trace_body(frame, shift_ms)


BACKEND = HttpBackend(
    name="Jaeger collector (Thrift over HTTP)",
    media_type=media_types.TRACES,
    url_option="--jaeger",
    path="/api/traces",
    headers={"Content-Type": "application/x-thrift", "User-Agent": f"replaybed/{__version__}"},
    build=batch,
    batching=None,
    ok_status=frozenset({200, 202}),
)
