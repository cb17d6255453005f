"""Backends a replay writes to, one module per protocol, chosen by the part's media type.

- `prometheus_remote_write` (+ `prometheus_window`, the check before writing): metrics parts
- `jaeger_thrift_http`: trace parts
- `log_lines`: log parts, printed as the pod's stdout
- `out_file`: `--out FILE`, the exact request bodies instead of sending them
- `http_sender`: delivery to any HTTP backend (one request ahead, retries, report)

A new HTTP backend (Loki, OTLP, ...) is one module declaring an `HttpBackend` for the media type
of the parts it sends (a new media type in `schemas/media_types.py` if its bodies differ), its
line in `HTTP_BACKENDS`, and its test; the replay loops, retries and report stay as they are.
"""

from __future__ import annotations

from replaybed.runtime.errors import ReplayConfigError
from replaybed.runtime.senders import jaeger_thrift_http, prometheus_remote_write
from replaybed.runtime.senders.backend import HttpBackend
from replaybed.schemas import media_types

HTTP_BACKENDS: dict[str, HttpBackend] = {
    backend.media_type: backend
    for backend in (prometheus_remote_write.BACKEND, jaeger_thrift_http.BACKEND)
}


def http_backend(media_type: str) -> HttpBackend:
    """The HTTP backend that receives parts of `media_type`."""
    try:
        return HTTP_BACKENDS[media_types.check(media_type)]
    except KeyError:
        raise ReplayConfigError(
            f"no HTTP backend sends {media_type} parts; backends: "
            + ", ".join(f"{b.name} ({t})" for t, b in HTTP_BACKENDS.items())
        ) from None
