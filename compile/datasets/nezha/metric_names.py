"""Nezha metric columns -> Prometheus series names and labels, by rule (pure).

A column is `<Name>[(<unit>)]` in CamelCase (`CpuUsage(m)`, `PodServerLatencyP90(s)`,
`NodeNetworkReceiveBytes`). Its series name is `nezha_` + the scope + the snake_case name + the
unit in Prometheus base units:
- scope: per-pod files (`<pod>_metric.csv`): `node_` for the `Node*` columns (the node hosting
  the pod, repeated on each pod's rows; the leading `Node` is dropped), else `pod_` (a leading
  `Pod` is dropped, `PodWorkload` -> `pod_workload`); `front_service.csv`: `front_service_`;
- unit: `(m)` millicores -> `_cores` ×0.001, `(Mi)` -> `_bytes` ×1048576, `(%)` -> `_percent`,
  `(s)` -> `_seconds`, `(Ops)` -> `_ops` (operations per second); no unit -> nothing
  (`...Bytes` already ends in `_bytes`, `Syscall*` are counts per step).
Every value is a gauge: the files hold per-step rates and quantiles, not counters.
Labels: per-pod series `pod` (the file's pod), `instance` (the same pod: the rows do not say the
node; manifests get each logging pod's node from the log rows), `service` (the pod's
Deployment); front-end series `service` (the file's `ServiceName`, e.g. `Frontend`). Every series
carries `namespace`. A column outside the documented set is kept under the general rule
(`prom_names.unknown`).
"""

from __future__ import annotations

import re

from replaybed.compile.datasets import prom_names
from replaybed.compile.datasets.base import Series
from replaybed.compile.datasets.nezha.catalog import (
    FRONT_TABLE,
    FRONT_VALUES,
    POD_METRIC_VALUES,
    POD_TABLE,
    service_of,
)

UNITS = {
    "m": ("_cores", 0.001),
    "Mi": ("_bytes", 1048576.0),
    "%": ("_percent", 1.0),
    "s": ("_seconds", 1.0),
    "Ops": ("_ops", 1.0),
}
_COLUMN = re.compile(r"^([A-Z][A-Za-z0-9]*)(?:\(([^)]*)\))?$")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def snake(name: str) -> str:
    return _CAMEL.sub("_", name).lower()


def _name(scope: str, column: str) -> tuple[str, float] | None:
    m = _COLUMN.match(column)
    if not m or (m.group(2) is not None and m.group(2) not in UNITS):
        return None
    base, unit = m.group(1), m.group(2)
    if scope == "pod" and base.startswith("Node"):
        scope, base = "node", base[len("Node") :]
    elif scope == "pod" and base.startswith("Pod"):
        base = base[len("Pod") :]
    suffix, scale = UNITS[unit] if unit else ("", 1.0)
    name = f"nezha_{scope}_{snake(base)}"
    if not name.endswith(suffix):
        name += suffix
    return name, scale


def pod_metric(pod: str, column: str, namespace: str) -> Series:
    labels = {"pod": pod, "instance": pod, "service": service_of(pod)}
    named = _name("pod", column) if column in POD_METRIC_VALUES else None
    if named is None:
        return prom_names.unknown(column, labels, namespace)
    return prom_names.series(named[0], labels, namespace, scale=named[1])


def front_service(service: str, column: str, namespace: str) -> Series:
    labels = {"service": service}
    named = _name("front_service", column) if column in FRONT_VALUES else None
    if named is None:
        return prom_names.unknown(column, labels, namespace)
    return prom_names.series(named[0], labels, namespace, scale=named[1])


MAPPERS = {POD_TABLE: pod_metric, FRONT_TABLE: front_service}


def map_metric(table: str, entity: str, name: str, namespace: str) -> Series:
    mapper = MAPPERS.get(table)
    if mapper is None:
        return prom_names.unknown(name, {"table": table, "entity": entity}, namespace)
    return mapper(entity, name, namespace)
