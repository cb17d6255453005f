"""Bank fault reason -> AIOpsLab analysis labels (system_level, fault_type).

AIOpsLab's AnalysisTask grades both labels against its taxonomy (system levels Hardware, Operating
System, Virtualization, Application; fault types Misconfiguration, Code Defect, Authentication
Issue, Network/Storage Issue, Operation Error, Dependency Problem). The compiler writes each
fault's labels into its manifest (`fault.analysis`). Reasoning, one line per reason:

- Bank components are hosts (VMs with their own Zabbix agent, NIC `ens160`): a CPU, memory, disk
  or network fault exhausts the host the way Market's node faults do -> Hardware, and like
  Market: resource loads are Operation Errors, disk and network faults Network/Storage Issues.
- the two JVM reasons hit the Java runtime inside the application, not the host -> Application:
  a JVM CPU load is an injected load (Operation Error); an OOM heap is a heap exhausted by the
  application's own allocations, the symptom of a leak (Code Defect).
"""

from __future__ import annotations

from replaybed.schemas.manifest import Analysis

ANALYSIS_LABELS: dict[str, Analysis] = {
    reason: Analysis(level, fault_type)
    for reason, (level, fault_type) in {
        "high CPU usage": ("Hardware", "Operation Error"),
        "high memory usage": ("Hardware", "Operation Error"),
        "network latency": ("Hardware", "Network/Storage Issue"),
        "network packet loss": ("Hardware", "Network/Storage Issue"),
        "high disk I/O read usage": ("Hardware", "Network/Storage Issue"),
        "high disk space usage": ("Hardware", "Network/Storage Issue"),
        "high JVM CPU load": ("Application", "Operation Error"),
        "JVM Out of Memory (OOM) Heap": ("Application", "Code Defect"),
    }.items()
}
