"""OpenRCA Telecom KPI names -> Prometheus series names and labels, by rule (pure).

The rules (docs/metric-mapping/openrca-telecom.md is generated from this module):

- the four platform tables (`itemid,name,bomc_id,timestamp,value,cmdb_id`) keep the KPI name
  behind a prefix naming the table: `container_` (docker_*), `node_` (os_*), `service_` (the
  Oracle databases db_*), `middleware_` (redis_*); a name that already starts with its prefix is
  not prefixed twice (`container_cpu_used` stays). Case is kept (`node_CPU_iowait_time`).
- labels: container -> `pod`; node -> `node` and `instance`; service and middleware ->
  `service`; each the row's `cmdb_id`. Every platform series also carries the row's `itemid` and
  `bomc_id` (the monitoring item's ids), so rows of two items never merge into one series.
  Telecom never says which host runs a container, so container series have no `instance`.
- `metric_app` is wide (`serviceName,startTime,avg_time,num,succee_num,succee_rate`): one series
  per column, `app_<column>` with `service` = `serviceName`. Values as written: `avg_time` in the
  file's unit, `succee_rate` a 0-1 fraction (not a percentage).
- a KPI name that is not a valid Prometheus name as it is (spaces, dots, ...) is sanitised (every
  invalid character -> `_`), keeps its text in a `kpi_name` label and is counted as unknown.
Every series also carries `namespace="openrca-telecom"`. Empty label values are left out.

The reader hands a platform row's entity as `<cmdb_id>|<bomc_id>|<itemid>` (`entity()`): the
seam's metric rows name one entity, and these three together identify a Telecom series.
"""

from __future__ import annotations

import re

from replaybed.compile.datasets import prom_names
from replaybed.compile.datasets.base import Series
from replaybed.compile.datasets.prom_names import sanitize

SEP = "|"
PREFIX = {
    "metric_container": "container_",
    "metric_node": "node_",
    "metric_service": "service_",
    "metric_middleware": "middleware_",
    "metric_app": "app_",
}
ROLE_LABELS = {
    "metric_container": ("pod",),
    "metric_node": ("node", "instance"),
    "metric_service": ("service",),
    "metric_middleware": ("service",),
    "metric_app": ("service",),
}
_VALID = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


def entity(cmdb_id: str, bomc_id: str, itemid: str) -> str:
    return f"{cmdb_id}{SEP}{bomc_id}{SEP}{itemid}"


def split_entity(text: str) -> tuple[str, str, str]:
    """(cmdb_id, bomc_id, itemid); the reader refuses a cmdb_id holding the separator, and an
    itemid is digits, so a bomc_id may hold anything."""
    cmdb, sep, rest = text.partition(SEP)
    if not sep:
        return text, "", ""
    bomc, _, itemid = rest.rpartition(SEP)
    return cmdb, bomc, itemid


def map_metric(table: str, entity_text: str, kpi: str, namespace: str) -> Series:
    cmdb, bomc, itemid = split_entity(entity_text)
    labels = {label: cmdb for label in ROLE_LABELS.get(table, ("cmdb_id",))}
    labels.update(itemid=itemid, bomc_id=bomc)
    prefix = PREFIX.get(table, "telecom_")
    name = kpi if kpi.startswith(prefix) else prefix + kpi
    if _VALID.match(kpi):
        return prom_names.series(name, labels, namespace)
    return prom_names.series(sanitize(name), {**labels, "kpi_name": kpi}, namespace, unknown=True)
