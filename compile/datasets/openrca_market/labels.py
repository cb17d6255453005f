"""Market fault reason -> AIOpsLab analysis labels (system_level, fault_type).

The project's fixed mapping for the 15 Market reasons; AIOpsLab's AnalysisTask grades both labels
case-insensitively against its taxonomy (below), so every value here is one of its words. The
compiler writes the labels of each fault into its manifest (`fault.analysis`).
"""

from __future__ import annotations

from replaybed.schemas.manifest import Analysis

SYSTEM_LEVELS = ("Hardware", "Operating System", "Virtualization", "Application")
FAULT_TYPES = (
    "Misconfiguration",
    "Code Defect",
    "Authentication Issue",
    "Network/Storage Issue",
    "Operation Error",
    "Dependency Problem",
)

ANALYSIS_LABELS: dict[str, Analysis] = {
    reason: Analysis(level, fault_type)
    for reason, (level, fault_type) in {
        "container CPU load": ("Virtualization", "Operation Error"),
        "container memory load": ("Virtualization", "Operation Error"),
        "container read I/O load": ("Hardware", "Network/Storage Issue"),
        "container write I/O load": ("Hardware", "Network/Storage Issue"),
        "container network latency": ("Virtualization", "Network/Storage Issue"),
        "container packet loss": ("Virtualization", "Network/Storage Issue"),
        "container network packet corruption": ("Virtualization", "Network/Storage Issue"),
        "container network packet retransmission": ("Virtualization", "Network/Storage Issue"),
        "container process termination": ("Virtualization", "Dependency Problem"),
        "node memory consumption": ("Hardware", "Operation Error"),
        "node CPU load": ("Hardware", "Operation Error"),
        "node CPU spike": ("Hardware", "Operation Error"),
        "node disk read I/O consumption": ("Hardware", "Network/Storage Issue"),
        "node disk write I/O consumption": ("Hardware", "Network/Storage Issue"),
        "node disk space consumption": ("Hardware", "Network/Storage Issue"),
    }.items()
}
