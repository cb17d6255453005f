"""OpenRCA Market KPI names -> Prometheus series names and labels, by rule (pure).

The rules (a full table in docs/metric-mapping/openrca-market.md is generated from this module):

- container (cAdvisor): `<base>[.<suffix>]`; `.eth0` -> `interface`, `./dev/vda[1]` -> `device`,
  `failures.<scope>.<type>` -> `scope`/`failure_type`, `tasks_state.<state>` -> `state`,
  `ulimits_soft.<ulimit>` -> `ulimit`; `_MB` -> `_bytes` with values x 1048576; cumulative
  counters get `_total`; names that already match cAdvisor are kept, so AIOpsLab's `get_metrics`
  finds them. Labels: `pod`, `instance` = `node` = the node, `container` = the pod's deployment.
- node (Datadog agent gauges): dots become underscores (`system.cpu.iowait` -> `system_cpu_iowait`);
  labels `node`, `instance`.
- mesh (Istio): `<metric>.<protocol>.<code>.<grpc status>[.<x>]` -> `<metric>[_total]` with
  `request_protocol`, `response_code`, `grpc_response_status` (and `istio_field4` for the
  unexplained fourth field the real names carry); TCP `<metric>.<flags>` ->
  `response_flags`; the cmdb_id `<pod>.<reporter>.<source>.<destination>` gives `pod`, `reporter`,
  `source_canonical_service`, `destination_canonical_service`; gateways give `pod` only.
- runtime (JMX exporter): the part before the first dot is the name, the rest becomes labels by
  prefix (`pool`, `gc`, `area`, `state`, ...); `_MB` -> `_bytes` x 1048576; labels `instance`, `service`.
- service: `rr`, `sr`, `mrt`, `count` -> `service_request_rate`, `service_success_rate`,
  `service_mean_response_time_ms`, `service_request_count`; labels `service`, `protocol`.
- anything else: every invalid character becomes `_`, the original name is kept in a `kpi_name`
  label, and the name is counted as unknown (never dropped).
Every series also carries `namespace="openrca-<cloudbed>"`. Empty label values are left out
(Prometheus treats an empty value as an absent label).
"""

from __future__ import annotations

from replaybed.compile.datasets import prom_names
from replaybed.compile.datasets.base import Series
from replaybed.compile.datasets.prom_names import sanitize

MB = 1048576.0
# the name the compiler's docs and tests use for a mapped series
Mapped = Series

CONTAINER_COUNTERS = frozenset(
    {
        "container_cpu_cfs_periods",
        "container_cpu_cfs_throttled_periods",
        "container_cpu_cfs_throttled_seconds",
        "container_cpu_system_seconds",
        "container_cpu_usage_seconds",
        "container_cpu_user_seconds",
        "container_fs_io_time_seconds",
        "container_fs_io_time_weighted_seconds",
        "container_fs_read_seconds",
        "container_fs_reads",
        "container_fs_reads_bytes",
        "container_fs_reads_merged",
        "container_fs_sector_reads",
        "container_fs_sector_writes",
        "container_fs_write_seconds",
        "container_fs_writes",
        "container_fs_writes_bytes",
        "container_fs_writes_merged",
        "container_memory_failures",
        "container_network_receive_bytes",
        "container_network_receive_errors",
        "container_network_receive_packets",
        "container_network_receive_packets_dropped",
        "container_network_transmit_bytes",
        "container_network_transmit_errors",
        "container_network_transmit_packets",
        "container_network_transmit_packets_dropped",
    }
)
# cAdvisor gauges whose exported name differs from the OpenRCA base in a way no rule derives
CADVISOR_RENAMES = {"container_fs_inodes": "container_fs_inodes_total"}
CONTAINER_GAUGES = frozenset(
    {
        "container_cpu_load_average_10s",
        "container_file_descriptors",
        "container_fs_inodes",
        "container_fs_inodes_free",
        "container_fs_io_current",
        "container_fs_limit_bytes",
        "container_fs_usage_bytes",
        "container_last_seen",
        "container_memory_cache",
        "container_memory_failcnt",
        "container_memory_mapped_file",
        "container_memory_max_usage_bytes",
        "container_memory_rss",
        "container_memory_swap",
        "container_memory_usage_bytes",
        "container_memory_working_set_bytes",
        "container_sockets",
        "container_spec_cpu_period",
        "container_spec_cpu_quota",
        "container_spec_cpu_shares",
        "container_spec_memory_limit_bytes",
        "container_spec_memory_reservation_limit_bytes",
        "container_spec_memory_swap_limit_bytes",
        "container_start_time_seconds",
        "container_tasks_state",
        "container_threads",
        "container_threads_max",
        "container_ulimits_soft",
    }
)
ISTIO_REQUEST = {
    "istio_requests": "istio_requests_total",
    "istio_request_duration_milliseconds": "istio_request_duration_milliseconds",
    "istio_request_bytes": "istio_request_bytes",
    "istio_response_bytes": "istio_response_bytes",
}
ISTIO_PLAIN = {
    "istio_request_messages": "istio_request_messages_total",
    "istio_response_messages": "istio_response_messages_total",
}
ISTIO_TCP = {
    "istio_tcp_sent_bytes": "istio_tcp_sent_bytes_total",
    "istio_tcp_received_bytes": "istio_tcp_received_bytes_total",
    "istio_tcp_connections_opened": "istio_tcp_connections_opened_total",
    "istio_tcp_connections_closed": "istio_tcp_connections_closed_total",
}
# runtime name prefix -> label names for the dot-separated suffix (the last label takes the rest)
RUNTIME_SUFFIX_LABELS = (
    ("java_lang_GarbageCollector_LastGcInfo_memoryUsage", ("pool", "gc")),
    ("java_lang_GarbageCollector_", ("gc",)),
    ("java_lang_MemoryPool_", ("pool",)),
    ("java_lang_MemoryManager_", ("manager",)),
    ("java_nio_BufferPool_", ("pool",)),
    ("jvm_memory_pool_", ("pool",)),
    ("jvm_memory_", ("area",)),
    ("jvm_buffer_pool_", ("pool",)),
    ("jvm_threads_state", ("state",)),
    ("jvm_gc_", ("gc",)),
    ("jvm_info", ("vendor", "runtime", "version")),
)
RUNTIME_PREFIXES = ("java_lang_", "java_nio_", "jvm_", "process_", "jmx_")
SERVICE_NAMES = {
    "rr": "service_request_rate",
    "sr": "service_success_rate",
    "mrt": "service_mean_response_time_ms",
    "count": "service_request_count",
}


def _finish(name: str, labels: dict[str, str], namespace: str, scale: float = 1.0) -> Series:
    return prom_names.series(name, labels, namespace, scale=scale)


def _unknown(kpi: str, labels: dict[str, str], namespace: str) -> Series:
    return prom_names.unknown(kpi, labels, namespace)


def container(cmdb: str, kpi: str, namespace: str) -> Series:
    mapped = _container(cmdb, kpi, namespace)
    if "." not in cmdb:
        return mapped
    # container ids are `<node>.<pod>`: the one place the Market data says where a pod runs
    node, _, pod = cmdb.partition(".")
    return Series(mapped.labels, mapped.scale, mapped.unknown, (pod, node))


def _container(cmdb: str, kpi: str, namespace: str) -> Series:
    node, _, pod = cmdb.partition(".")
    labels = {"pod": pod, "instance": node, "node": node, "container": pod.rsplit("-", 1)[0]}
    base, _, suffix = kpi.partition(".")
    scale = 1.0
    if "_MB" in base:
        base, scale = base.replace("_MB", "_bytes"), MB
    if suffix.startswith("/dev/"):
        labels["device"] = suffix
    elif suffix.startswith("eth"):
        labels["interface"] = suffix
    elif base == "container_memory_failures" and suffix.count(".") == 1:
        labels["scope"], labels["failure_type"] = suffix.split(".")
    elif base == "container_tasks_state" and suffix:
        labels["state"] = suffix
    elif base == "container_ulimits_soft" and suffix:
        labels["ulimit"] = suffix
    elif suffix:
        return _unknown(kpi, labels, namespace)
    if base in CONTAINER_COUNTERS:
        return _finish(base + "_total", labels, namespace, scale)
    if base in CONTAINER_GAUGES:
        return _finish(CADVISOR_RENAMES.get(base, base), labels, namespace, scale)
    return _unknown(kpi, labels, namespace)


def node(cmdb: str, kpi: str, namespace: str) -> Series:
    labels = {"node": cmdb, "instance": cmdb}
    if not kpi.startswith(("system.", "ping.")):
        return _unknown(kpi, labels, namespace)
    return _finish(sanitize(kpi.replace(".", "_")), labels, namespace)


def mesh(cmdb: str, kpi: str, namespace: str) -> Series:
    parts = cmdb.split(".")
    if len(parts) == 4 and parts[1] in ("source", "destination"):
        labels = {
            "pod": parts[0],
            "reporter": parts[1],
            "source_canonical_service": parts[2],
            "destination_canonical_service": parts[3],
        }
    else:
        labels = {"pod": cmdb}
    metric, _, rest = kpi.partition(".")
    fields = rest.split(".")
    if metric in ISTIO_REQUEST and len(fields) in (3, 4):
        labels.update(
            request_protocol=fields[0], response_code=fields[1], grpc_response_status=fields[2]
        )
        # the real names carry a 4th field of unknown meaning (`.grpc.200.0.0`); kept so series stay apart
        labels["istio_field4"] = fields[3] if len(fields) == 4 else ""
        return _finish(ISTIO_REQUEST[metric], labels, namespace)
    if metric in ISTIO_PLAIN and not rest:
        return _finish(ISTIO_PLAIN[metric], labels, namespace)
    if metric in ISTIO_TCP and rest:
        return _finish(ISTIO_TCP[metric], {**labels, "response_flags": rest}, namespace)
    if metric.startswith("istio_agent_") and not rest:
        return _finish(sanitize(metric), labels, namespace)
    return _unknown(kpi, labels, namespace)


def runtime(cmdb: str, kpi: str, namespace: str) -> Series:
    labels = {"instance": cmdb, "service": cmdb.split(".", 1)[0]}
    base, _, suffix = kpi.partition(".")
    if not base.startswith(RUNTIME_PREFIXES):
        return _unknown(kpi, labels, namespace)
    scale = 1.0
    if "_MB" in base:
        base, scale = base.replace("_MB", "_bytes"), MB
    if suffix:
        if base == "jmx_exporter_build_info":
            labels["version"], _, labels["name"] = suffix.rpartition(".")
        else:
            names = next(
                (n for prefix, n in RUNTIME_SUFFIX_LABELS if base.startswith(prefix)), None
            )
            values = suffix.split(".", len(names) - 1) if names else []
            if not names or len(values) != len(names):
                return _unknown(kpi, labels, namespace)
            labels.update(zip(names, values))
    return _finish(sanitize(base), labels, namespace, scale)


def service(service_id: str, column: str, namespace: str) -> Series:
    name, _, protocol = service_id.rpartition("-")
    labels = {"service": name or service_id, "protocol": protocol if name else ""}
    if column not in SERVICE_NAMES:
        return _unknown(column, labels, namespace)
    return _finish(SERVICE_NAMES[column], labels, namespace)


MAPPERS = {
    "metric_container": container,
    "metric_node": node,
    "metric_mesh": mesh,
    "metric_runtime": runtime,
    "metric_service": service,
}
