"""What each record's fault does to the telemetry: a pure table from reason to effects.

Every record becomes one `Effect`: the pods or node it hits, when it starts (the record's
timestamp) and how long it lasts (3-10 min, a per-record hash; CPU spikes 2 min). The metric,
trace and log generators ask `active(...)` for the effects covering a component at a time.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from replaybed.compile.datasets.openrca_market.catalog import CANDIDATE_PODS, NODES, service_of
from replaybed.compile.datasets.openrca_market.records import Record

# reason -> {kpi: multiplier} on the container (pod/service level) or node series
CONTAINER_EFFECTS = {
    "container CPU load": {
        "container_cpu_usage_seconds": 9.0,
        "container_cpu_user_seconds": 9.0,
        "container_cpu_load_average_10s": 12.0,
        "container_cpu_cfs_throttled_periods": 300.0,
        "container_cpu_cfs_throttled_seconds": 150.0,
    },
    "container memory load": {
        "container_memory_usage_MB": 4.0,
        "container_memory_working_set_MB": 4.0,
        "container_memory_rss": 4.5,
        "container_memory_cache": 2.5,
        "container_memory_max_usage_MB": 3.5,
    },
    "container read I/O load": {
        "container_fs_reads./dev/vda": 40.0,
        "container_fs_reads./dev/vda1": 40.0,
        "container_fs_reads_MB./dev/vda": 60.0,
        "container_fs_read_seconds./dev/vda1": 30.0,
        "container_fs_sector_reads./dev/vda1": 50.0,
        "container_fs_io_time_seconds./dev/vda1": 10.0,
    },
    "container write I/O load": {
        "container_fs_writes./dev/vda": 40.0,
        "container_fs_writes./dev/vda1": 40.0,
        "container_fs_writes_MB./dev/vda": 60.0,
        "container_fs_write_seconds./dev/vda1": 30.0,
        "container_fs_sector_writes./dev/vda1": 50.0,
        "container_fs_io_time_seconds./dev/vda1": 10.0,
    },
    "container network latency": {"container_network_transmit_packets.eth0": 0.7},
    "container packet loss": {
        "container_network_receive_packets_dropped.eth0": 400.0,
        "container_network_transmit_packets_dropped.eth0": 400.0,
        "container_network_receive_packets.eth0": 0.6,
    },
    "container network packet corruption": {
        "container_network_receive_errors.eth0": 400.0,
        "container_network_receive_packets.eth0": 0.8,
    },
    "container network packet retransmission": {
        "container_network_transmit_packets.eth0": 2.5,
        "container_network_transmit_MB.eth0": 2.5,
    },
}
NODE_EFFECTS = {
    "node memory consumption": {
        "system.mem.used": 2.2,
        "system.mem.pct_usage": 2.2,
        "system.mem.real.used": 2.2,
        "system.mem.real.pct_useage": 2.2,
        "system.mem.free": 0.2,
        "system.mem.usable": 0.3,
    },
    "node CPU load": {
        "system.cpu.pct_usage": 6.0,
        "system.cpu.user": 6.0,
        "system.load.1": 8.0,
        "system.load.5": 5.0,
        "system.load.15": 3.0,
    },
    "node CPU spike": {"system.cpu.pct_usage": 8.0, "system.cpu.user": 8.0, "system.load.1": 10.0},
    "node disk read I/O consumption": {
        "system.io.r_s": 30.0,
        "system.io.rkb_s": 60.0,
        "system.io.r_await": 8.0,
        "system.io.util": 10.0,
        "system.io.avg_q_sz": 10.0,
    },
    "node disk write I/O consumption": {
        "system.io.w_s": 30.0,
        "system.io.w_await": 8.0,
        "system.io.util": 10.0,
        "system.io.avg_q_sz": 10.0,
    },
    "node disk space consumption": {
        "system.disk.used": 2.2,
        "system.disk.pct_usage": 1.8,
        "system.disk.free": 0.3,
    },
}
NETWORK_REASONS = (
    "container network latency",
    "container packet loss",
    "container network packet corruption",
    "container network packet retransmission",
)
TERMINATION = "container process termination"
# mesh series of the faulted pods move too for network faults: request duration and error codes
MESH_EFFECTS = {
    "container network latency": {"istio_request_duration_milliseconds.grpc.200.0.0": 25.0},
    "container packet loss": {
        "istio_request_duration_milliseconds.grpc.200.0.0": 4.0,
        "istio_requests.grpc.200.0.0": 0.6,
    },
    "container network packet corruption": {
        "istio_requests.grpc.200.0.0": 0.7,
        "istio_request_duration_milliseconds.grpc.200.0.0": 3.0,
    },
    "container network packet retransmission": {
        "istio_request_duration_milliseconds.grpc.200.0.0": 6.0
    },
}


@dataclass(frozen=True)
class Effect:
    record: Record
    start: int  # epoch s, the record's timestamp
    end: int  # epoch s, exclusive
    pods: tuple[str, ...]
    node: str | None

    @property
    def reason(self) -> str:
        return self.record.reason

    def covers(self, t: int) -> bool:
        return self.start <= t < self.end


def duration_of(cloudbed: str, record: Record) -> int:
    if record.reason == "node CPU spike":
        return 120
    h = hashlib.sha256(f"{cloudbed}/{record.row}/{record.timestamp}".encode()).digest()
    return 180 + 60 * (h[0] % 8)


def effect_of(cloudbed: str, record: Record) -> Effect:
    if record.level == "node":
        if record.component not in NODES:
            raise ValueError(f"node record {record.row} names {record.component!r}, not a node")
        pods: tuple[str, ...] = ()
        node: str | None = record.component
    elif record.level == "service":
        pods, node = tuple(p for p in CANDIDATE_PODS if service_of(p) == record.component), None
    else:
        pods, node = (record.component,), None
    if record.level != "node" and not pods:
        raise ValueError(f"record {record.row} names {record.component!r}, which has no pods")
    return Effect(
        record, record.timestamp, record.timestamp + duration_of(cloudbed, record), pods, node
    )


def effects_of(cloudbed: str, records: list[Record]) -> tuple[Effect, ...]:
    return tuple(effect_of(cloudbed, r) for r in records)
