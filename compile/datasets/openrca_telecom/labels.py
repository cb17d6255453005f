"""Telecom fault reason -> AIOpsLab analysis labels (system_level, fault_type).

AIOpsLab's AnalysisTask grades both labels against its taxonomy (the words below, shared with
Market's `openrca_market/labels.py`); the compiler writes the labels of each fault into its
manifest (`fault.analysis`). One line of reasoning per row; the choices follow Market's table for
the analogous faults so that one reason never gets two labels across OpenRCA systems.
"""

from __future__ import annotations

from replaybed.schemas.manifest import Analysis

ANALYSIS_LABELS: dict[str, Analysis] = {
    reason: Analysis(level, fault_type)
    for reason, (level, fault_type) in {
        # a CPU hog inside one docker container: Market's "container CPU load"
        "CPU fault": ("Virtualization", "Operation Error"),
        # delay injected on a host (os_*) network interface: a node-level network fault; Market
        # labels every node-level fault Hardware and every network fault Network/Storage Issue
        "network delay": ("Hardware", "Network/Storage Issue"),
        # packet loss on a host interface: as network delay
        "network loss": ("Hardware", "Network/Storage Issue"),
        # the Oracle database (db_*) refuses sessions at its connection limit: an application's
        # limit set too low for the load
        "db connection limit": ("Application", "Misconfiguration"),
        # the database instance is shut down and its callers lose a dependency: Market's
        # "container process termination" is a Dependency Problem for the same reason
        "db close": ("Application", "Dependency Problem"),
    }.items()
}
