"""What each recorded fault does to the twin's telemetry (pure): one documented signature per reason.

A fault acts from its record's timestamp for `EFFECT_S` seconds on its component:

- high CPU usage: `OSLinux-CPU_CPU_CPUCpuUtil` -> ~92 %;
- high memory usage: `OSLinux-OSLinux_MEMORY_MEMORY_MEMUsedMemPerc` -> ~96 %;
- network latency: `OSLinux-OSLinux_NETWORK_NETWORK_TotalTcpConnNum` x4; +1500-2500 ms on the
  component's spans (and so on their ancestors'); `mrt` of every transaction x3;
- network packet loss: `OSLinux-OSLinux_NETWORK_ens160_NETInErrPrc` 0 -> ~30 %; 30 % of the
  component's spans wait +200-1000 ms (retransmissions); `sr` ~90 %;
- high disk I/O read usage: `OSLinux-OSLinux_LOCALDISK_LOCALDISK-sda_DSKRead` x25;
- high disk space usage: `OSLinux-OSLinux_FILESYSTEM_-_FSCapacity` -> ~97 %;
- high JVM CPU load: `JVM-Operating System_7779_JVM_JVM_CPULoad` -> ~0.95;
- JVM Out of Memory (OOM) Heap: `JVM-Memory_7779_JVM_Memory_HeapMemoryUsage` -> ~99 % (Tomcat:
  `Tomcat-MEMORY_7441-MEMORY_JVMMemoryUsedPercent`); a Tomcat also logs a
  `Full GC (Allocation Failure)` line every 10 s.

Traffic is routed through a traced faulted component while its fault lasts, so its spans are
there to see even at one trace a minute.
"""

from __future__ import annotations

from dataclasses import dataclass

from replaybed.compile.datasets.openrca_bank.catalog import service_of

EFFECT_S = 300
# reason -> (KPI, "set" to a level | "scale" the baseline, amount)
METRIC_EFFECTS = {
    "high CPU usage": ("OSLinux-CPU_CPU_CPUCpuUtil", "set", 92.0),
    "high memory usage": ("OSLinux-OSLinux_MEMORY_MEMORY_MEMUsedMemPerc", "set", 96.0),
    "network latency": ("OSLinux-OSLinux_NETWORK_NETWORK_TotalTcpConnNum", "scale", 4.0),
    "network packet loss": ("OSLinux-OSLinux_NETWORK_ens160_NETInErrPrc", "set", 30.0),
    "high disk I/O read usage": ("OSLinux-OSLinux_LOCALDISK_LOCALDISK-sda_DSKRead", "scale", 25.0),
    "high disk space usage": ("OSLinux-OSLinux_FILESYSTEM_-_FSCapacity", "set", 97.0),
    "high JVM CPU load": ("JVM-Operating System_7779_JVM_JVM_CPULoad", "set", 0.95),
    "JVM Out of Memory (OOM) Heap": ("JVM-Memory_7779_JVM_Memory_HeapMemoryUsage", "set", 99.0),
}
TOMCAT_OOM_KPI = "Tomcat-MEMORY_7441-MEMORY_JVMMemoryUsedPercent"
LATENCY_MS = (1500, 2500)
LOSS_MS = (200, 1000)
OOM_GC_STEP_S = 10


@dataclass(frozen=True)
class Effect:
    row: int
    component: str
    reason: str
    start: int  # epoch s
    end: int  # epoch s (exclusive)


def effects_of(records) -> tuple[Effect, ...]:
    """One effect per record (`records`: objects with row, component, reason, timestamp)."""
    return tuple(
        Effect(r.row, r.component, r.reason, r.timestamp, r.timestamp + EFFECT_S) for r in records
    )


def signature_kpi(reason: str, component: str) -> str:
    """The metric_container KPI a fault of `reason` moves on `component`."""
    if reason == "JVM Out of Memory (OOM) Heap" and service_of(component) == "Tomcat":
        return TOMCAT_OOM_KPI
    return METRIC_EFFECTS[reason][0]


def metric_effect(reason: str) -> tuple[str, float]:
    _, how, amount = METRIC_EFFECTS[reason]
    return how, amount
