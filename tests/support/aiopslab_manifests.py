"""Manifests carrying the 148 real Market records (and a few fault-free windows), without compiling.

Each manifest holds the cloudbed's pods, services and nodes as the compiler lists them (41 pods of
`catalog.ALL_PODS`, their services, node-1..node-6); the pod -> node placement here is made up but
fixed, since the tests only need every pod to have one.
"""

from __future__ import annotations

from replaybed.compile.datasets.openrca_market import catalog
from replaybed.compile.datasets.openrca_market.records import vendored
from replaybed.schemas.manifest import Counts, Fault, Manifest, Pod, Query, Window

PODS = tuple(
    Pod(name, catalog.service_of(name), catalog.NODES[i % len(catalog.NODES)])
    for i, name in enumerate(sorted(catalog.ALL_PODS))
)


def manifest(cloudbed: str, name: str, fault: Fault | None, query: Query | None = None) -> Manifest:
    origin = (fault.timestamp if fault else 1647705600) * 1000
    return Manifest(
        dataset="openrca-market",
        system=cloudbed,
        scenario=name,
        fault_free=fault is None,
        origin_ms=origin,
        window=Window.around(origin, 600_000, 300_000),
        chunk_ms=60_000,
        namespace=f"openrca-{cloudbed}",
        parts=(),
        pods=PODS,
        services=tuple(sorted({p.service for p in PODS})),
        nodes=catalog.NODES,
        counts=Counts(),
        fault=fault,
        query=query,
        tz="+08:00",
    )


def real_manifests(cloudbed: str, fault_free: int = 0) -> list[Manifest]:
    out = []
    for rec, q in vendored(cloudbed):
        fault = Fault(rec.row, rec.timestamp, rec.datetime, rec.level, rec.component, rec.reason)
        out.append(
            manifest(
                cloudbed,
                f"{rec.row:03d}",
                fault,
                Query(q.task_index, q.instruction, q.scoring_points),
            )
        )
    out += [manifest(cloudbed, f"ff-{i:03d}", None) for i in range(fault_free)]
    return out
