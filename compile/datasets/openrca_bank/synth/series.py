"""Which (component, KPI) series a scale keeps, and each series' value model (pure).

Value models by name (documented, not measured): constants for limits and totals, counters
that grow for uptimes, percentages between 0 and 100 with a daily swing, error and rejection
counts at exactly 0.0, JVM CPU load as a 0-1 fraction, everything else a positive gauge of a
per-series magnitude with a daily swing. Each series' level and phase come from a CRC-32 of its
names (never Python's salted `hash`), so they are the same for every seed and scale.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

from replaybed.compile.datasets.openrca_bank import catalog
from replaybed.compile.datasets.openrca_bank.catalog import ALL_PODS, DOCKERS
from replaybed.compile.datasets.openrca_bank.synth.scales import Scale
from replaybed.compile.datasets.openrca_bank.synth.signatures import (
    METRIC_EFFECTS,
    signature_kpi,
)

CORE_PATTERNS = re.compile(
    r"OSLinux-CPU_CPU_|MEMORY_MEMORY_(MEMUsedMemPerc|MEMFreeMem)|LOCALDISK-sda_|"
    r"FILESYSTEM_-_|NETWORK_ens160_NET(PacketsIn|PacketsOut|InErrPrc|KBTotalPerSec)|"
    r"NETWORK_NETWORK_TotalTcpConnNum|_7779_JVM_(JVM_CPULoad|Memory_HeapMemoryUsage)|"
    r"Tomcat-MEMORY_|Tomcat-Threads_.*CurrentThreadsBusy|MySQL_3306_(ThreadsConnected|Questions|"
    r"Innodb buffer pool reads)|Redis  \((used_memory|connected_clients|instantaneous_ops_per_sec)\)|"
    r"Container-"
)
CONSTANT = re.compile(
    r"(MemLimit|MaxMemory|Max$|HeapMemoryMax|TotalMem|TotSwapSize|MaxConnections|MaxThreads|"
    r"Check-|aof_enabled|maxmemory|connected_slaves|loading|Capacity$)"
)
COUNTER = re.compile(r"(Uptime|uptime_in_seconds|lru_clock)")
ZERO = re.compile(
    r"(Err|Rejected|Aborted|evicted|rejected|Zombies|Slow|blocked|Wait|pending|Si$|So$)"
)
PERCENT = re.compile(r"(Perc|Prcc|Util|Usage$|PercentBusy|idle|ratio)")


@dataclass(frozen=True)
class Model:
    kind: str  # constant | counter | zero | percent | fraction | gauge
    level: float
    phase: float  # radians of the daily swing


def kept_series(scale: Scale, records) -> list[tuple[str, str]]:
    """(component, KPI) of every metric_container series the scale writes, in a fixed order."""
    if scale.kpis == "all":
        return [(p, k) for p in ALL_PODS for k in catalog.kpis_of(p)]
    if scale.kpis == "core":
        out = []
        for p in ALL_PODS:
            names = catalog.kpis_of(p)
            signatures = {signature_kpi(reason, p) for reason in METRIC_EFFECTS}
            out += [(p, k) for k in names if CORE_PATTERNS.search(k) or k in signatures]
        return out
    wanted = {(d, catalog.container_kpis(d)[0]) for d in DOCKERS}
    wanted |= {(r.component, signature_kpi(r.reason, r.component)) for r in records}
    return [(p, k) for p in ALL_PODS for k in catalog.kpis_of(p) if (p, k) in wanted]


def model(pod: str, kpi: str) -> Model:
    h = zlib.crc32(f"{pod}\x00{kpi}".encode())
    u = (h & 0xFFFF) / 0xFFFF
    phase = ((h >> 16) & 0xFFFF) / 0xFFFF * 6.283185307179586
    metric = kpi.rsplit("_", 1)[-1]
    if CONSTANT.search(metric):
        kind, level = "constant", 10 ** (2 + 4 * u)
        if metric.endswith("Capacity"):
            kind, level = "percent", 20 + 40 * u
    elif COUNTER.search(kpi):
        kind, level = "counter", 1e5 + 1e7 * u
    elif ZERO.search(metric):
        kind, level = "zero", 0.0
    elif kpi.endswith("CPULoad") and kpi.startswith("JVM"):
        kind, level = "fraction", 0.02 + 0.1 * u
    elif metric == "CPULoad":  # the host's load average
        kind, level = "gauge", 0.5 + 3.5 * u
    elif PERCENT.search(metric):
        kind, level = "percent", 5 + 50 * u
        if "idle" in metric:
            level = 100 - level
    else:
        kind, level = "gauge", 10 ** (1 + 4 * u)
    return Model(kind, level, phase)
