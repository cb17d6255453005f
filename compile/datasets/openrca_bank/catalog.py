"""What the OpenRCA Bank files contain: layout, headers, components, reasons and KPI names.

Facts from microsoft/OpenRCA (`rca/baseline/rca_agent/prompt/basic_prompt_Bank.py`, README FAQ,
`rca/archive/agent-Bank.csv` at c1bd4af) and third-party printouts of the real files (see
docs/compiler.md, "openrca-bank"). One system (`bank`), UTC+8 day folders `YYYY_MM_DD`, every
record at level `pod`. KPI names follow the Zabbix-template grammar
`<Template>-<Application>_<Instance>_<Metric>` of the real `metric_container.csv`; OpenRCA never
published the complete list, so the lists below are the value space of the synthetic twin and the
names the mapping documents (the mapping itself works by rule, not by list).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

DATASET = "openrca-bank"
SYSTEM = "bank"
NAMESPACE = "openrca-bank"
TZ = "+08:00"
UTC8 = timezone(timedelta(hours=8))
# the 10 day folders of the real download; 2021_03_05 holds no fault record
DAYS = (
    "2021_03_04",
    "2021_03_05",
    "2021_03_06",
    "2021_03_07",
    "2021_03_09",
    "2021_03_10",
    "2021_03_12",
    "2021_03_23",
    "2021_03_24",
    "2021_03_25",
)
DAY_PATTERN = re.compile(r"^\d{4}_\d{2}_\d{2}$")

# logical name -> path inside a day folder
FILES = {
    "metric_app": "metric/metric_app.csv",
    "metric_container": "metric/metric_container.csv",
    "trace_span": "trace/trace_span.csv",
    "log_service": "log/log_service.csv",
}
HEADERS = {
    "metric_app": ("timestamp", "rr", "sr", "cnt", "mrt", "tc"),
    "metric_container": ("timestamp", "cmdb_id", "kpi_name", "value"),
    "trace_span": ("timestamp", "cmdb_id", "parent_id", "span_id", "trace_id", "duration"),
    "log_service": ("log_id", "timestamp", "cmdb_id", "log_name", "value"),
}
# Bank's record column order differs from Market's and Telecom's: read by this order
RECORD_HEADER = ("level", "component", "timestamp", "datetime", "reason")
QUERY_HEADER = ("task_index", "instruction", "scoring_points")
APP_KPIS = ("rr", "sr", "cnt", "mrt")

# the candidate list of the OpenRCA prompt, in its order (Tomcat04 before Tomcat03 is real)
COMPONENTS = (
    "apache01",
    "apache02",
    "Tomcat01",
    "Tomcat02",
    "Tomcat04",
    "Tomcat03",
    "MG01",
    "MG02",
    "IG01",
    "IG02",
    "Mysql01",
    "Mysql02",
    "Redis01",
    "Redis02",
)
# traced containers below MG (dockerA: `bcou-role-st`, dockerB: `bcou-trace-st`); never answers
DOCKERS = ("dockerA1", "dockerA2", "dockerB1", "dockerB2")
ALL_PODS = COMPONENTS + DOCKERS
# the OpenRCA prompt lists 5 of these with a trailing space; the records have none
REASONS = (
    "high CPU usage",
    "high memory usage",
    "network latency",
    "network packet loss",
    "high disk I/O read usage",
    "high disk space usage",
    "high JVM CPU load",
    "JVM Out of Memory (OOM) Heap",
)
TRANSACTIONS = tuple(f"ServiceTest{i}" for i in range(1, 12))
# components that write spans (apache, Mysql and Redis are not traced)
TRACED = ("IG01", "IG02", "Tomcat01", "Tomcat02", "Tomcat03", "Tomcat04", "MG01", "MG02", *DOCKERS)


def service_of(pod: str) -> str:
    """A component's role: its name without the instance number (`Tomcat03` -> `Tomcat`)."""
    return pod.rstrip("0123456789") or pod


def day_start(day: str) -> int:
    """Epoch seconds of a day folder's first instant: folders are UTC+8 calendar days."""
    return int(datetime.strptime(day, "%Y_%m_%d").replace(tzinfo=UTC8).timestamp())


def day_of(epoch_s: float) -> str:
    """The UTC+8 day folder an instant belongs to."""
    return datetime.fromtimestamp(epoch_s, UTC).astimezone(UTC8).strftime("%Y_%m_%d")


# ---- KPI names of metric_container.csv, by template (the twin's value space) ----
CPU_TOTAL = ("CPUCpuUtil", "CPULoad", "CPUSysTime", "CPUUserTime", "CPUWio", "CPUidleutil")
CPU_SINGLE = ("SingleCpuUtil", "SingleCpuidle")
CPU_CORES = 4
MEMORY = ("CacheMem", "MEMFreeMem", "UserMem", "MEMUsedMemPerc", "MEMTotalMem", "NoCacheMemPerc")
SWAP = ("SWPTotSwapUsedPercent", "Si", "So", "SWPTotSwapSize")
DISKS = ("sda", "sdb", "sdc")
DISK = (
    "DSKRead",
    "DSKWrite",
    "DSKReadWrite",
    "DSKTps",
    "DSKRTps",
    "DSKWTps",
    "DSKBps",
    "DSKPercentBusy",
    "DSKAvgServ",
)
FILESYSTEM = ("FSAvailableSpace", "FSCapacity", "FSInodeUsedPercent", "FSUsedSpace")
NET_IF = (
    "NETPacketsOut",
    "NETPacketsIn",
    "NETOutErr",
    "NETKBTotalPerSec",
    "NETInErr",
    "NETOutErrPrcc",
    "NETInErrPrc",
    "NETBandwidthUtil",
)
NET_TOTAL = ("TCP-CLOSE-WAIT", "TCP-FIN-WAIT", "TotalTcpConnNum")
PROCESS = ("PROCNoZombies", "PROCPPMem", "PROCPPMemPerc")
COMMON_MOUNTS = ("-", "-boot", "-home", "-tmp", "-app", "-cmbc_admin", "-usr-openv")
ROLE_MOUNTS = {
    "apache": ("-apache",),
    "Tomcat": ("-tomcat",),
    "Mysql": ("-mysql", "-mysqlbak", "-mysqldata"),
}
NTP_SERVERS = ("40.2.208.64", "40.2.208.65")
JVM_ROLES = ("IG", "MG")
JVM_PORTS = ("7778", "7779")
JVM_KPIS = (
    ("Threads", "JVM_ThreadCount_Threads"),
    ("Runtime", "JVM_JVM_Uptime"),
    ("Memory", "JVM_Memory_NoHeapMemoryUsed"),
    ("Memory", "JVM_Memory_HeapMemoryUsed"),
    ("Memory", "JVM_Memory_HeapMemoryMax"),
    ("Operating System", "JVM_JVM_CPULoad"),
    ("Memory", "JVM_Memory_HeapMemoryUsage"),
)
TOMCAT_KPIS = (
    'Tomcat-Requests_7441-"http-nio-8003"_MaxTimeRequestInfo',
    'Tomcat-Requests_7441-"http-nio-8003"_ErrorCountRequestInfo',
    'Tomcat-Requests_7441-"http-nio-8003"_RequestCountRequestInfo',
    'Tomcat-Requests_7441-"http-nio-8003"_ProcessingTimeRequestInfo',
    'Tomcat-Threads_7441-"http-nio-8003"_MaxThreadsThreadInfo',
    'Tomcat-Threads_7441-"http-nio-8003"_CurrentThreadsBusyThreadInfo',
    'Tomcat-Threads_7441-"http-nio-8003"_CurrentThreadCountThreadInfo',
    *(
        f"Tomcat-Sessions_7441-{context}_SESSION{m}"
        for context in ("-logHome_IS_UNDEFINED", "-log.Home_IS_UNDEFINED", "-UOCP", "-")
        for m in ("RejectedSessions", "KeepaliveCounter", "ActiveCounter")
    ),
    *(
        f"Tomcat-MEMORY_7441-MEMORY_{m}"
        for m in (
            "JVMMaxMemory",
            "JVMTotalMemory",
            "JVMUsedMemory",
            "JVMMemoryUsedPercent",
            "JVMFreeMemory",
        )
    ),
)
# MySQL status variables as the Zabbix template names them (spaces and a double space are real)
MYSQL_STATUS = (
    "Innodb data pending writes",
    "Innodb data pending reads",
    "Innodb data pending fsyncs",
    "Innodb data fsyncs",
    "Innodb buffer pool write requests",
    "Innodb buffer pool wait free",
    "Innodb buffer pool reads",
    "Innodb buffer pool read requests",
    "Innodb buffer pool read ahead rnd",
    "Innodb buffer pool read ahead evicted",
    "Innodb buffer pool read ahead",
    "Innodb buffer pool pages total",
    "Innodb data read",
    "Innodb buffer pool pages misc",
    "Innodb buffer pool pages flushed",
    "Innodb buffer pool pages dirty",
    "Innodb Row Lock Waits",
    "Innodb Row Lock Time",
    "Handler Write",
    "Handler Update",
    "Handler Savepoint Rollback",
    "Handler Savepoint",
    "Handler Rollback",
    "Handler Read Rnd Next",
    "Handler Read Rnd",
    "Handler Read Prev",
    "Innodb buffer pool pages free",
    "Handler Read Next",
    "Innodb data reads",
    "Innodb data written",
    "MySQL  Queries",
    "MaxTrxRowsModified",
    "MaxConnections",
    "Max trx rows locked",
    "Max Used Connections",
    "LongestTrxActiveTime",
    "Key Writes",
    "Key Write Requests",
    "Key Reads",
    "Key Read Requests",
    "Innodb row lock time max",
    "Innodb row lock time avg",
    "Innodb data writes",
    "Innodb row lock current waits",
    "Innodb pages read",
    "Innodb pages created",
    "Innodb os log written",
    "Innodb os log pending writes",
    "Innodb os log pending fsyncs",
    "Innodb os log fsyncs",
    "Innodb open files  num",
    "Innodb log writes",
    "Innodb log write requests",
    "Innodb log waits",
    "Innodb dblwr writes",
    "Innodb dblwr pages written",
    "Innodb pages written",
    "Handler Read Key",
    "Handler Read First",
    "Handler Delete",
    "Handler Commit",
    "GetResponseTimeOfMysqld",
    "GetConnectedStateOfMysqld",
    "CurrentSQLMaxRunningTime",
    "Created Tmp Tables",
    "Created Tmp Files",
    "Created Tmp Disk Tables",
    "Connections",
    "Com Update Multi",
    "Com Update",
    "Com Select",
    "Com Replace Select",
    "Com Replace",
    "Com Load",
    "Com Insert Select",
    "Com Insert",
    "Com Delete Multi",
    "Com Delete",
    "Bytes Sent",
    "Bytes Received",
    "Binlog stmt cache use",
    "Binlog stmt cache disk use",
    "Binlog Cache Use",
    "Binlog Cache Disk Use",
    "Aborted Connects",
    "Aborted Clients",
    "Open Files",
    "Open Tables",
    "Opened Tables",
    "Opened table definitions",
    "Table open cache misses",
    "Table open cache hits",
    "Table Locks Waited",
    "Table Locks Immediate",
    "Sort Scan",
    "Sort Rows",
    "Sort Range",
    "Sort Merge Passes",
    "SlowQueries",
    "Slow launch threads",
    "Slave Open Temp Tables",
    "Select Scan",
    "Table open cache overflows",
    "Select Range Check",
    "Select Full Range Join",
    "Select Full Join",
    "Rows Read",
    "Questions",
    "Qcache Total Blocks",
    "Qcache Queries In Cache",
    "Qcache Not Cached",
    "Qcache Lowmem Prunes",
    "Qcache Inserts",
    "Qcache Hits",
    "Qcache Free Memory",
    "Qcache Free Blocks",
    "Select Range",
    "Tc log max pages used",
    "Tc log page waits",
    "Threads Cached",
    "max trx lock memory bytes",
    "ThreadsRunning",
    "ThreadsConnected",
    "Threads Created",
)
REDIS_FIELDS = (
    "connected_clients",
    "connected_slaves",
    "evicted_keys",
    "expired_keys",
    "instantaneous_ops_per_sec",
    "keyspace_hits",
    "keyspace_misses",
    "latest_fork_usec",
    "loading",
    "lru_clock",
    "maxmemory",
    "mem_fragmentation_ratio",
    "client_longest_output_list",
    "pubsub_channels",
    "rdb_changes_since_last_save",
    "redis_git_dirty",
    "rejected_connections",
    "total_commands_processed",
    "total_connections_received",
    "uptime_in_seconds",
    "used_cpu_sys",
    "used_cpu_sys_children",
    "used_cpu_user",
    "used_cpu_user_children",
    "used_memory",
    "used_memory_peak",
    "rdb_bgsave_in_progress",
    "client_biggest_input_buf",
    "blocked_clients",
    "aof_rewrite_scheduled",
    "aof_enabled",
    "aof_rewrite_in_progress",
    "used_memory_rss",
)
# docker containers (the `Container-DOCKER_CONTAINER_*` names embed id, pod, namespace and host)
CONTAINERS = {
    "dockerA1": ("7b4b80f345e0", "bcou-role-st-uat-statefulset-0", "UATWKR04"),
    "dockerA2": ("cb2bbb5e3f90", "bcou-role-st-uat-statefulset-1", "UATWKR02"),
    "dockerB1": ("89f0c1e5346c", "bcou-trace-st-uat-statefulset-0", "UATWKR04"),
    "dockerB2": ("350771a68ac2", "bcou-trace-st-uat-statefulset-1", "UATWKR18"),
}
CONTAINER_KPIS = (
    "CpuPercent",
    "MemUsage",
    "MemLimit",
    "MemPercent",
    "NetworkRxBytes",
    "NetworkTxBytes",
)


def oslinux_kpis(role: str) -> tuple[str, ...]:
    """Every OSLinux-* name a host of `role` writes (mounts and processes depend on the role)."""
    names = [f"OSLinux-CPU_CPU_{m}" for m in CPU_TOTAL]
    names += [f"OSLinux-CPU_CPU-{n}_{m}" for n in range(CPU_CORES) for m in CPU_SINGLE]
    names += [f"OSLinux-OSLinux_MEMORY_MEMORY_{m}" for m in MEMORY]
    names += [f"OSLinux-OSLinux_SWAP_SWAP_{m}" for m in SWAP]
    names += [f"OSLinux-OSLinux_LOCALDISK_LOCALDISK-{d}_{m}" for d in DISKS for m in DISK]
    mounts = COMMON_MOUNTS + ROLE_MOUNTS.get(role, ())
    names += [f"OSLinux-OSLinux_FILESYSTEM_{mount}_{m}" for mount in mounts for m in FILESYSTEM]
    names += [f"OSLinux-OSLinux_NETWORK_ens160_{m}" for m in NET_IF]
    names += [f"OSLinux-OSLinux_NETWORK_NETWORK_{m}" for m in NET_TOTAL]
    names += [f"OSLinux-OSLinux_PROCESS_PROCESS_{m}" for m in PROCESS]
    names += [
        "OSLinux-OSLinux_PROCESS_zabbix_PROCPPCount",
        "OSLinux-OSLinux_PROCESS_zabbix-zabbix_agentd_PROCPPCPUPerc",
    ]
    if role == "apache":
        names.append("OSLinux-OSLinux_PROCESS_apache_10001_PROCPPCount")
    names += [
        "OSLinux-OSLinux_SYSTEM_SYSTEM_Check-DefaultRoute",
        "OSLinux-OSLinux_SYSTEM_SYSTEM_Check-Hostname",
        "OSLinux-OSLinux_ZABBIX_Host_Uptime",
        "OSLinux-OSLinux_FILE_-tmp-zabbix_agentd.log_FileSizeMB",
        "OSLinux-OSLinux_FILE_-home-zabbix_DirSizeMB",
    ]
    names += [f"OSLinux-NTP_{ip}_NtpServerTimeOffset" for ip in NTP_SERVERS]
    return tuple(names)


def jvm_kpis() -> tuple[str, ...]:
    return tuple(f"JVM-{area}_{port}_{m}" for port in JVM_PORTS for area, m in JVM_KPIS)


def container_kpis(docker: str) -> tuple[str, ...]:
    cid, pod, host = CONTAINERS[docker]
    return tuple(
        f"Container-DOCKER_CONTAINER_{cid}--{pod}--bcou--{host}_{m}" for m in CONTAINER_KPIS
    )


def kpis_of(pod: str) -> tuple[str, ...]:
    """Every metric_container KPI name of one component, in a fixed order."""
    if pod in CONTAINERS:
        return container_kpis(pod)
    role = service_of(pod)
    names = list(oslinux_kpis(role))
    if role in JVM_ROLES:
        names += jvm_kpis()
    if role == "Tomcat":
        names += TOMCAT_KPIS
    if role == "Mysql":
        names += [f"Mysql-MySQL_3306_{v}" for v in MYSQL_STATUS]
    if role == "Redis":
        names += [f"redis-Redis_6379_Redis  ({f})" for f in REDIS_FIELDS]
        names.append("redis-Redis_6379_redis server")
    return tuple(names)
