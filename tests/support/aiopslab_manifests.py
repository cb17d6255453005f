"""Manifests for the AIOpsLab tests, built directly as Manifest objects (nothing compiled).

- Market: the 148 real records (and a few fault-free windows) with what the Market format puts in
  a manifest (accepted answers, analysis labels, answer space, all three signals); the cloudbed's
  pods, services and nodes as the compiler lists them (41 pods of `catalog.ALL_PODS`, their
  services, node-1..node-6), the pod -> node placement made up but fixed.
- Telecom-shaped: one system `telecom` in namespace `openrca-telecom`, metrics and traces only (no
  logs), no query, node (`os_0NN`), service (`db_0NN`, no pods of their own) and pod
  (`docker_00N`) faults that accept only the component, analysis labels given.
- Bank-shaped: one system `bank` in namespace `openrca-bank`, all three signals, pod faults only,
  no nodes recorded, no analysis labels (so no Analysis problems).
The component names are OpenRCA's (microsoft/OpenRCA agent/prompt/basic_prompt_{Telecom,Bank}.py);
records and placements are made up. Neither depends on the Telecom or Bank format packages.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from replaybed.compile.datasets.openrca_market import catalog
from replaybed.compile.datasets.openrca_market.format import ANSWER_SPACE, accepted
from replaybed.compile.datasets.openrca_market.labels import ANALYSIS_LABELS
from replaybed.compile.datasets.openrca_market.records import vendored
from replaybed.schemas.manifest import (
    Analysis,
    AnswerSpace,
    Counts,
    Fault,
    Manifest,
    Pod,
    Query,
    Window,
)

PODS = tuple(
    Pod(name, catalog.service_of(name), catalog.NODES[i % len(catalog.NODES)])
    for i, name in enumerate(sorted(catalog.ALL_PODS))
)
UTC8 = timezone(timedelta(hours=8))


def build(
    *,
    dataset: str,
    system: str,
    name: str,
    namespace: str,
    fault: Fault | None,
    pods: tuple[Pod, ...],
    nodes: tuple[str, ...],
    services: tuple[str, ...],
    signals: tuple[str, ...],
    answer_space: AnswerSpace,
    query: Query | None = None,
    free_origin_s: int = 1647705600,
) -> Manifest:
    origin = (fault.timestamp if fault else free_origin_s) * 1000
    return Manifest(
        dataset=dataset,
        system=system,
        scenario=name,
        fault_free=fault is None,
        origin_ms=origin,
        window=Window.around(origin, 600_000, 300_000),
        chunk_ms=60_000,
        namespace=namespace,
        parts=(),
        pods=pods,
        services=services,
        nodes=nodes,
        counts=Counts(),
        fault=fault,
        query=query,
        tz="+08:00",
        signals=signals,
        answer_space=answer_space,
    )


def market_fault(row, timestamp, dt, level, component, reason) -> Fault:
    """A Market fault as the Market format writes it into the manifest."""
    original = {
        "timestamp": str(timestamp),
        "level": level,
        "component": component,
        "reason": reason,
        "datetime": dt,
    }
    return Fault(
        row,
        timestamp,
        dt,
        level,
        component,
        reason,
        accepted=accepted(level, component),
        analysis=ANALYSIS_LABELS[reason],
        original=original,
    )


def manifest(cloudbed: str, name: str, fault: Fault | None, query: Query | None = None) -> Manifest:
    return build(
        dataset="openrca-market",
        system=cloudbed,
        name=name,
        namespace=f"openrca-{cloudbed}",
        fault=fault,
        pods=PODS,
        nodes=catalog.NODES,
        services=tuple(sorted({p.service for p in PODS})),
        signals=("metrics", "traces", "logs"),
        answer_space=ANSWER_SPACE,
        query=query,
    )


def real_manifests(cloudbed: str, fault_free: int = 0) -> list[Manifest]:
    out = []
    for rec, q in vendored(cloudbed):
        fault = market_fault(
            rec.row, rec.timestamp, rec.datetime, rec.level, rec.component, rec.reason
        )
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


def _fault(row, timestamp, level, component, reason, analysis=None, extra=()) -> Fault:
    dt = datetime.fromtimestamp(timestamp, UTC8).strftime("%Y-%m-%d %H:%M:%S")
    return Fault(
        row,
        timestamp,
        dt,
        level,
        component,
        reason,
        accepted=(component, *extra),
        analysis=analysis,
        original={"component": component, "reason": reason, "timestamp": str(timestamp)},
    )


# --- Telecom-shaped ---------------------------------------------------------------------------

TELECOM_NODES = tuple(f"os_{i:03d}" for i in range(1, 23))
TELECOM_DBS = tuple(f"db_{i:03d}" for i in range(1, 14))
TELECOM_PODS = tuple(
    Pod(f"docker_{i:03d}", "docker", TELECOM_NODES[16 + i % 4]) for i in range(1, 9)
)
TELECOM_SPACE = AnswerSpace(
    levels={
        "node": TELECOM_NODES,
        "pod": tuple(p.name for p in TELECOM_PODS),
        "service": TELECOM_DBS,
    },
    reasons=("CPU fault", "network delay", "network loss", "db connection limit", "db close"),
)
TELECOM_FAULTS = (
    ("node", "os_021", "CPU fault", Analysis("Hardware", "Operation Error")),
    ("node", "os_017", "network loss", Analysis("Hardware", "Network/Storage Issue")),
    ("service", "db_003", "db connection limit", Analysis("Application", "Misconfiguration")),
    ("service", "db_007", "db close", Analysis("Application", "Dependency Problem")),
    ("pod", "docker_002", "network delay", Analysis("Virtualization", "Network/Storage Issue")),
    ("pod", "docker_006", "CPU fault", Analysis("Virtualization", "Operation Error")),
)


def telecom_manifests(fault_free: int = 1) -> list[Manifest]:
    common = dict(
        dataset="openrca-telecom",
        system="telecom",
        namespace="openrca-telecom",
        pods=TELECOM_PODS,
        nodes=TELECOM_NODES,
        services=("docker", *TELECOM_DBS),
        signals=("metrics", "traces"),
        answer_space=TELECOM_SPACE,
        free_origin_s=1586534400,
    )
    out = [
        build(
            name=f"{row:03d}",
            fault=_fault(row, 1586534400 + 3600 * (row + 1), level, comp, reason, analysis),
            **common,
        )
        for row, (level, comp, reason, analysis) in enumerate(TELECOM_FAULTS)
    ]
    return out + [build(name=f"ff-{i:03d}", fault=None, **common) for i in range(fault_free)]


# --- Bank-shaped ------------------------------------------------------------------------------

BANK_PODS = tuple(
    Pod(name, name.rstrip("0123456789"), None)
    for name in (
        "apache01",
        "apache02",
        "Tomcat01",
        "Tomcat02",
        "Tomcat03",
        "Tomcat04",
        "MG01",
        "MG02",
        "IG01",
        "IG02",
        "Mysql01",
        "Mysql02",
        "Redis01",
        "Redis02",
    )
)
BANK_SPACE = AnswerSpace(
    levels={"pod": tuple(p.name for p in BANK_PODS)},
    reasons=(
        "high CPU usage",
        "high memory usage",
        "network latency",
        "JVM Out of Memory (OOM) Heap",
    ),
)
BANK_FAULTS = (
    ("Tomcat01", "high CPU usage"),
    ("Mysql02", "high memory usage"),
    ("apache01", "network latency"),
    ("IG02", "JVM Out of Memory (OOM) Heap"),
)


def bank_manifests(fault_free: int = 1) -> list[Manifest]:
    common = dict(
        dataset="openrca-bank",
        system="bank",
        namespace="openrca-bank",
        pods=BANK_PODS,
        nodes=(),
        services=tuple(sorted({p.service for p in BANK_PODS})),
        signals=("metrics", "traces", "logs"),
        answer_space=BANK_SPACE,
        free_origin_s=1614787200,
    )
    out = [
        build(
            name=f"{row:03d}",
            fault=_fault(row, 1614787200 + 3600 * (row + 1), "pod", comp, reason),
            **common,
        )
        for row, (comp, reason) in enumerate(BANK_FAULTS)
    ]
    return out + [build(name=f"ff-{i:03d}", fault=None, **common) for i in range(fault_free)]
