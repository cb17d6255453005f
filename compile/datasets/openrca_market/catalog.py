"""What the OpenRCA Market files contain: layout, headers, components and KPI names.

Facts from the real dataset (microsoft/OpenRCA's schema prompt and third-party measurements; see
docs/synthetic-dataset.md). The container (64) and node (59) KPI lists are complete; the real
mesh (125) and runtime (333) lists were never published, so they are built here from the
documented grammars: `<istio_metric>[.<protocol>.<code>.<grpc status>]`, `<tcp metric>.<flags>`,
`istio_agent_*` for mesh, JMX-exporter names with `.<pool>`, `.<gc>` and `.<area>` suffixes for
runtime. The synthetic generator writes exactly these; the compiler's name mapping covers them
by rule, not by list.
"""

from __future__ import annotations

from datetime import timedelta, timezone

DATASET = "openrca-market"
UTC8 = timezone(timedelta(hours=8))
CLOUDBEDS = ("cloudbed-1", "cloudbed-2")
DAYS = ("2022_03_20", "2022_03_21")

# logical name -> path inside a day folder
FILES = {
    "log_proxy": "log/log_proxy.csv",
    "log_service": "log/log_service.csv",
    "metric_container": "metric/metric_container.csv",
    "metric_mesh": "metric/metric_mesh.csv",
    "metric_node": "metric/metric_node.csv",
    "metric_runtime": "metric/metric_runtime.csv",
    "metric_service": "metric/metric_service.csv",
    "trace_span": "trace/trace_span.csv",
}
HEADERS = {
    "log_proxy": ("log_id", "timestamp", "cmdb_id", "log_name", "value"),
    "log_service": ("log_id", "timestamp", "cmdb_id", "log_name", "value"),
    "metric_container": ("timestamp", "cmdb_id", "kpi_name", "value"),
    "metric_mesh": ("timestamp", "cmdb_id", "kpi_name", "value"),
    "metric_node": ("timestamp", "cmdb_id", "kpi_name", "value"),
    "metric_runtime": ("timestamp", "cmdb_id", "kpi_name", "value"),
    "metric_service": ("service", "timestamp", "rr", "sr", "mrt", "count"),
    "trace_span": (
        "timestamp",
        "cmdb_id",
        "span_id",
        "trace_id",
        "duration",
        "type",
        "status_code",
        "operation_name",
        "parent_span",
    ),
}
RECORD_HEADER = ("timestamp", "level", "component", "reason", "datetime")
QUERY_HEADER = ("task_index", "instruction", "scoring_points")

NODES = tuple(f"node-{i}" for i in range(1, 7))
SERVICES = (
    "frontend",
    "shippingservice",
    "checkoutservice",
    "currencyservice",
    "adservice",
    "emailservice",
    "cartservice",
    "productcatalogservice",
    "recommendationservice",
    "paymentservice",
)
CANDIDATE_PODS = tuple(f"{s}{suffix}" for s in SERVICES for suffix in ("-0", "-1", "-2", "2-0"))
EXTRA_PODS = ("redis-cart-0", "redis-cart2-0")
ALL_PODS = CANDIDATE_PODS + EXTRA_PODS
ISTIO_GATEWAYS = ("istio-ingressgateway-565bffd4d-6bl7m", "istio-egressgateway-7bfdcc9d86-zpjpg")
RUNTIME_IDS = ("adservice.ts:8088", "adservice2.ts:8088")
SERVICE_IDS = (
    "adservice-grpc",
    "adservice-http",
    "cartservice-grpc",
    "checkoutservice-grpc",
    "currencyservice-grpc",
    "emailservice-grpc",
    "frontend-http",
    "paymentservice-grpc",
    "productcatalogservice-grpc",
    "recommendationservice-grpc",
    "shippingservice-grpc",
)
SERVICE_KPIS = ("rr", "sr", "mrt", "count")

REASONS = (
    "container CPU load",
    "container memory load",
    "container read I/O load",
    "container write I/O load",
    "container network latency",
    "container packet loss",
    "container network packet corruption",
    "container network packet retransmission",
    "container process termination",
    "node memory consumption",
    "node CPU load",
    "node CPU spike",
    "node disk read I/O consumption",
    "node disk write I/O consumption",
    "node disk space consumption",
)


def service_of(pod: str) -> str:
    """The OpenRCA service of a pod: `adservice2-0` and `adservice-1` both belong to `adservice`."""
    base = pod.rsplit("-", 1)[0]
    return base[:-1] if base.endswith("2") else base


CONTAINER_KPIS = (
    "container_cpu_cfs_periods",
    "container_cpu_cfs_throttled_periods",
    "container_cpu_cfs_throttled_seconds",
    "container_cpu_load_average_10s",
    "container_cpu_system_seconds",
    "container_cpu_usage_seconds",
    "container_cpu_user_seconds",
    "container_file_descriptors",
    "container_fs_inodes./dev/vda1",
    "container_fs_inodes_free./dev/vda1",
    "container_fs_io_current./dev/vda1",
    "container_fs_io_time_seconds./dev/vda1",
    "container_fs_io_time_weighted_seconds./dev/vda1",
    "container_fs_limit_MB./dev/vda1",
    "container_fs_read_seconds./dev/vda1",
    "container_fs_reads./dev/vda",
    "container_fs_reads./dev/vda1",
    "container_fs_reads_MB./dev/vda",
    "container_fs_reads_merged./dev/vda1",
    "container_fs_sector_reads./dev/vda1",
    "container_fs_sector_writes./dev/vda1",
    "container_fs_usage_MB./dev/vda1",
    "container_fs_write_seconds./dev/vda1",
    "container_fs_writes./dev/vda",
    "container_fs_writes./dev/vda1",
    "container_fs_writes_MB./dev/vda",
    "container_fs_writes_merged./dev/vda1",
    "container_last_seen",
    "container_memory_cache",
    "container_memory_failcnt",
    "container_memory_failures.container.pgfault",
    "container_memory_failures.container.pgmajfault",
    "container_memory_failures.hierarchy.pgfault",
    "container_memory_failures.hierarchy.pgmajfault",
    "container_memory_mapped_file",
    "container_memory_max_usage_MB",
    "container_memory_rss",
    "container_memory_swap",
    "container_memory_usage_MB",
    "container_memory_working_set_MB",
    "container_network_receive_MB.eth0",
    "container_network_receive_errors.eth0",
    "container_network_receive_packets.eth0",
    "container_network_receive_packets_dropped.eth0",
    "container_network_transmit_MB.eth0",
    "container_network_transmit_errors.eth0",
    "container_network_transmit_packets.eth0",
    "container_network_transmit_packets_dropped.eth0",
    "container_sockets",
    "container_spec_cpu_period",
    "container_spec_cpu_quota",
    "container_spec_cpu_shares",
    "container_spec_memory_limit_MB",
    "container_spec_memory_reservation_limit_MB",
    "container_spec_memory_swap_limit_MB",
    "container_start_time_seconds",
    "container_tasks_state.iowaiting",
    "container_tasks_state.running",
    "container_tasks_state.sleeping",
    "container_tasks_state.stopped",
    "container_tasks_state.uninterruptible",
    "container_threads",
    "container_threads_max",
    "container_ulimits_soft.max_open_files",
)

NODE_KPIS = (
    "ping.can_connect",
    "system.cpu.iowait",
    "system.cpu.pct_usage",
    "system.cpu.system",
    "system.cpu.user",
    "system.disk.free",
    "system.disk.pct_usage",
    "system.disk.readonly",
    "system.disk.total",
    "system.disk.used",
    "system.fs.inodes.free",
    "system.fs.inodes.in_use",
    "system.fs.inodes.total",
    "system.fs.inodes.used",
    "system.io.avg_q_sz",
    "system.io.await",
    "system.io.r_await",
    "system.io.r_s",
    "system.io.rkb_s",
    "system.io.svctm",
    "system.io.util",
    "system.io.w_await",
    "system.io.w_s",
    "system.load.1",
    "system.load.15",
    "system.load.5",
    "system.mem.free",
    "system.mem.pct_usage",
    "system.mem.real.pct_useage",
    "system.mem.real.used",
    "system.mem.total",
    "system.mem.usable",
    "system.mem.used",
    "system.net.bytes_rcvd",
    "system.net.bytes_sent",
    "system.net.packets_in.count",
    "system.net.packets_in.error",
    "system.net.packets_out.count",
    "system.net.packets_out.error",
    "system.net.tcp.in_segs",
    "system.net.tcp.out_segs",
    "system.net.tcp.retrans_segs",
    "system.net.udp.in_datagrams",
    "system.net.udp.in_errors",
    "system.net.udp.out_datagrams",
    "system.net.udp.rcv_buf_errors",
    "system.net.udp.snd_buf_errors",
    "system.os.nofile.current",
    "system.os.nofile.max",
    "system.os.nofile.used_pct",
    "system.process.zombie.num",
    "system.swap.free",
    "system.swap.si",
    "system.swap.so",
    "system.swap.total",
    "system.swap.used",
    "system.swap.used_pct",
    "system.tcp.retrans_pct",
    "system.udp.connect.num",
)
# the 12 node series sampled every 300 s instead of 60 s: the disk/inode totals of the six nodes
NODE_KPIS_300S = ("system.disk.total", "system.fs.inodes.total")

_HTTP_SUFFIXES = (
    ".grpc.200.0.0",
    ".grpc.0.2.0",
    ".grpc.200.14.0",
    ".grpc.200.4.0",
    ".grpc.200.9.0",
    ".grpc.200.13.0",
    ".http.200.",
    ".http.202.",
    ".http.503.",
    ".http.0.",
    ".http.200.14.0",
)
_ISTIO_REQUEST_METRICS = (
    "istio_requests",
    "istio_request_duration_milliseconds",
    "istio_request_bytes",
    "istio_response_bytes",
)
_ISTIO_TCP_METRICS = (
    "istio_tcp_sent_bytes",
    "istio_tcp_received_bytes",
    "istio_tcp_connections_opened",
    "istio_tcp_connections_closed",
)
_ISTIO_AGENT = (
    "scrapes",
    "startup_duration_seconds",
    "num_outgoing_requests",
    "outgoing_latency",
    "wasm_cache_entries",
    "wasm_cache_lookup_count",
    "wasm_remote_fetch_count",
    "xds_proxy_requests",
    "xds_proxy_responses",
    "cert_expiry_seconds",
    "dns_requests",
    "go_goroutines",
    "go_threads",
    "go_gc_duration_seconds_sum",
    "go_gc_duration_seconds_count",
    "process_cpu_seconds",
    "process_max_fds",
    "process_open_fds",
    "process_resident_memory_bytes",
    "process_start_time_seconds",
    "process_virtual_memory_bytes",
    "process_virtual_memory_max_bytes",
    "pilot_conflict_inbound_listener",
    "pilot_conflict_outbound_listener_http_over_current_tcp",
    "pilot_conflict_outbound_listener_tcp_over_current_http",
    "pilot_conflict_outbound_listener_tcp_over_current_tcp",
    "pilot_destrule_subsets",
    "pilot_duplicate_envoy_clusters",
    "pilot_eds_no_instances",
    "pilot_endpoint_not_ready",
    "pilot_no_ip",
    "pilot_total_xds_internal_errors",
    "pilot_total_xds_rejects",
    "pilot_virt_services",
    "pilot_vservice_dup_domain",
    "pilot_xds",
    "pilot_xds_pushes",
    "pilot_xds_push_time_sum",
    "pilot_xds_push_time_count",
    "pilot_inbound_updates",
    "pilot_k8s_cfg_events",
    "pilot_xds_config_size_bytes_sum",
    "pilot_xds_send_time_sum",
    "xds_cache_reads",
    "xds_cache_evictions",
    "istiod_connection_failures",
    "istiod_connection_terminations",
) + tuple(
    f"go_memstats_{m}"
    for m in (
        "alloc_bytes",
        "alloc_bytes_total",
        "buck_hash_sys_bytes",
        "frees",
        "gc_cpu_fraction",
        "gc_sys_bytes",
        "heap_alloc_bytes",
        "heap_idle_bytes",
        "heap_inuse_bytes",
        "heap_objects",
        "heap_released_bytes",
        "heap_sys_bytes",
        "last_gc_time_seconds",
        "lookups",
        "mallocs",
        "mcache_inuse_bytes",
        "mcache_sys_bytes",
        "mspan_inuse_bytes",
        "mspan_sys_bytes",
        "next_gc_bytes",
        "other_sys_bytes",
        "stack_inuse_bytes",
        "stack_sys_bytes",
        "sys_bytes",
    )
)

MESH_REQUEST_KPIS = tuple(m + s for m in _ISTIO_REQUEST_METRICS for s in _HTTP_SUFFIXES) + (
    "istio_request_messages",
    "istio_response_messages",
)
MESH_TCP_KPIS = tuple(m + f for m in _ISTIO_TCP_METRICS for f in (".-", ".UF,URX"))
MESH_AGENT_KPIS = tuple(f"istio_agent_{name}" for name in _ISTIO_AGENT)
MESH_KPIS = MESH_REQUEST_KPIS + MESH_TCP_KPIS + MESH_AGENT_KPIS


def _runtime_kpis() -> tuple[str, ...]:
    pools = (
        "Eden_Space",
        "Survivor_Space",
        "Tenured_Gen",
        "Metaspace",
        "Compressed_Class_Space",
        "Code_Cache",
    )
    heap_pools = pools[:3]
    gcs = ("Copy", "MarkSweepCompact")
    usage = ("committed", "init", "max", "used")
    names = [
        f"java_lang_Memory_{area}_{u}"
        for area in ("HeapMemoryUsage", "NonHeapMemoryUsage")
        for u in usage
    ]
    names += ["java_lang_Memory_ObjectPendingFinalizationCount", "java_lang_Memory_Verbose"]
    names += [
        f"java_lang_MemoryPool_{kind}_{u}.{p}"
        for p in pools
        for kind in ("Usage", "PeakUsage")
        for u in usage
    ]
    names += [f"java_lang_MemoryPool_CollectionUsage_{u}.{p}" for p in heap_pools for u in usage]
    names += [
        f"java_lang_MemoryPool_{f}.{p}" for p in pools for f in ("Valid", "UsageThresholdSupported")
    ]
    names += [
        f"java_lang_MemoryPool_{f}.{p}"
        for p in pools
        if p not in ("Eden_Space", "Survivor_Space")
        for f in ("UsageThreshold", "UsageThresholdCount", "UsageThresholdExceeded")
    ]
    names += [
        f"java_lang_MemoryPool_{f}.{p}"
        for p in heap_pools
        for f in (
            "CollectionUsageThreshold",
            "CollectionUsageThresholdCount",
            "CollectionUsageThresholdExceeded",
        )
    ]
    names += [
        f"java_lang_GarbageCollector_{f}.{gc}"
        for gc in gcs
        for f in (
            "CollectionCount",
            "CollectionTime",
            "Valid",
            "LastGcInfo_GcThreadCount",
            "LastGcInfo_duration",
            "LastGcInfo_endTime",
            "LastGcInfo_id",
            "LastGcInfo_startTime",
        )
    ]
    names += [
        f"java_lang_GarbageCollector_LastGcInfo_memoryUsage{when}Gc_{u}.{p}.{gc}"
        for gc in gcs
        for when in ("Before", "After")
        for p in pools
        for u in usage
    ]
    names += [
        f"java_lang_Threading_{f}"
        for f in (
            "ThreadCount",
            "DaemonThreadCount",
            "PeakThreadCount",
            "TotalStartedThreadCount",
            "CurrentThreadCpuTime",
            "CurrentThreadUserTime",
            "ThreadCpuTimeEnabled",
            "ThreadContentionMonitoringEnabled",
            "ObjectMonitorUsageSupported",
            "SynchronizerUsageSupported",
            "ThreadAllocatedMemoryEnabled",
        )
    ]
    names += [
        f"java_lang_OperatingSystem_{f}"
        for f in (
            "AvailableProcessors",
            "CommittedVirtualMemorySize",
            "FreePhysicalMemorySize",
            "FreeSwapSpaceSize",
            "MaxFileDescriptorCount",
            "OpenFileDescriptorCount",
            "ProcessCpuLoad",
            "ProcessCpuTime",
            "SystemCpuLoad",
            "SystemLoadAverage",
            "TotalPhysicalMemorySize",
            "TotalSwapSpaceSize",
        )
    ]
    names += [
        f"java_lang_ClassLoading_{f}"
        for f in ("LoadedClassCount", "TotalLoadedClassCount", "UnloadedClassCount", "Verbose")
    ]
    names += [
        "java_lang_Runtime_Uptime",
        "java_lang_Runtime_StartTime",
        "java_lang_Runtime_BootClassPathSupported",
        "java_lang_Compilation_TotalCompilationTime",
        "java_lang_Compilation_CompilationTimeMonitoringSupported",
    ]
    names += [
        f"java_lang_MemoryManager_Valid.{m}" for m in ("CodeCacheManager", "Metaspace_Manager")
    ]
    names += [
        f"java_nio_BufferPool_{f}.{kind}"
        for kind in ("direct", "mapped")
        for f in ("Count", "MemoryUsed", "TotalCapacity")
    ]
    names += [f"jvm_memory_MB_{u}.{area}" for area in ("heap", "nonheap") for u in usage]
    names += ["jvm_memory_objects_pending_finalization"]
    names += [f"jvm_memory_pool_MB_{u}.{p}" for p in pools for u in usage]
    names += [f"jvm_memory_pool_allocated_MB.{p}" for p in pools]
    names += [
        f"jvm_buffer_pool_{f}.{kind}"
        for kind in ("direct", "mapped")
        for f in ("capacity_MB", "used_MB", "used_buffers")
    ]
    names += [
        f"jvm_threads_{f}"
        for f in ("current", "daemon", "peak", "started", "deadlocked", "deadlocked_monitor")
    ]
    names += [
        f"jvm_threads_state.{s}"
        for s in ("NEW", "RUNNABLE", "BLOCKED", "WAITING", "TIMED_WAITING", "TERMINATED")
    ]
    names += ["jvm_classes_loaded", "jvm_classes_loaded_total", "jvm_classes_unloaded"]
    names += [f"jvm_gc_collection_seconds_{f}.{gc}" for gc in gcs for f in ("count", "sum")]
    names += ["jvm_info.Oracle_Corporation.OpenJDK_Runtime_Environment.1.8.0_302-b08"]
    names += [
        f"process_{f}"
        for f in (
            "cpu_seconds",
            "start_time_seconds",
            "open_fds",
            "max_fds",
            "virtual_memory_bytes",
            "virtual_memory_max_bytes",
            "resident_memory_bytes",
        )
    ]
    names += [
        f"jmx_{f}"
        for f in (
            "scrape_duration_seconds",
            "scrape_error",
            "scrape_cached_beans",
            "config_reload_success",
            "config_reload_failure",
        )
    ]
    names += ["jmx_exporter_build_info.0.16.1.jmx_prometheus_javaagent"]
    return tuple(names)


RUNTIME_KPIS = _runtime_kpis()


def day_start(day: str) -> int:
    """Epoch seconds of a day folder's first instant: folders are UTC+8 calendar days."""
    from datetime import datetime

    return int(datetime.strptime(day, "%Y_%m_%d").replace(tzinfo=UTC8).timestamp())
