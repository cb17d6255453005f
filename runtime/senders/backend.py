"""What a backend module declares, and what every sender does with a request body.

A backend module (one per protocol: `prometheus_remote_write`, `jaeger_thrift_http`, ...) holds
all the knowledge of its protocol in one `HttpBackend`: how to build a request body from a batch
of frames, how it goes on the wire, where it goes, and which answers mean "never again". The
senders (`http_sender.HttpSender`, `out_file.OutFile`) and the retry policy stay generic.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from replaybed.runtime.retry import Permanent, client_error

# (frames of one request, shift in ms) -> the request body before `encode`
Build = Callable[[Sequence[Any], int], bytes]


def as_is(body: bytes) -> bytes:
    return body


@dataclass(frozen=True)
class Batching:
    """How much history one request may carry: frames are added oldest first while the request
    spans at most `max_span_ms` of item time, `max_items` items and `max_frame_bytes` of frames."""

    max_span_ms: int
    max_items: int
    max_frame_bytes: int


@dataclass(frozen=True)
class HttpBackend:
    name: str  # for messages, e.g. "Prometheus remote write"
    media_type: str  # the part media type whose frames it sends (schemas/media_types.py)
    url_option: str  # the `replaybed run` option that names its base URL
    path: str  # appended to that base URL
    headers: Mapping[str, str]
    build: Build
    batching: Batching | None  # None: one frame per request
    encode: Callable[[bytes], bytes] = as_is  # the body as sent and as written to --out
    ok_status: Collection[int] = field(default=range(200, 300))
    permanent: Permanent = client_error

    def url(self, base: str) -> str:
        return base.rstrip("/") + self.path

    def request_body(self, frames: Sequence[Any], shift_ms: int) -> bytes:
        """The exact bytes of one request carrying `frames` shifted by `shift_ms`."""
        return self.encode(self.build(frames, shift_ms))


class Sender(Protocol):
    """Delivers request bodies in the order given; books every outcome in the run's report."""

    def push(self, body: bytes, items: int) -> None:
        """Deliver one request body (already `encode`d) that carries `items` samples/spans."""
        ...

    def drain(self) -> None:
        """Return once everything pushed so far is delivered or booked as rejected."""
        ...
