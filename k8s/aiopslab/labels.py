"""OpenRCA Market fault reason -> AIOpsLab analysis labels (system_level, fault_type).

The table is the project's fixed mapping (replay-spec); AIOpsLab's AnalysisTask grades both labels
case-insensitively against its taxonomy, so every value here is one of that taxonomy's words.
"""

from __future__ import annotations

from replaybed.k8s.errors import DeployConfigError

SYSTEM_LEVELS = ("Hardware", "Operating System", "Virtualization", "Application")
FAULT_TYPES = (
    "Misconfiguration",
    "Code Defect",
    "Authentication Issue",
    "Network/Storage Issue",
    "Operation Error",
    "Dependency Problem",
)

ANALYSIS_LABELS: dict[str, tuple[str, str]] = {
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
}


def analysis_labels(reason: str, where: str = "fault record") -> tuple[str, str]:
    """(system_level, fault_type) of a record.csv reason; unknown reasons are an error, not a guess."""
    try:
        return ANALYSIS_LABELS[reason]
    except KeyError:
        raise DeployConfigError(
            f"{where}: reason {reason!r} has no AIOpsLab analysis labels; expected one of the 15 Market reasons"
        ) from None
