"""The OpenRCA Telecom format behind the compiler's seam (`compile/datasets/base.py`).

Layout: `Telecom/{record.csv, query.csv, telemetry/YYYY_MM_DD/{metric,trace}/}` (the folder given
may also be `Telecom/` itself, or a renamed copy whose record.csv has Telecom's header). One
system, `telecom`, replayed into the namespace `openrca-telecom`. Times: UTC+8 day folders;
coverage = the day folders present (the real day list was never published), so a window reaching
into a day that is not there simply has no rows for that part.

Topology, from the prompt's candidate lists and the trace rows (no deployment map exists):
- pods: the eight containers docker_001-008 (pod-level answers); Telecom never names a service a
  container belongs to, so each container is its own service (its Jaeger service is its
  cmdb_id, which is what answers name), and never says which host runs it (node unknown);
- nodes: the 22 hosts os_001-022 (node-level answers); OSB spans run on them;
- services: the 13 Oracle databases db_001-013 (service-level answers, `dsName` of JDBC spans).
redis_* (middleware metrics) and the osb/csf/fly_remote/local_method names are in the data but
never answers. Signals: metrics and traces — Telecom has no logs, and every manifest says so.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from pathlib import Path

from replaybed.compile.datasets import openrca_cases
from replaybed.compile.datasets.base import Batch, Case, MetricTable, Series, SystemInfo, Topology
from replaybed.compile.datasets.openrca_telecom import catalog, metric_names, telemetry
from replaybed.compile.datasets.openrca_telecom.catalog import (
    DATABASES,
    DATASET,
    DAY_MS,
    LEVEL_COMPONENTS,
    NAMESPACE,
    NODES,
    PODS,
    REASONS,
    RECORD_HEADER,
    SYSTEM,
    TZ,
    day_start,
)
from replaybed.compile.datasets.openrca_telecom.labels import ANALYSIS_LABELS
from replaybed.compile.datasets.openrca_telecom.records import read_queries, read_records
from replaybed.compile.errors import DatasetError
from replaybed.schemas.manifest import AnswerSpace, Pod

LAYOUT = "Telecom/{record.csv,query.csv,telemetry/YYYY_MM_DD/{metric,trace}/}"
SIGNALS = ("metrics", "traces")
ANSWER_SPACE = AnswerSpace(levels=dict(LEVEL_COMPONENTS), reasons=REASONS)


def telecom_dir(folder: Path) -> Path | None:
    """`folder/Telecom`, or `folder` itself when it is a Telecom folder (by name or record header)."""
    if (folder / "Telecom").is_dir():
        return folder / "Telecom"
    if folder.name == "Telecom" and folder.is_dir():
        return folder
    if (folder / "record.csv").is_file() and _record_header(folder / "record.csv") == RECORD_HEADER:
        return folder
    return None


def _record_header(path: Path) -> tuple[str, ...]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            return tuple(next(csv.reader(fh), ()))
    except (OSError, UnicodeDecodeError, csv.Error):
        return ()


def accepted(level: str, component: str) -> tuple[str, ...]:
    """Localization answers: exactly the component. Telecom groups no containers into services
    (its `service` level is the databases), so a pod fault accepts only the container."""
    return (component,)


class TelecomSystem:
    def __init__(self, base: Path):
        self.base = base
        self.info = SystemInfo(
            dataset=DATASET,
            system=SYSTEM,
            namespace=NAMESPACE,
            tz=TZ,
            signals=SIGNALS,
            answer_space=ANSWER_SPACE,
        )
        self._days: list[str] | None = None

    def days(self) -> list[str]:
        if self._days is None:
            self._days = telemetry.day_folders(self.base / "telemetry")
        return self._days

    def cases(self) -> list[Case]:
        record_file = self.base / "record.csv"
        records = read_records(record_file)
        queries = read_queries(self.base / "query.csv")
        openrca_cases.check_counts(len(records), len(queries), record_file, self.base / "query.csv")
        out = []
        for r, q in zip(records, queries):
            original = {
                "level": r.level,
                "reason": r.reason,
                "component": r.component,
                "timestamp": str(r.timestamp),
                "datetime": r.datetime,
            }
            out.append(
                openrca_cases.case(
                    r,
                    q,
                    accepted=accepted(r.level, r.component),
                    analysis=ANALYSIS_LABELS[r.reason],
                    original=original,
                    file=record_file,
                    line=r.line,
                )
            )
        return out

    def coverage(self) -> list[tuple[int, int]]:
        return [(day_start(d) * 1000, day_start(d) * 1000 + DAY_MS) for d in self.days()]

    def topology(self) -> Topology:
        return Topology(tuple(Pod(p, p, None) for p in PODS), DATABASES, NODES)

    def service_of(self, pod: str) -> str:
        return pod

    def read(self, spans: Sequence[tuple[int, int]]) -> Iterator[Batch]:
        return telemetry.read(self.base, self.days(), spans)


class TelecomFormat:
    name = DATASET
    title = "OpenRCA Telecom: 1 system (telecom database service), 51 faults, no logs, UTC+8"
    layout = LAYOUT
    signals = SIGNALS
    synth: str | None = "replaybed.compile.datasets.openrca_telecom.synth.cli:synth"

    def recognise(self, folder: Path) -> bool:
        return telecom_dir(folder) is not None

    def systems(self, folder: Path) -> tuple[str, ...]:
        return (SYSTEM,) if telecom_dir(folder) is not None else ()

    def open(self, folder: Path, system: str) -> TelecomSystem:
        if system != SYSTEM:
            raise DatasetError(f"unknown Telecom system {system!r}: expected {SYSTEM}")
        base = telecom_dir(folder)
        if base is None:
            raise DatasetError(
                f"missing folder Telecom (expected the layout {LAYOUT})", file=str(folder)
            )
        return TelecomSystem(base)

    def metric_tables(self) -> tuple[MetricTable, ...]:
        def example(cmdb: str, bomc: str, itemid: str) -> str:
            return metric_names.entity(cmdb, bomc, itemid)

        return (
            MetricTable("metric_app", "osb_001", catalog.APP_KPIS),
            MetricTable(
                "metric_container",
                example("docker_008", "ZJ-004-060", "999999996381330"),
                catalog.CONTAINER_KPIS,
            ),
            MetricTable(
                "metric_middleware",
                example("redis_003", "ZJ-005-024", "999999996508323"),
                catalog.MIDDLEWARE_KPIS,
            ),
            MetricTable(
                "metric_node",
                example("os_017", "ZJ-001-010", "999999996487783"),
                catalog.NODE_KPIS,
            ),
            MetricTable(
                "metric_service",
                example("db_003", "ZJ-002-055", "999999998650974"),
                catalog.SERVICE_KPIS,
            ),
        )

    def map_metric(self, table: str, entity: str, name: str, namespace: str) -> Series:
        return metric_names.map_metric(table, entity, name, namespace)


FORMAT = TelecomFormat()
