"""Pushing request bodies to an HTTP backend (Prometheus, Jaeger) or into an --out file."""

from __future__ import annotations

import struct

import cramjam

from replaybed.runtime import retry
from replaybed.runtime.clock import Clock
from replaybed.runtime.errors import ReplayConfigError
from replaybed.runtime.report import Report
from replaybed.runtime.transport import Transport
from replaybed.schemas.version import __version__

PROM_HEADERS = {
    "Content-Encoding": "snappy",
    "Content-Type": "application/x-protobuf",
    "User-Agent": f"replaybed/{__version__}",
    "X-Prometheus-Remote-Write-Version": "0.1.0",
}
JAEGER_HEADERS = {"Content-Type": "application/x-thrift", "User-Agent": f"replaybed/{__version__}"}


class Pusher:
    """Sends one request body and books the outcome in the report."""

    def __init__(
        self,
        url: str | None,
        headers: dict[str, str],
        transport: Transport | None,
        clock: Clock,
        report: Report,
        policy: retry.Policy,
        out=None,
        ok_status=range(200, 300),
        compress=False,
    ):
        self.url, self.headers, self.transport, self.clock = url, headers, transport, clock
        self.report, self.policy, self.out, self.ok_status, self.compress = (
            report,
            policy,
            out,
            ok_status,
            compress,
        )

    def push(self, body: bytes, items: int) -> None:
        if self.compress:
            body = bytes(cramjam.snappy.compress_raw(body))
        self.report.requests += 1
        self.report.bytes += len(body)
        if self.out is not None:
            # --out: the exact request bodies, each prefixed by its u32 LE length
            self.out.write(struct.pack("<I", len(body)) + body)
            self.report.items += items
            return
        if self.transport is None or self.url is None:
            raise ReplayConfigError("nothing to send to: give a backend URL or --out FILE")
        outcome = retry.send(
            self.transport, self.url, self.headers, body, self.clock, self.policy, self.ok_status
        )
        self.report.retried += outcome.retries
        if outcome.ok:
            self.report.items += items
        else:
            self.report.rejected_requests += 1
            self.report.rejected_items += items
            self.report.errors.append(f"HTTP {outcome.status}: {outcome.detail}")
