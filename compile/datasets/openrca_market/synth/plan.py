"""Which components get dense sampling when, and which control component each fault gets.

Thinned scales keep every series at a coarse step and add 60-s samples around faults. The
dense set of a fault is its signature KPIs plus a few core ones, on the hit components and on
one unrelated control component (so a reader can compare a hit and an untouched series).
"""

from __future__ import annotations

from dataclasses import dataclass

from replaybed.compile.datasets.openrca_market.catalog import (
    NODES,
    RUNTIME_IDS,
    SERVICE_IDS,
    SERVICES,
    service_of,
)
from replaybed.compile.datasets.openrca_market.synth.faults import (
    CONTAINER_EFFECTS,
    MESH_EFFECTS,
    NODE_EFFECTS,
    Effect,
)
from replaybed.compile.datasets.openrca_market.synth.scales import Scale
from replaybed.compile.datasets.openrca_market.synth.series import Series

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
    """The first pod of the first service the fault leaves alone."""
    hit = {service_of(p) for p in effect.pods}
    return f"{next(s for s in SERVICES if s not in hit)}-0"


def control_node(effect: Effect) -> str:
    """The next node."""
    assert effect.node is not None
    return NODES[(NODES.index(effect.node) + 1) % len(NODES)]


def dense_windows(effects: tuple[Effect, ...], scale: Scale) -> tuple[Dense, ...]:
    if scale.metric_step is None or scale.metric_step <= 60:
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


# what AIOpsLab's get_metrics charts first: CPU of every pod it lists
AIOPSLAB_CPU = "container_cpu_usage_seconds"
RUNTIME_CAST = ("java_lang_Memory_HeapMemoryUsage_used", "java_lang_Threading_ThreadCount")


def cast(effects: tuple[Effect, ...]) -> frozenset[tuple[str, str, str]]:
    """(file, component, kpi) of the series a thinned-by-series scale (`tiny`) keeps all day.

    Per container fault: CPU plus the fault's core KPIs on the hit pods and on its control pod;
    the five core KPIs of every node; the two core mesh KPIs on one inbound edge of each
    service's first pod; heap and threads of both JVMs; every `metric_service` series. Mesh and
    `metric_service` components are the mesh id and the service id; the rest are pods and nodes.
    """
    out: set[tuple[str, str, str]] = set()
    for e in effects:
        if e.node:
            continue
        kpis = (set(CONTAINER_EFFECTS.get(e.reason, {})) & set(CORE_CONTAINER)) | {AIOPSLAB_CPU}
        for pod in (*e.pods, control_pod(e)):
            out |= {("metric_container", pod, k) for k in kpis}
    out |= {("metric_node", n, k) for n in NODES for k in CORE_NODE}
    out |= {("metric_runtime", r, k) for r in RUNTIME_IDS for k in RUNTIME_CAST}
    out |= {("metric_service", sid, "sr") for sid in SERVICE_IDS}
    return frozenset(out)


def mesh_cast(series: tuple[Series, ...]) -> frozenset[tuple[str, str]]:
    """(mesh id, kpi) kept by `tiny`: the core KPIs on the first inbound edge of each service's
    first pod, plus the `UF,URX` TCP series (the quoting trap)."""
    ids = tuple(dict.fromkeys(s.cmdb for s in series))
    out = {(s.cmdb, s.kpi) for s in series if s.kpi == "istio_tcp_connections_closed.UF,URX"}
    for service in SERVICES:
        pod = f"{service}-0"
        inbound = [i for i in ids if i.startswith(f"{pod}.destination.")]
        chosen = inbound[0] if inbound else next(i for i in ids if i.startswith(f"{pod}."))
        out |= {(chosen, k) for k in CORE_MESH}
    return frozenset(out)
