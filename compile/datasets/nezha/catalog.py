"""What the Nezha files contain: systems, headers, units and the fault types (facts, no I/O).

Checked on IntelligentDDS/Nezha commit d8140101 (all four dates): the headers are identical for
Online Boutique and Train-Ticket; every time in the files is UTC; metric rows tick about every
60 s; trace times are epoch ns with `Duration` in µs; log rows are Docker json-file records.
"""

from __future__ import annotations

DATASET = "nezha"
SYSTEMS = ("online-boutique", "train-ticket")
TZ = "+00:00"
# every Train-Ticket pod is named `ts-<service>-<hash>-<id>`, no Online Boutique pod is
TRAIN_TICKET_PREFIX = "ts-"

POD_METRIC_HEADER = (
    "Time",
    "TimeStamp",
    "PodName",
    "CpuUsage(m)",
    "CpuUsageRate(%)",
    "MemoryUsage(Mi)",
    "MemoryUsageRate(%)",
    "SyscallRead",
    "SyscallWrite",
    "NetworkReceiveBytes",
    "NetworkTransmitBytes",
    "PodClientLatencyP90(s)",
    "PodServerLatencyP90(s)",
    "PodClientLatencyP95(s)",
    "PodServerLatencyP95(s)",
    "PodClientLatencyP99(s)",
    "PodServerLatencyP99(s)",
    "PodWorkload(Ops)",
    "PodSuccessRate(%)",
    "NodeCpuUsageRate(%)",
    "NodeMemoryUsageRate(%)",
    "NodeNetworkReceiveBytes",
)
POD_METRIC_VALUES = POD_METRIC_HEADER[3:]
FRONT_HEADER = (
    "Time",
    "TimeStamp",
    "ServiceName",
    "SuccessRate(%)",
    "LatencyP50(s)",
    "LatencyP90(s)",
    "LatencyP95(s)",
    "LatencyP99(s)",
)
FRONT_VALUES = FRONT_HEADER[3:]
TRACE_HEADER = (
    "TraceID",
    "SpanID",
    "ParentID",
    "PodName",
    "OperationName",
    "StartTimeUnixNano",
    "EndTimeUnixNano",
    "Duration",
)
LOG_HEADER = (
    "Timestamp",
    "TimeUnixNano",
    "Node",
    "PodName",
    "Container",
    "TraceID",
    "SpanID",
    "Log",
)
ROOT_PARENT = "root"  # ParentID of a trace's root span

# table names (the metric mapping's first key)
POD_TABLE = "pod_metric"
FRONT_TABLE = "front_service"
FRONT_FILE = "front_service.csv"
METRIC_SUFFIX = "_metric.csv"
LOG_SUFFIX = "_log.csv"
TRACE_SUFFIX = "_trace.csv"

FAULT_KEYS = ("inject_time", "inject_timestamp", "inject_pod", "inject_type")
INJECT_TYPES = ("cpu_consumed", "cpu_contention", "exception", "network_delay", "return")


def service_of(pod: str) -> str:
    """The Deployment of a pod: its name without the ReplicaSet hash and pod id
    (`ts-contacts-service-866bd68c97-xcqfx` -> `ts-contacts-service`, `frontend-579b9bff58-t2dbm`
    -> `frontend`); a name with fewer than three `-` parts is its own service."""
    parts = pod.split("-")
    return "-".join(parts[:-2]) if len(parts) >= 3 else pod
