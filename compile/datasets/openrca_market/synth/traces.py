"""Trace rows: one Online Boutique request becomes a tree of client/server spans (pure).

Children start inside their parent and end before it (durations in µs, timestamps in ms, as in
`trace_span.csv`). Faults act on calls into a hit pod: network latency and retransmission add
delay, loss and corruption fail a share of calls with gRPC codes (4 DEADLINE_EXCEEDED, 14
UNAVAILABLE, 13 INTERNAL, 2 UNKNOWN), a terminated pod refuses every call (14) and writes no span.
Each server span and each failed call is also reported as an event the log generator turns into
log lines, so logs, traces and metrics tell one story.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from replaybed.compile.datasets.openrca_market.catalog import service_of
from replaybed.compile.datasets.openrca_market.synth.faults import TERMINATION, Effect
from replaybed.compile.datasets.openrca_market.synth.series import pods_of
from replaybed.compile.datasets.openrca_market.synth.topology import (
    DEFAULT_STYLE,
    SERVER_STYLE,
    TEMPLATE_WEIGHTS,
    TEMPLATES,
    Call,
    client_operation,
    http_operation,
    server_operation,
)

SELF_US = {
    "frontend": 900,
    "checkoutservice": 4000,
    "currencyservice": 120,
    "productcatalogservice": 250,
    "cartservice": 1200,
    "recommendationservice": 2500,
    "adservice": 1400,
    "shippingservice": 180,
    "paymentservice": 300,
    "emailservice": 1800,
    "redis": 350,
}


@dataclass(frozen=True)
class Event:
    """Something a pod would log: a served call (`ok`) or a call it could not make (`code`)."""

    t: int  # epoch s
    pod: str
    service: str  # callee service
    method: str
    peer: str  # the other pod (caller of a served call; the refused callee of a failed one)
    code: str | None  # None for a served call, the gRPC status code of a failed one


class TraceBuilder:
    def __init__(self, rng: np.random.Generator, effects: tuple[Effect, ...]):
        self.rng, self.effects = rng, effects
        self.spans: list[tuple[int, str]] = []  # (start ms, csv row)
        self.events: list[Event] = []

    def _id(self, n: int) -> str:
        return self.rng.bytes(n).hex()

    def _dur(self, service: str) -> int:
        return max(1, int(SELF_US[service] * self.rng.lognormal(0.0, 0.35)))

    def _span(self, start_us, dur, pod, sid, tid, typ, status, op, parent):
        ms = start_us // 1000
        self.spans.append((ms, f"{ms},{pod},{sid},{tid},{dur},{typ},{status},{op},{parent}\n"))

    def _fault(self, pod: str, t: int) -> str | None:
        for e in self.effects:
            if pod in e.pods and e.covers(t):
                return e.reason
        return None

    def request(self, start_us: int, template: int, pins: dict[str, tuple[str, ...]]) -> None:
        route, calls = TEMPLATES[template]
        tid = self._id(16)
        root = self._id(8)
        frontend = self._pick("frontend", pins)
        t = start_us + 150
        for call in calls:
            t = self._call(frontend, call, root, tid, t, pins) + int(self.rng.integers(20, 200))
        end = t + self._dur("frontend")
        self._span(
            start_us, end - start_us, frontend, root, tid, "http", "200", http_operation(route), ""
        )

    def _pick(self, service: str, pins: dict[str, tuple[str, ...]]) -> str:
        pool = pins.get(service) or pods_of(service)
        return pool[int(self.rng.integers(0, len(pool)))]

    def _call(self, caller, call: Call, parent, tid, start, pins) -> int:
        rng, cid = self.rng, self._id(8)
        caller_style = SERVER_STYLE.get(service_of(caller), DEFAULT_STYLE)
        ctype, cok = ("", "OK") if caller_style[1] == "" else ("rpc", "0")
        if call.service == "redis":
            dur = self._dur("redis")
            self._span(start, dur, caller, cid, tid, "db", "Ok", call.method, parent)
            return start + dur
        callee = self._pick(call.service, pins)
        t_s = start // 1_000_000
        fault = self._fault(callee, t_s)
        net = int(rng.integers(150, 700))
        code = None
        if fault == TERMINATION:
            code, dur = "14", int(rng.integers(800, 3000))
        elif fault == "container packet loss" and rng.random() < 0.35:
            code, dur = (
                ("4", int(rng.integers(200_000, 1_000_000)))
                if rng.random() < 0.5
                else ("14", int(rng.integers(5_000, 40_000)))
            )
        elif fault == "container network packet corruption" and rng.random() < 0.3:
            code, dur = ("13" if rng.random() < 0.6 else "2"), int(rng.integers(2_000, 20_000))
        if code is not None:
            self._span(start, dur, caller, cid, tid, ctype, code, client_operation(call), parent)
            self.events.append(Event(t_s, caller, call.service, call.method, callee, code))
            return start + dur
        if fault == "container network latency":
            net += int(rng.integers(150_000, 450_000))
        elif fault == "container network packet retransmission":
            net += int(rng.integers(20_000, 200_000))
        elif fault == "container packet loss":
            net += int(rng.integers(10_000, 60_000))
        sid = self._id(8)
        s_start = start + net // 2
        t = s_start + int(rng.integers(10, 80))
        for child in call.children:
            t = self._call(callee, child, sid, tid, t, pins) + int(rng.integers(10, 120))
        s_end = t + self._dur(call.service)
        _, stype, sok = SERVER_STYLE.get(call.service, DEFAULT_STYLE)
        self._span(
            s_start, s_end - s_start, callee, sid, tid, stype, sok, server_operation(call), cid
        )
        end = s_end + net - net // 2
        self._span(start, end - start, caller, cid, tid, ctype, cok, client_operation(call), parent)
        self.events.append(
            Event(s_start // 1_000_000, callee, call.service, call.method, caller, None)
        )
        return end


def pick_template(rng: np.random.Generator, allowed: tuple[int, ...] | None = None) -> int:
    if allowed:
        return allowed[int(rng.integers(0, len(allowed)))]
    weights = np.asarray(TEMPLATE_WEIGHTS, dtype=float)
    return int(rng.choice(len(TEMPLATES), p=weights / weights.sum()))
