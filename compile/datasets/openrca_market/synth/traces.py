"""Trace rows: Online Boutique requests as trees of client/server spans, many requests at once (pure).

A batch is n requests of one template: the tree is walked once and every step is an array
operation over the n requests. Children start inside their parent and end before it (durations
in µs, timestamps in ms, as in `trace_span.csv`). Faults act on calls into a hit pod: network
latency and retransmission add delay, loss and corruption fail a share of calls with gRPC codes
(4 DEADLINE_EXCEEDED, 14 UNAVAILABLE, 13 INTERNAL, 2 UNKNOWN), a terminated pod refuses every call
(14) and writes no span; the subtree of a failed call does not happen. Each call is also recorded
as an event the log generator turns into log lines, so logs, traces and metrics tell one story.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from replaybed.compile.datasets.openrca_market.catalog import ALL_PODS
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
# fault kinds a call can meet, and the gRPC status of a failed call (index = code id)
NONE, LATENCY, LOSS, CORRUPTION, RETRANSMISSION, KILLED = range(6)
FAULT_KIND = {
    "container network latency": LATENCY,
    "container packet loss": LOSS,
    "container network packet corruption": CORRUPTION,
    "container network packet retransmission": RETRANSMISSION,
    TERMINATION: KILLED,
}
CODES = ("", "14", "4", "13", "2")
OK, UNAVAILABLE, DEADLINE, INTERNAL, UNKNOWN = range(5)


class Labels:
    """Interned `,type,status,operation,` strings: a span's label is one index."""

    def __init__(self) -> None:
        self.index: dict[tuple[str, str, str], int] = {}

    def of(self, typ: str, status: str, op: str) -> int:
        return self.index.setdefault((typ, status, op), len(self.index))

    def words(self) -> list[str]:
        return [f",{t},{s},{o}," for (t, s, o) in self.index]


LABELS = Labels()
METHODS: dict[tuple[str, str], int] = {}  # (callee service, method) -> index


def method_id(service: str, method: str) -> int:
    return METHODS.setdefault((service, method), len(METHODS))


class FaultIndex:
    """The pod faults of a block, asked per call: which fault kind meets a call to pod p at t."""

    def __init__(self, effects: tuple[Effect, ...]):
        self.items = []
        for e in effects:
            if e.pods and e.reason in FAULT_KIND:
                mask = np.zeros(len(ALL_PODS), dtype=bool)
                mask[[ALL_PODS.index(p) for p in e.pods]] = True
                self.items.append((mask, e.start, e.end, FAULT_KIND[e.reason]))

    def kinds(self, pods: np.ndarray, t_s: np.ndarray) -> np.ndarray:
        out = np.zeros(len(pods), dtype=np.int64)
        for mask, start, end, kind in reversed(self.items):  # the first listed fault wins
            out[mask[pods] & (t_s >= start) & (t_s < end)] = kind
        return out


@dataclass
class Columns:
    """Arrays collected piecewise and concatenated once."""

    parts: dict[str, list[np.ndarray]] = field(default_factory=dict)

    def add(self, keep: np.ndarray, **cols: np.ndarray) -> None:
        for name, col in cols.items():
            self.parts.setdefault(name, []).append(col[keep])

    def get(self, name: str) -> np.ndarray:
        parts = self.parts.get(name)
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


@dataclass
class Traffic:
    """What a block of requests produced: spans, served and failed calls, root requests."""

    spans: Columns = field(default_factory=Columns)
    served: Columns = field(default_factory=Columns)
    failed: Columns = field(default_factory=Columns)
    roots: Columns = field(default_factory=Columns)


class Batch:
    """n requests of one template, walked together."""

    def __init__(
        self,
        rng: np.random.Generator,
        faults: FaultIndex,
        pins: dict[str, tuple[str, ...]],
        out: Traffic,
    ):
        self.rng, self.faults, self.out = rng, faults, out
        self.pools = {}
        for service, pods in pins.items():
            self.pools[service] = np.array([ALL_PODS.index(p) for p in pods])

    def _pool(self, service: str) -> np.ndarray:
        if service not in self.pools:
            self.pools[service] = np.array([ALL_PODS.index(p) for p in pods_of(service)])
        return self.pools[service]

    def _pick(self, service: str, n: int) -> np.ndarray:
        pool = self._pool(service)
        return pool[self.rng.integers(0, len(pool), n)]

    def _ids(self, n: int) -> np.ndarray:
        return self.rng.integers(0, 256, (n, 8), dtype=np.uint8)

    def _dur(self, service: str, n: int) -> np.ndarray:
        return np.maximum(1, (SELF_US[service] * self.rng.lognormal(0.0, 0.35, n)).astype(np.int64))

    def _span(self, keep, *, start_us, dur, pod, sid, trace, label, parent) -> None:
        self.out.spans.add(
            keep,
            ms=start_us // 1000,
            pod=pod,
            sid=sid,
            trace=trace,
            dur=dur,
            label=label,
            parent=parent,
            root=np.full(len(keep), parent is self._no_parent),
        )

    def run(self, template: int, start_us: np.ndarray, trace: np.ndarray) -> None:
        """`trace` numbers the requests in the block (their trace id row)."""
        n = len(start_us)
        route, calls = TEMPLATES[template]
        rng = self.rng
        root = self._ids(n)
        self._no_parent = np.zeros((n, 8), dtype=np.uint8)
        self._trace = trace
        frontend = self._pick("frontend", n)
        alive = np.ones(n, dtype=bool)
        t = start_us + 150
        for call in calls:
            t = self._call(
                frontend, caller_service="frontend", call=call, parent=root, start=t, alive=alive
            ) + rng.integers(20, 200, n)
        end = t + self._dur("frontend", n)
        label = np.full(n, LABELS.of("http", "200", http_operation(route)))
        self._span(
            alive,
            start_us=start_us,
            dur=end - start_us,
            pod=frontend,
            sid=root,
            trace=trace,
            label=label,
            parent=self._no_parent,
        )
        self.out.roots.add(alive, t=start_us // 1_000_000, pod=frontend)

    def _call(self, caller, *, caller_service, call: Call, parent, start, alive) -> np.ndarray:
        rng, n = self.rng, len(start)
        cid = self._ids(n)
        ctype, cok = (
            ("", "OK")
            if SERVER_STYLE.get(caller_service, DEFAULT_STYLE)[1] == ""
            else (
                "rpc",
                "0",
            )
        )
        if call.service == "redis":
            dur = self._dur("redis", n)
            label = np.full(n, LABELS.of("db", "Ok", call.method))
            self._span(
                alive,
                start_us=start,
                dur=dur,
                pod=caller,
                sid=cid,
                trace=self._trace,
                label=label,
                parent=parent,
            )
            return start + dur
        callee = self._pick(call.service, n)
        t_s = start // 1_000_000
        kind = self.faults.kinds(callee, t_s)
        net = rng.integers(150, 700, n)
        code = np.zeros(n, dtype=np.int64)
        fail_dur = np.zeros(n, dtype=np.int64)
        if kind.any():
            u, u2 = rng.random(n), rng.random(n)
            draws = {
                "killed": rng.integers(800, 3000, n),
                "deadline": rng.integers(200_000, 1_000_000, n),
                "unavailable": rng.integers(5_000, 40_000, n),
                "corrupt": rng.integers(2_000, 20_000, n),
                "latency": rng.integers(150_000, 450_000, n),
                "retrans": rng.integers(20_000, 200_000, n),
                "slow": rng.integers(10_000, 60_000, n),
            }
            killed = kind == KILLED
            lost = (kind == LOSS) & (u < 0.35)
            corrupt = (kind == CORRUPTION) & (u < 0.3)
            code = np.select(
                [killed, lost & (u2 < 0.5), lost, corrupt & (u2 < 0.6), corrupt],
                [UNAVAILABLE, DEADLINE, UNAVAILABLE, INTERNAL, UNKNOWN],
                OK,
            )
            fail_dur = np.select(
                [killed, lost & (u2 < 0.5), lost, corrupt],
                [draws["killed"], draws["deadline"], draws["unavailable"], draws["corrupt"]],
                0,
            )
            net = net + np.select(
                [kind == LATENCY, kind == RETRANSMISSION, (kind == LOSS) & ~lost],
                [draws["latency"], draws["retrans"], draws["slow"]],
                0,
            )
        failed = code != OK
        served = alive & ~failed
        sid = self._ids(n)
        s_start = start + net // 2
        t = s_start + rng.integers(10, 80, n)
        for child in call.children:
            t = self._call(
                callee, caller_service=call.service, call=child, parent=sid, start=t, alive=served
            ) + rng.integers(10, 120, n)
        s_end = t + self._dur(call.service, n)
        _, stype, sok = SERVER_STYLE.get(call.service, DEFAULT_STYLE)
        s_label = np.full(n, LABELS.of(stype, sok, server_operation(call)))
        self._span(
            served,
            start_us=s_start,
            dur=s_end - s_start,
            pod=callee,
            sid=sid,
            trace=self._trace,
            label=s_label,
            parent=cid,
        )
        end = np.where(failed, start + fail_dur, s_end + net - net // 2)
        op = client_operation(call)
        c_labels = np.array([LABELS.of(ctype, CODES[c] or cok, op) for c in range(len(CODES))])
        self._span(
            alive,
            start_us=start,
            dur=end - start,
            pod=caller,
            sid=cid,
            trace=self._trace,
            label=c_labels[code],
            parent=parent,
        )
        method = np.full(n, method_id(call.service, call.method))
        self.out.served.add(
            served,
            t=s_start // 1_000_000,
            t_client=t_s,
            pod=callee,
            peer=caller,
            method=method,
            dur_ms=(end - start) // 1000,
        )
        self.out.failed.add(
            alive & failed, t=t_s, pod=caller, peer=callee, method=method, code=code
        )
        return end


def pick_templates(rng: np.random.Generator, n: int) -> np.ndarray:
    weights = np.asarray(TEMPLATE_WEIGHTS, dtype=float)
    return rng.choice(len(TEMPLATES), size=n, p=weights / weights.sum())
