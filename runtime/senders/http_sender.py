"""Delivering request bodies to an HTTP backend, one request ahead.

`push` sends a body and returns without waiting for the answer; the answer is read (and retried
if need be) when the next body is pushed or on `drain`. The replay loop therefore reads,
decompresses and builds request N+1 while the backend ingests request N, yet requests still
reach the backend one at a time, in order: Prometheus appends every series oldest first, and
each request is all-or-nothing, delivered once or booked as rejected.
"""

from __future__ import annotations

from replaybed.runtime import retry
from replaybed.runtime.clock import Clock
from replaybed.runtime.report import Report
from replaybed.runtime.senders.backend import HttpBackend
from replaybed.runtime.transport import Answer, Transport


class HttpSender:
    def __init__(
        self,
        backend: HttpBackend,
        *,
        base_url: str,
        transport: Transport,
        clock: Clock,
        report: Report,
        policy: retry.Policy = retry.DEFAULT_POLICY,
    ):
        self.backend, self.url = backend, backend.url(base_url)
        self.transport, self.clock, self.report, self.policy = transport, clock, report, policy
        self._pending: tuple[bytes, int, Answer] | None = None

    def push(self, body: bytes, items: int) -> None:
        self.drain()
        self.report.requests += 1
        self.report.bytes += len(body)
        answer = self.transport.start("POST", self.url, dict(self.backend.headers), body)
        self._pending = (body, items, answer)

    def drain(self) -> None:
        if self._pending is None:
            return
        body, items, answer = self._pending
        self._pending = None
        outcome = retry.deliver(
            lambda: self.transport.request("POST", self.url, dict(self.backend.headers), body),
            self.clock,
            policy=self.policy,
            ok_status=self.backend.ok_status,
            permanent=self.backend.permanent,
            first=answer,
        )
        self.report.retried += outcome.retries
        if outcome.ok:
            self.report.items += items
        else:
            self.report.rejected_requests += 1
            self.report.rejected_items += items
            self.report.errors.append(f"HTTP {outcome.status}: {outcome.detail}")
