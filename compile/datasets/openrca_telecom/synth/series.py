"""Every platform metric series the twin writes: table, component, KPI, ids, baseline, phase.

Components per table: docker_001-008 (container), os_001-022 (node), db_001-013 (service),
redis_001-004 (middleware; the real count is unpublished, the prompt shows redis_003).
`itemid` is a stable 15-digit number per (table, component, KPI); `bomc_id` is `ZJ-<class>-<nnn>`
with the class per table as in the prompt's rows (001 node, 002 db, 004 docker, 005 redis) and
`nnn` per KPI (the prompt's ids where it shows one: two container KPIs there have different ids).
Each component is polled at its own second of the minute, all its KPIs together (the real
timestamps are not minute-aligned: …423000, …689000, and differ between components) [I]; the
second is fixed per component and seed-independent.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache

from replaybed.compile.datasets.openrca_telecom.catalog import (
    CONTAINER_KPIS,
    DATABASES,
    MIDDLEWARE_KPIS,
    NODE_KPIS,
    NODES,
    PODS,
    SERVICE_KPIS,
)
from replaybed.compile.datasets.openrca_telecom.synth.faults import effects, signature_kpis

REDIS = tuple(f"redis_{i:03d}" for i in range(1, 5))
TABLES = ("metric_container", "metric_middleware", "metric_node", "metric_service")
COMPONENTS = {
    "metric_container": PODS,
    "metric_middleware": REDIS,
    "metric_node": NODES,
    "metric_service": DATABASES,
}
TABLE_KPIS = {
    "metric_container": CONTAINER_KPIS,
    "metric_middleware": MIDDLEWARE_KPIS,
    "metric_node": NODE_KPIS,
    "metric_service": SERVICE_KPIS,
}
BOMC_CLASS = {
    "metric_container": "004",
    "metric_middleware": "005",
    "metric_node": "001",
    "metric_service": "002",
}
KNOWN_BOMC = {
    "container_mem_used": 60,
    "container_session_used": 58,
    "connected_clients": 24,
    "CPU_iowait_time": 10,
    "MEM_Total": 55,
}
# KPI -> (baseline, jitter (sd), integer-valued)
BASELINE: dict[str, tuple[float, float, bool]] = {
    "container_cpu_used": (15.0, 3.0, False),
    "container_mem_used": (59.0, 1.0, False),
    "container_session_used": (3.0, 2.0, True),
    "CPU_iowait_time": (0.02, 0.01, False),
    "Memory_used_pct": (45.0, 2.0, False),
    "Disk_io_util": (3.0, 1.0, False),
    "Sent_queue": (1.0, 1.0, True),
    "Received_queue": (1.0, 1.0, True),
    "MEM_Total": (381.902264, 0.0, False),
    "Proc_Used_Pct": (30.0, 3.0, False),
    "Sess_Connect": (120.0, 5.0, True),
    "Proc_User_Used_Pct": (25.0, 3.0, False),
    "On_Off_State": (1.0, 0.0, True),
    "tnsping_result_time": (15.0, 3.0, False),
    "Sess_Active": (20.0, 3.0, True),
    "Session_pct": (12.0, 1.0, False),
    "CPU_Used_Pct": (20.0, 3.0, False),
    "MEM_Used_Pct": (60.0, 2.0, False),
    "Logic_Read_Per_Sec": (5000.0, 500.0, False),
    "Physical_Read_Per_Sec": (50.0, 10.0, False),
    "LFParaWrite_Per_Sec": (2.0, 1.0, False),
    "connected_clients": (25.0, 3.0, True),
}
LEVEL_TABLE = {"pod": "metric_container", "node": "metric_node", "service": "metric_service"}
# tiny's untouched component per level: never named by a record
CONTROLS = {"metric_container": (), "metric_node": ("os_022",), "metric_service": ("db_009",)}


@dataclass(frozen=True)
class Series:
    table: str
    cmdb: str
    kpi: str
    bomc_id: str
    itemid: int
    second: int  # the second of the minute its component is polled at
    base: float
    jitter: float
    integer: bool


def _bomc(table: str, kpi: str) -> str:
    kpis = TABLE_KPIS[table]
    nnn = KNOWN_BOMC.get(kpi, 100 + kpis.index(kpi))
    return f"ZJ-{BOMC_CLASS[table]}-{nnn:03d}"


def _second(table: str, cmdb: str) -> int:
    return hashlib.sha256(f"{table}/{cmdb}".encode()).digest()[0] % 60


def _series(table: str, cmdb: str, kpi: str) -> Series:
    t, c, k = TABLES.index(table), COMPONENTS[table].index(cmdb), TABLE_KPIS[table].index(kpi)
    base, jitter, integer = BASELINE[kpi]
    return Series(
        table,
        cmdb,
        kpi,
        _bomc(table, kpi),
        999_999_990_000_000 + t * 1_000_000 + c * 1_000 + k,
        _second(table, cmdb),
        base,
        jitter,
        integer,
    )


@cache
def kept_series(all_series: bool) -> tuple[Series, ...]:
    """Every series of a scale: all KPIs of all components, or tiny's signature set."""
    if all_series:
        return tuple(
            _series(table, cmdb, kpi)
            for table in TABLES
            for cmdb in COMPONENTS[table]
            for kpi in TABLE_KPIS[table]
        )
    wanted: dict[str, set[tuple[str, str]]] = {table: set() for table in TABLES}
    signatures = signature_kpis()
    for e in effects():
        level = {"CPU fault": "pod", "db connection limit": "service", "db close": "service"}.get(
            e.reason, "node"
        )
        table = LEVEL_TABLE[level]
        for cmdb in (e.component, *CONTROLS[table]):
            wanted[table] |= {(cmdb, kpi) for kpi in signatures[e.reason]}
    wanted["metric_container"] |= {(pod, "container_cpu_used") for pod in PODS}
    wanted["metric_middleware"] |= {("redis_003", "connected_clients")}
    return tuple(
        _series(table, cmdb, kpi)
        for table in TABLES
        for cmdb in COMPONENTS[table]
        for kpi in TABLE_KPIS[table]
        if (cmdb, kpi) in wanted[table]
    )
