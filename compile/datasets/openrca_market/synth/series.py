"""Every metric series of a cloudbed: (file, cmdb_id, kpi) with the pod/node it belongs to.

Container ids are `node-N.<pod>`; mesh ids are `<pod>.source.<caller>.<callee>`,
`<pod>.destination.<caller>.<callee>` (as AIOpsLab's istio formatter builds them) or a bare
gateway pod; runtime ids are the two JMX endpoints. Mesh KPIs per id follow the edge kind: gRPC
request metrics on service edges, TCP metrics on the redis and collector edges, agent metrics on
the gateways; the error-code variants sit on one id each so every one of the 125 names exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from replaybed.compile.datasets.openrca_market.catalog import (
    ALL_PODS,
    CANDIDATE_PODS,
    CONTAINER_KPIS,
    ISTIO_GATEWAYS,
    MESH_AGENT_KPIS,
    MESH_REQUEST_KPIS,
    MESH_TCP_KPIS,
    NODE_KPIS,
    NODE_KPIS_300S,
    NODES,
    RUNTIME_IDS,
    RUNTIME_KPIS,
    service_of,
)
from replaybed.compile.datasets.openrca_market.synth.placement import node_of
from replaybed.compile.datasets.openrca_market.synth.topology import edges

NORMAL_MESH = tuple(k for k in MESH_REQUEST_KPIS if k.endswith(".grpc.200.0.0")) + (
    "istio_request_messages",
    "istio_response_messages",
)
TCP_NORMAL = tuple(k for k in MESH_TCP_KPIS if k.endswith(".-"))
# a gRPC edge also reports its sidecar connections and the UNAVAILABLE counters every edge has
# seen once (they stay exported at 0): ~10 KPIs per id, the real file's density (2.5 M rows/day)
GRPC_EDGE = (
    NORMAL_MESH
    + TCP_NORMAL
    + (
        "istio_requests.grpc.200.14.0",
        "istio_request_duration_milliseconds.grpc.200.14.0",
    )
)


@dataclass(frozen=True)
class Series:
    cmdb: str
    kpi: str
    pod: str | None = None
    node: str | None = None
    step: int = 60


@cache
def pods_of(service: str) -> tuple[str, ...]:
    if service == "redis-cart":
        return ("redis-cart-0", "redis-cart2-0")
    return tuple(p for p in CANDIDATE_PODS if service_of(p) == service)


@cache
def container_series(cloudbed: str) -> tuple[Series, ...]:
    return tuple(
        Series(f"{node_of(cloudbed, pod)}.{pod}", kpi, pod=pod, node=node_of(cloudbed, pod))
        for pod in ALL_PODS
        for kpi in CONTAINER_KPIS
    )


@cache
def node_series() -> tuple[Series, ...]:
    return tuple(
        Series(node, kpi, node=node, step=300 if kpi in NODE_KPIS_300S else 60)
        for node in NODES
        for kpi in NODE_KPIS
    )


@cache
def runtime_series() -> tuple[Series, ...]:
    return tuple(Series(rid, kpi, pod=None) for rid in RUNTIME_IDS for kpi in RUNTIME_KPIS)


def _mesh_ids() -> list[tuple[str, str | None, tuple[str, ...]]]:
    """(id, pod, normal kpis) for every mesh id."""
    ids: list[tuple[str, str | None, tuple[str, ...]]] = []
    for caller, callee in edges():
        kpis = TCP_NORMAL if callee == "redis-cart" else GRPC_EDGE
        ids += [(f"{p}.source.{caller}.{callee}", p, kpis) for p in pods_of(caller)]
        ids += [(f"{p}.destination.{caller}.{callee}", p, kpis) for p in pods_of(callee)]
    for pod in CANDIDATE_PODS:
        ids.append((f"{pod}.source.{service_of(pod)}.jaeger-collector", pod, TCP_NORMAL))
    for pod in pods_of("frontend"):
        ids.append((f"{pod}.source.frontend.unknown", pod, NORMAL_MESH[:2]))
    for pod in pods_of("adservice"):
        ids.append((f"{pod}.destination.unknown.adservice", pod, NORMAL_MESH[:2]))
    ids += [(gw, None, MESH_AGENT_KPIS) for gw in ISTIO_GATEWAYS]
    return ids


@cache
def mesh_series() -> tuple[Series, ...]:
    ids = _mesh_ids()
    out = [Series(i, kpi, pod=pod) for i, pod, kpis in ids for kpi in kpis]
    present = {s.kpi for s in out}
    service_ids = [(i, pod) for i, pod, kpis in ids if kpis is GRPC_EDGE]
    tcp_ids = [(i, pod) for i, pod, kpis in ids if kpis is TCP_NORMAL]
    rare = [k for k in MESH_REQUEST_KPIS + MESH_TCP_KPIS if k not in present]
    for n, kpi in enumerate(rare):
        pool = tcp_ids if kpi.startswith("istio_tcp") else service_ids
        i, pod = pool[(7 * n) % len(pool)]
        out.append(Series(i, kpi, pod=pod))
    return tuple(out)
