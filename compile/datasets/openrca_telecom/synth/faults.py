"""The twin's fault signature per Telecom reason: which KPIs of the recorded component move, and
what happens to the traces that pass through it, from the record time for `FAULT_S` seconds.

- CPU fault (docker_*): `container_cpu_used` 85-95 %; traces started in the window are routed
  through the container and its spans' own time is tripled.
- network delay (os_*): `Sent_queue`, `Received_queue` +40-60; OSB spans run on the host with
  +1000-2000 ms of own time.
- network loss (os_*): `Sent_queue` +80-120; OSB spans run on the host with +200-600 ms, and 30 %
  of those traces fail at the root (`success` False).
- db connection limit (db_*): `Sess_Connect` = 500, `Session_pct` = 100, `Sess_Active` x3; JDBC
  spans go to the db with +300-800 ms, 30 % of them fail, and the failure goes up the chain.
- db close (db_*): `On_Off_State`, `Sess_Connect`, `Sess_Active`, `Session_pct` = 0; JDBC spans to
  the db fail in 1 ms, and the failure goes up the chain.

Every other KPI keeps its baseline, so a reader can tell the hit component from the others.
"""

from __future__ import annotations

from dataclasses import dataclass

from replaybed.compile.datasets.openrca_telecom.records import vendored

FAULT_S = 600

# reason -> (KPI, kind, a, b): value := uniform(a, b) ("set"), value + uniform(a, b) ("add"),
# value * a ("times")
METRIC_EFFECTS: dict[str, tuple[tuple[str, str, float, float], ...]] = {
    "CPU fault": (("container_cpu_used", "set", 85.0, 95.0),),
    "network delay": (("Sent_queue", "add", 40.0, 60.0), ("Received_queue", "add", 40.0, 60.0)),
    "network loss": (("Sent_queue", "add", 80.0, 120.0),),
    "db connection limit": (
        ("Sess_Connect", "set", 500.0, 500.0),
        ("Session_pct", "set", 100.0, 100.0),
        ("Sess_Active", "times", 3.0, 3.0),
    ),
    "db close": (
        ("On_Off_State", "set", 0.0, 0.0),
        ("Sess_Connect", "set", 0.0, 0.0),
        ("Sess_Active", "set", 0.0, 0.0),
        ("Session_pct", "set", 0.0, 0.0),
    ),
}


@dataclass(frozen=True)
class Effect:
    row: int
    reason: str
    component: str
    start_ms: int
    end_ms: int


def effects() -> tuple[Effect, ...]:
    return tuple(
        Effect(r.row, r.reason, r.component, r.timestamp * 1000, (r.timestamp + FAULT_S) * 1000)
        for r, _ in vendored()
    )


def signature_kpis() -> dict[str, set[str]]:
    """reason -> the KPIs its signature moves."""
    return {reason: {kpi for kpi, *_ in moves} for reason, moves in METRIC_EFFECTS.items()}
