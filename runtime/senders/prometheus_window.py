"""One incident per window: refuse (or, with --replace, clear) a Prometheus window that already
holds series of the scenario's namespace, before anything is written (the HTTP shell around
`schemas.prometheus_api.clear_window`, run by `run metrics` before the remote-write pushes)."""

from __future__ import annotations

from urllib.parse import urlencode

from replaybed.runtime.clock import Clock, replay_window
from replaybed.runtime.errors import ReplayConfigError
from replaybed.runtime.report import Report
from replaybed.runtime.transport import Transport
from replaybed.schemas import prometheus_api
from replaybed.schemas.manifest import Manifest
from replaybed.schemas.version import __version__

HEADERS = {"User-Agent": f"replaybed/{__version__}", "Accept": "application/json"}


def ensure_clean(
    transport: Transport,
    clock: Clock,
    *,
    url: str,
    manifest: Manifest,
    shift_ms: int,
    replace: bool,
    report: Report,
    connect_timeout_s: float = 120.0,
) -> prometheus_api.WindowState:
    """Raises ReplayConfigError when the window is not (or cannot be made) clean; books the
    series it deleted and the requests it had to repeat in `report`."""
    base = url.rstrip("/")
    started = clock.now_ms()

    def call(method: str, path: str, params: dict[str, str]) -> tuple[int, bytes]:
        target = base + path + (f"?{urlencode(params)}" if params else "")
        while True:
            try:
                return transport.request(method, target, HEADERS, b"" if method == "POST" else None)
            except OSError as exc:
                # the backend may still be starting, as for the pushes themselves
                if (clock.now_ms() - started) / 1000 >= connect_timeout_s:
                    raise ReplayConfigError(f"{base}: unreachable ({exc})") from exc
                report.retried += 1
                clock.sleep(1.0)

    start, end = replay_window(manifest, shift_ms)
    state = prometheus_api.clear_window(
        call, url=base, namespace=manifest.namespace, start_ms=start, end_ms=end, replace=replace
    )
    if state.problem:
        raise ReplayConfigError(state.problem)
    report.replaced_series = state.found
    return state
