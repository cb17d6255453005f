"""OpenRCA Bank KPI names -> Prometheus series names and labels, by rule (pure).

`metric_container.csv` names follow the Zabbix-template grammar
`<Template>-<Application>_<Instance>_<Metric>`. The instance part (a CPU core, disk, mount,
interface, JMX port, Tomcat connector, NTP server, container) becomes a label, so one metric has
one name on every host; the template and application stay in the name; the metric keeps its case
(`OSLinux_CPU_CPUCpuUtil`). A full table is generated into docs/metric-mapping/openrca-bank.md.

- `OSLinux-CPU_CPU[-n]_M` -> `OSLinux_CPU_M`, `cpu` = n for the per-core names;
- `OSLinux-OSLinux_G_I_M` -> `OSLinux_G_M`; the instance I becomes a label by group G:
  LOCALDISK -> `device` (`sda`), FILESYSTEM -> `filesystem` (as written: `-boot`), NETWORK ->
  `interface`, PROCESS -> `process`, FILE -> `file`, any other group -> `item`; no label when
  I = G (`MEMORY_MEMORY`);
- `OSLinux-NTP_<ip>_M` -> `OSLinux_NTP_M`, `ntp_server`;
- `JVM-<Area>_<port>_M` -> `JVM_<Area>_M`, `port`;
- `Tomcat-<Group>_<port>-<ctx>_M` -> `Tomcat_<Group>_M`, `port`; Requests/Threads: `connector`
  (quotes removed), Sessions: `context` (as written);
- `Mysql-MySQL_<port>_<status>` -> `Mysql_MySQL_<status>`, `port`;
- `redis-Redis_<port>_Redis  (<field>)` -> `redis_<field>` (redis_exporter style), other
  `redis-Redis_<port>_<text>` -> `redis_Redis_<text>`, `port`;
- `Container-DOCKER_CONTAINER_<id>--<pod>--<ns>--<host>_M` -> `Container_DOCKER_M`,
  `container_id`, `container`, `container_namespace`, `host`.

Characters outside `[a-zA-Z0-9_:]` become `_` (spaces, dashes, dots, parentheses); a double space
stays two underscores, so two names never merge unless they differ only in such characters (the
compiler then refuses the conflicting samples with file and line, never silently). Labels of every
container row: `pod` = `instance` = the cmdb_id: each Bank component is a host monitored by its
own Zabbix agent, so the pod the dataset names is also the scrape instance; the data names no
node. `metric_app.csv` (wide, keyed by the transaction code `tc`): `rr`, `sr`, `cnt`, `mrt` ->
`app_response_rate_percent`, `app_success_rate_percent`, `app_request_count`,
`app_mean_response_time_ms` with `service` = tc (no pod: the file names none). Anything else keeps
a sanitised name, its original in `kpi_name`, and is counted as unknown. Every series carries
`namespace`.
"""

from __future__ import annotations

import re

from replaybed.compile.datasets import prom_names
from replaybed.compile.datasets.base import Series
from replaybed.compile.datasets.prom_names import sanitize

APP_NAMES = {
    "rr": "app_response_rate_percent",
    "sr": "app_success_rate_percent",
    "cnt": "app_request_count",
    "mrt": "app_mean_response_time_ms",
}
# OSLinux application group -> the label its instance part becomes
GROUP_LABELS = {
    "LOCALDISK": "device",
    "FILESYSTEM": "filesystem",
    "NETWORK": "interface",
    "PROCESS": "process",
    "FILE": "file",
}
TOMCAT_LABELS = {"Requests": "connector", "Threads": "connector", "Sessions": "context"}
_REDIS_FIELD = re.compile(r"^Redis\s+\(([A-Za-z0-9_]+)\)$")


def container(cmdb: str, kpi: str, namespace: str) -> Series:
    labels = {"pod": cmdb, "instance": cmdb}
    template, _, rest = kpi.partition("-")
    parsed = _RULES.get(template, _none)(rest)
    if parsed is None:
        return prom_names.unknown(kpi, labels, namespace)
    name, extra = parsed
    return prom_names.series(sanitize(name), {**labels, **extra}, namespace)


Parsed = tuple[str, dict[str, str]] | None


def _none(rest: str) -> Parsed:
    return None


def _oslinux(rest: str) -> Parsed:
    app, _, tail = rest.partition("_")
    if app.startswith("CPU") and tail.startswith("CPU"):
        inst, _, metric = tail.partition("_")
        core = inst.removeprefix("CPU").removeprefix("-")
        if not metric or (core and not core.isdigit()):
            return None
        return f"OSLinux_CPU_{metric}", ({"cpu": core} if core else {})
    if app == "NTP":
        server, _, metric = tail.rpartition("_")
        return (f"OSLinux_NTP_{metric}", {"ntp_server": server}) if server and metric else None
    if app != "OSLinux":
        return None
    group, _, tail = tail.partition("_")
    inst, _, metric = tail.rpartition("_")
    if not group or not inst or not metric:
        return None
    if inst == group:
        return f"OSLinux_{group}_{metric}", {}
    if group == "LOCALDISK":
        inst = inst.removeprefix("LOCALDISK-")
    return f"OSLinux_{group}_{metric}", {GROUP_LABELS.get(group, "item"): inst}


def _jvm(rest: str) -> Parsed:
    area, _, tail = rest.partition("_")
    port, _, metric = tail.partition("_")
    if not area or not port.isdigit() or not metric:
        return None
    return f"JVM_{area}_{metric}", {"port": port}


def _tomcat(rest: str) -> Parsed:
    group, _, tail = rest.partition("_")
    inst, _, metric = tail.rpartition("_")
    port, _, context = inst.partition("-")
    if not group or not port.isdigit() or not metric:
        return None
    labels = {"port": port}
    if context and context != group:
        labels[TOMCAT_LABELS.get(group, "item")] = (
            context.strip('"') if group in ("Requests", "Threads") else context
        )
    return f"Tomcat_{group}_{metric}", labels


def _mysql(rest: str) -> Parsed:
    app, _, tail = rest.partition("_")
    port, _, status = tail.partition("_")
    if app != "MySQL" or not port.isdigit() or not status:
        return None
    return f"Mysql_MySQL_{status}", {"port": port}


def _redis(rest: str) -> Parsed:
    app, _, tail = rest.partition("_")
    port, _, field = tail.partition("_")
    if app != "Redis" or not port.isdigit() or not field:
        return None
    m = _REDIS_FIELD.match(field)
    return (f"redis_{m.group(1)}" if m else f"redis_Redis_{field}"), {"port": port}


def _container(rest: str) -> Parsed:
    body = rest.removeprefix("DOCKER_CONTAINER_")
    if body == rest:
        return None
    ident, _, metric = body.rpartition("_")
    parts = ident.split("--")
    if len(parts) != 4 or not all(parts) or not metric:
        return None
    cid, pod, ns, host = parts
    return f"Container_DOCKER_{metric}", {
        "container_id": cid,
        "container": pod,
        "container_namespace": ns,
        "host": host,
    }


_RULES = {
    "OSLinux": _oslinux,
    "JVM": _jvm,
    "Tomcat": _tomcat,
    "Mysql": _mysql,
    "redis": _redis,
    "Container": _container,
}


def app(tc: str, column: str, namespace: str) -> Series:
    labels = {"service": tc}
    if column not in APP_NAMES:
        return prom_names.unknown(column, labels, namespace)
    return prom_names.series(APP_NAMES[column], labels, namespace)


MAPPERS = {"metric_app": app, "metric_container": container}
