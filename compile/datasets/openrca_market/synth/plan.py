"""Which components get dense sampling when, and which control component each fault gets.

Thinned scales keep every series at a coarse step and add 60-s samples around faults. The
dense set of a fault is its signature KPIs plus a few core ones, on the hit components and on
one unrelated control component (so a reader can compare a hit and an untouched series).
"""

from __future__ import annotations

from dataclasses import dataclass

from replaybed.compile.datasets.openrca_market.catalog import NODES, SERVICES, service_of
from replaybed.compile.datasets.openrca_market.synth.faults import (
    CONTAINER_EFFECTS,
    MESH_EFFECTS,
    NODE_EFFECTS,
    Effect,
)
from replaybed.compile.datasets.openrca_market.synth.scales import Scale

CORE_CONTAINER = (
    "container_cpu_usage_seconds",
    "container_memory_usage_MB",
    "container_fs_reads./dev/vda",
    "container_fs_writes./dev/vda",
    "container_network_receive_packets.eth0",
    "container_network_transmit_packets.eth0",
    "container_threads",
)
CORE_NODE = (
    "system.cpu.pct_usage",
    "system.mem.used",
    "system.io.r_s",
    "system.io.w_s",
    "system.disk.used",
)
CORE_MESH = ("istio_requests.grpc.200.0.0", "istio_request_duration_milliseconds.grpc.200.0.0")


@dataclass(frozen=True)
class Dense:
    """One dense window: [start, end) at 60 s for `kpis` of `pods` / `nodes`."""

    start: int
    end: int
    pods: frozenset[str]
    nodes: frozenset[str]
    services: frozenset[str]
    kpis: frozenset[str]


def control_pod(effect: Effect) -> str:
    hit = {service_of(p) for p in effect.pods}
    others = [s for s in SERVICES if s not in hit]
    service = others[effect.record.row % len(others)]
    return f"{service}-{effect.record.row % 3}"


def control_node(effect: Effect) -> str:
    return NODES[(NODES.index(effect.node) + 3) % len(NODES)]


def dense_windows(effects: tuple[Effect, ...], scale: Scale) -> tuple[Dense, ...]:
    if scale.metric_step <= 60:
        return ()
    out = []
    for e in effects:
        start, end = e.start - scale.dense_before, e.end + scale.dense_after
        if e.node:
            kpis = set(NODE_EFFECTS[e.reason]) | set(CORE_NODE)
            out.append(
                Dense(
                    start,
                    end,
                    frozenset(),
                    frozenset({e.node, control_node(e)}),
                    frozenset(),
                    frozenset(kpis),
                )
            )
        else:
            kpis = set(CONTAINER_EFFECTS.get(e.reason, {})) | set(MESH_EFFECTS.get(e.reason, {}))
            kpis |= set(CORE_CONTAINER) | set(CORE_MESH)
            pods = set(e.pods) | {control_pod(e)}
            services = {service_of(p) for p in pods}
            out.append(
                Dense(
                    start, end, frozenset(pods), frozenset(), frozenset(services), frozenset(kpis)
                )
            )
    return tuple(out)


def pinned_services(effect: Effect) -> tuple[str, ...]:
    """Services whose traffic a thinned scale routes through a fault's pods (none for node faults)."""
    return tuple(sorted({service_of(p) for p in effect.pods}))
