"""`replaybed run metrics|traces|logs`: replay one scenario at the current time."""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path

import click

_COMMON = [
    click.option("--scenario", default=None, help="Scenario id, e.g. cloudbed-1/017."),
    click.option(
        "--store",
        "store_url",
        default=None,
        help="Store URL or path (default: $REPLAYBED_STORE or the local data dir).",
    ),
    click.option(
        "--locator",
        default=None,
        help="A `replaybed store url` JSON (file or URL) instead of a store: no credentials.",
    ),
    click.option(
        "--anchor",
        default="now",
        show_default=True,
        help="now (fault happens now), end (window ends now) or an RFC 3339 time of the fault.",
    ),
    click.option(
        "--json", "as_json", is_flag=True, help="Print the final report as JSON on stdout."
    ),
    click.option(
        "--ready-file",
        type=click.Path(path_type=Path),
        default=None,
        help="Create this file once the history is delivered.",
    ),
]


def common(fn):
    for option in reversed(_COMMON):
        fn = option(fn)
    return fn


@click.group("run")
def run() -> None:
    """Replay a compiled scenario's telemetry, shifted so its fault happens at the anchor."""


def _setup(scenario, store_url, locator, anchor):
    from replaybed.runtime.clock import WallClock, offset_ms
    from replaybed.runtime.source import open_source

    clock = WallClock()
    src = open_source(scenario, store_url, locator)
    return clock, src, offset_ms(src.manifest, anchor, clock.now_ms())


def _finish(report, began, as_json, out_to_stdout=False) -> None:
    from replaybed.runtime.errors import DataLost

    report.seconds = round(time.monotonic() - began, 3)
    if as_json:
        click.echo(report.to_json(), err=out_to_stdout)
    else:
        click.echo(report.text(), err=True)
    if report.lost:
        raise DataLost(
            f"{report.rejected_items} {report.kind} items of {report.scenario} were not delivered "
            f"({report.rejected_requests} rejected requests; first: {report.errors[0] if report.errors else '?'})"
        )


def _ready(path: Path | None):
    return (lambda: path.touch()) if path else None


def _push(
    media_type: str,
    *,
    url: str | None,
    out: Path | None,
    scenario,
    store_url,
    locator,
    anchor,
    as_json,
    ready_file,
    window_check: str = "skip",
):
    from replaybed.runtime import replay
    from replaybed.runtime.clock import check_slot_range
    from replaybed.runtime.report import Report
    from replaybed.runtime.senders import http_backend, prometheus_window
    from replaybed.runtime.senders.backend import Sender
    from replaybed.runtime.senders.http_sender import HttpSender
    from replaybed.runtime.senders.out_file import OutFile
    from replaybed.runtime.transport import HttpTransport
    from replaybed.schemas import media_types

    backend = http_backend(media_type)
    if not url and not out:
        raise click.UsageError(f"give {backend.url_option} URL or --out FILE")
    began = time.monotonic()
    clock, src, shift = _setup(scenario, store_url, locator, anchor)
    try:
        check_slot_range(src.manifest, shift, anchor)
    except BaseException:
        src.close()
        raise
    report = Report(media_types.kind_of(media_type), str(src.manifest.id), shift)
    transport = HttpTransport()
    sink = open(out, "wb") if out else None
    try:
        sender: Sender
        if sink is not None:
            sender = OutFile(sink, report)
        else:
            assert url is not None
            sender = HttpSender(
                backend, base_url=url, transport=transport, clock=clock, report=report
            )
            if window_check != "skip":
                # Prometheus only: one incident per window, checked before anything is written
                prometheus_window.ensure_clean(
                    transport,
                    clock,
                    url=url,
                    manifest=src.manifest,
                    shift_ms=shift,
                    replace=window_check == "replace",
                    report=report,
                )
        replay.LOOPS[media_type](
            src, shift, backend=backend, sender=sender, clock=clock, ready=_ready(ready_file)
        )
    finally:
        transport.close()
        src.close()
        if sink:
            sink.close()
    _finish(report, began, as_json)


@run.command("metrics")
@click.option(
    "--prometheus", default=None, help="Prometheus base URL (remote-write receiver enabled)."
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write the exact request bodies (u32 LE length + snappy body each) instead of sending.",
)
@click.option(
    "--replace",
    "window_check",
    flag_value="replace",
    help="First delete the namespace's series through the TSDB admin API "
    "(needs --web.enable-admin-api) when the window already holds some.",
)
@click.option(
    "--assume-clean",
    "window_check",
    flag_value="skip",
    help="Skip the window check: the caller (deploy up) has made sure the window is clean.",
)
@common
def metrics(
    *, prometheus, out, window_check, scenario, store_url, locator, anchor, as_json, ready_file
):
    """Push the scenario's samples to Prometheus remote write 1.0 (/api/v1/write).

    Refuses (exit 2, nothing written) when Prometheus already holds series of the scenario's
    namespace inside the window to be written: two incidents would mix. --replace deletes them.
    """
    from replaybed.schemas import media_types

    _push(
        media_types.METRICS,
        url=prometheus,
        out=out,
        window_check=window_check or "refuse",
        scenario=scenario,
        store_url=store_url,
        locator=locator,
        anchor=anchor,
        as_json=as_json,
        ready_file=ready_file,
    )


@run.command("traces")
@click.option("--jaeger", default=None, help="Jaeger collector base URL, e.g. http://jaeger:14268.")
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write the exact request bodies (u32 LE length + Thrift Batch each) instead of sending.",
)
@common
def traces(*, jaeger, out, scenario, store_url, locator, anchor, as_json, ready_file):
    """Push the scenario's spans to a Jaeger collector (POST /api/traces, Thrift binary)."""
    from replaybed.schemas import media_types

    _push(
        media_types.TRACES,
        url=jaeger,
        out=out,
        scenario=scenario,
        store_url=store_url,
        locator=locator,
        anchor=anchor,
        as_json=as_json,
        ready_file=ready_file,
    )


@run.command("logs")
@click.option("--pod", required=True, help="Dataset pod name, e.g. frontend-0.")
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write the lines here instead of stdout.",
)
@click.option(
    "--linger",
    is_flag=True,
    help="Stay alive after the window, as a live pod would, until SIGTERM or SIGINT (then exit 0).",
)
@common
def logs(*, pod, out, linger, scenario, store_url, locator, anchor, as_json, ready_file):
    """Print one pod's lines as `<RFC 3339 shifted time> <original line>`: the past at once, the rest on time."""
    from replaybed.runtime import replay
    from replaybed.runtime.report import Report

    if linger:
        _stop_on_signals(143)  # stopped before the window was printed
    began = time.monotonic()
    clock, src, shift = _setup(scenario, store_url, locator, anchor)
    report = Report("logs", str(src.manifest.id), shift)
    sink = open(out, "wb") if out else sys.stdout.buffer
    try:
        replay.logs(
            src, shift, pod=pod, sink=sink, report=report, clock=clock, ready=_ready(ready_file)
        )
    finally:
        src.close()
        if out:
            sink.close()
    if as_json or out:
        _finish(report, began, as_json, out_to_stdout=not out)
    if linger:
        sys.stdout.flush()
        _stop_on_signals(0)
        while True:
            signal.pause()


def _stop_on_signals(code: int) -> None:
    # a container's first process has no default signal actions: without handlers SIGTERM would
    # be ignored and the pod would wait out its termination grace period
    def stop(signum, frame):
        raise SystemExit(code)

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, stop)
