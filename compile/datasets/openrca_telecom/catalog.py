"""What the OpenRCA Telecom files contain: layout, headers, components, reasons and KPI names.

Facts from microsoft/OpenRCA @ c1bd4af (`rca/baseline/rca_agent/prompt/basic_prompt_Telecom.py`,
`rca/baseline/oracle_kpis.py`, `rca/run_sampling_oracle.py`, `rca/archive/agent-Telecom.csv`):
one system, UTC+8 day folders holding only `metric/` and `trace/` (OpenRCA's own loader fails on a
`log/` folder), every timestamp in epoch **milliseconds** (metrics too), records in the column
order `level,reason,component,timestamp,datetime`, and a fixed level -> reasons pairing.

The KPI lists are the names known from the prompt and OpenRCA's oracle KPI set, plus a few Oracle
KPI names seen in third-party notes on the real files (marked below); the complete real lists were
never published. The name mapping covers any name by rule, not by list.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

DATASET = "openrca-telecom"
SYSTEM = "telecom"
NAMESPACE = "openrca-telecom"
UTC8 = timezone(timedelta(hours=8))
TZ = "+08:00"
DAY_MS = 86_400_000

# logical name -> path inside a day folder (the six files of the schema prompt; nothing else)
FILES = {
    "metric_app": "metric/metric_app.csv",
    "metric_container": "metric/metric_container.csv",
    "metric_middleware": "metric/metric_middleware.csv",
    "metric_node": "metric/metric_node.csv",
    "metric_service": "metric/metric_service.csv",
    "trace_span": "trace/trace_span.csv",
}
DAY_FOLDERS = ("metric", "trace")
PLATFORM_HEADER = ("itemid", "name", "bomc_id", "timestamp", "value", "cmdb_id")
HEADERS = {
    "metric_app": ("serviceName", "startTime", "avg_time", "num", "succee_num", "succee_rate"),
    "metric_container": PLATFORM_HEADER,
    "metric_middleware": PLATFORM_HEADER,
    "metric_node": PLATFORM_HEADER,
    "metric_service": PLATFORM_HEADER,
    "trace_span": (
        "callType",
        "startTime",
        "elapsedTime",
        "success",
        "traceId",
        "id",
        "pid",
        "cmdb_id",
        "dsName",
        "serviceName",
    ),
}
PLATFORM_TABLES = ("metric_container", "metric_middleware", "metric_node", "metric_service")
APP_KPIS = ("avg_time", "num", "succee_num", "succee_rate")
RECORD_HEADER = ("level", "reason", "component", "timestamp", "datetime")
QUERY_HEADER = ("task_index", "instruction", "scoring_points")
ROOT_PARENT = "None"  # the literal `pid` of a root span

NODES = tuple(f"os_{i:03d}" for i in range(1, 23))
PODS = tuple(f"docker_{i:03d}" for i in range(1, 9))
DATABASES = tuple(f"db_{i:03d}" for i in range(1, 14))
LEVEL_REASONS = {
    "pod": ("CPU fault",),
    "node": ("network delay", "network loss"),
    "service": ("db connection limit", "db close"),
}
# the prompt's candidate order; its "network loss " and "db connection limit " carry a trailing
# space that no record has (OpenRCA scores by exact string)
REASONS = ("CPU fault", "network delay", "network loss", "db connection limit", "db close")
LEVEL_COMPONENTS = {"node": NODES, "pod": PODS, "service": DATABASES}

# KPI names per platform table. [V]: the prompt or OpenRCA's oracle set; [U]: third-party notes
CONTAINER_KPIS = ("container_cpu_used", "container_mem_used", "container_session_used")  # [V]
NODE_KPIS = (  # [V]
    "CPU_iowait_time",
    "Memory_used_pct",
    "Disk_io_util",
    "Sent_queue",
    "Received_queue",
)
SERVICE_KPIS = (
    "MEM_Total",  # [V]
    "Proc_Used_Pct",  # [V]
    "Sess_Connect",  # [V]
    "Proc_User_Used_Pct",  # [V]
    "On_Off_State",  # [V]
    "tnsping_result_time",  # [V]
    "Sess_Active",  # [U]
    "Session_pct",  # [U]
    "CPU_Used_Pct",  # [U]
    "MEM_Used_Pct",  # [U]
    "Logic_Read_Per_Sec",  # [U]
    "Physical_Read_Per_Sec",  # [U]
    "LFParaWrite_Per_Sec",  # [U]
)
MIDDLEWARE_KPIS = ("connected_clients",)  # [V]
KPIS = {
    "metric_container": CONTAINER_KPIS,
    "metric_middleware": MIDDLEWARE_KPIS,
    "metric_node": NODE_KPIS,
    "metric_service": SERVICE_KPIS,
}
# trace callTypes seen in the prompt, plus CSF (a trace file of the original challenge data)
CALL_TYPES = ("OSB", "RemoteProcess", "FlyRemote", "LOCAL", "JDBC", "CSF")


def day_start(day: str) -> int:
    """Epoch seconds of a day folder's first instant: folders are UTC+8 calendar days."""
    return int(datetime.strptime(day, "%Y_%m_%d").replace(tzinfo=UTC8).timestamp())


def is_day(name: str) -> bool:
    try:
        return datetime.strptime(name, "%Y_%m_%d").strftime("%Y_%m_%d") == name
    except ValueError:
        return False


def day_of(epoch_s: int) -> str:
    """The UTC+8 day folder an instant belongs to."""
    return datetime.fromtimestamp(epoch_s, UTC8).strftime("%Y_%m_%d")
