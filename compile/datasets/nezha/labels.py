"""Nezha inject types -> AIOpsLab analysis labels (system_level, fault_type), one reason per row.

AIOpsLab grades `system_level` in {Hardware, Operating System, Virtualization, Application} and
`fault_type` in {Misconfiguration, Code Defect, Authentication Issue, Network/Storage Issue,
Operation Error, Dependency Problem}. The rows follow Market's table (`openrca_market/labels.py`)
for the resource faults so the same kind of fault gets the same labels in every dataset.
"""

from __future__ import annotations

from replaybed.schemas.manifest import Analysis

ANALYSIS_LABELS: dict[str, Analysis] = {
    reason: Analysis(level, fault_type)
    for reason, (level, fault_type) in {
        # a stress process started in the pod's container competes for its CPU (chaos tool):
        # a container-level resource fault caused by an operator, as Market's "container CPU load"
        "cpu_contention": ("Virtualization", "Operation Error"),
        # the service's own process made to burn CPU inside its container: same level and cause
        "cpu_consumed": ("Virtualization", "Operation Error"),
        # delay added on the pod's network interface (tc netem): as Market's "container network latency"
        "network_delay": ("Virtualization", "Network/Storage Issue"),
        # a method of the service's code made to return early / a wrong value: a code fault
        "return": ("Application", "Code Defect"),
        # a method of the service's code made to throw an exception: a code fault
        "exception": ("Application", "Code Defect"),
    }.items()
}
