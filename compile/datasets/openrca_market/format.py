"""The OpenRCA Market format behind the compiler's seam (`compile/datasets/base.py`).

Layout: `Market/cloudbed-N/{record.csv, query.csv, telemetry/YYYY_MM_DD/...}` (the folder given may
also be `Market/` itself). Systems: the cloudbeds present. Times: UTC+8 day folders. Each
cloudbed replays into the namespace `openrca-cloudbed-N`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from replaybed.compile.datasets import openrca_cases
from replaybed.compile.datasets.base import (
    Batch,
    Case,
    MetricTable,
    Series,
    SystemInfo,
    Topology,
)
from replaybed.compile.datasets.openrca_market import catalog, metric_names, telemetry
from replaybed.compile.datasets.openrca_market.catalog import (
    ALL_PODS,
    CANDIDATE_PODS,
    CLOUDBEDS,
    DATASET,
    DAYS,
    NODES,
    REASONS,
    SERVICES,
    day_start,
    service_of,
)
from replaybed.compile.datasets.openrca_market.labels import ANALYSIS_LABELS
from replaybed.compile.datasets.openrca_market.records import read_queries, read_records
from replaybed.compile.errors import DatasetError
from replaybed.schemas.manifest import SIGNALS, AnswerSpace, Pod

TZ = "+08:00"
DAY_MS = 86_400_000
LAYOUT = "Market/cloudbed-N/{record.csv,query.csv,telemetry/YYYY_MM_DD/}"
ANSWER_SPACE = AnswerSpace(
    levels={"node": NODES, "pod": CANDIDATE_PODS, "service": SERVICES}, reasons=REASONS
)


def cloudbed_dir(folder: Path, cloudbed: str) -> Path | None:
    for candidate in (folder / "Market" / cloudbed, folder / cloudbed):
        if candidate.is_dir():
            return candidate
    return None


def accepted(level: str, component: str) -> tuple[str, ...]:
    """Localization answers: a pod fault accepts the pod or its service (`adservice2-0` ->
    adservice, adservice2-0); a service fault only the service (all of its pods were hit); a
    node fault only the node."""
    if level == "pod":
        return tuple(sorted({component, service_of(component)}))
    return (component,)


class MarketSystem:
    def __init__(self, base: Path, cloudbed: str):
        self.base = base
        self.info = SystemInfo(
            dataset=DATASET,
            system=cloudbed,
            namespace=f"openrca-{cloudbed}",
            tz=TZ,
            signals=SIGNALS,
            answer_space=ANSWER_SPACE,
        )

    def cases(self) -> list[Case]:
        record_file = self.base / "record.csv"
        records = read_records(record_file)
        queries = read_queries(self.base / "query.csv")
        openrca_cases.check_counts(len(records), len(queries), record_file, self.base / "query.csv")
        out = []
        for r, q in zip(records, queries):
            if r.component not in ANSWER_SPACE.levels[r.level]:
                raise DatasetError(
                    f"component {r.component!r} is not a Market {r.level}; expected one of "
                    f"{', '.join(ANSWER_SPACE.levels[r.level])}",
                    file=str(record_file),
                    line=r.row + 2,
                )
            original = {
                "timestamp": str(r.timestamp),
                "level": r.level,
                "component": r.component,
                "reason": r.reason,
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
                    line=r.row + 2,
                )
            )
        return out

    def coverage(self) -> list[tuple[int, int]]:
        return [(day_start(d) * 1000, day_start(d) * 1000 + DAY_MS) for d in DAYS]

    def topology(self) -> Topology:
        # nodes come from the data (container ids `<node>.<pod>`), like the pods' placement
        return Topology(tuple(Pod(p, service_of(p), None) for p in ALL_PODS), (), ())

    def service_of(self, pod: str) -> str:
        return service_of(pod)

    def read(self, spans: Sequence[tuple[int, int]]) -> Iterator[Batch]:
        return telemetry.read(self.base, spans)


class MarketFormat:
    name = DATASET
    title = "OpenRCA Market: 2 cloudbeds (Online Boutique), 148 faults, UTC+8"
    layout = LAYOUT
    signals = SIGNALS
    synth: str | None = "replaybed.compile.datasets.openrca_market.synth.cli:synth"

    def recognise(self, folder: Path) -> bool:
        return bool(self.systems(folder))

    def systems(self, folder: Path) -> tuple[str, ...]:
        return tuple(cb for cb in CLOUDBEDS if cloudbed_dir(folder, cb) is not None)

    def open(self, folder: Path, system: str) -> MarketSystem:
        if system not in CLOUDBEDS:
            raise DatasetError(
                f"unknown cloudbed {system!r}: expected one of {', '.join(CLOUDBEDS)}"
            )
        base = cloudbed_dir(folder, system)
        if base is None:
            raise DatasetError(
                f"missing folder Market/{system} (expected the OpenRCA layout "
                f"Market/{system}/{{record.csv,query.csv,telemetry/}})",
                file=str(folder),
            )
        return MarketSystem(base, system)

    def metric_tables(self) -> tuple[MetricTable, ...]:
        return (
            MetricTable("metric_container", "node-6.adservice2-0", catalog.CONTAINER_KPIS),
            MetricTable("metric_node", "node-1", catalog.NODE_KPIS),
            MetricTable("metric_mesh", "frontend-0.source.frontend.cartservice", catalog.MESH_KPIS),
            MetricTable("metric_runtime", "adservice.ts:8088", catalog.RUNTIME_KPIS),
            MetricTable("metric_service", "adservice-grpc", catalog.SERVICE_KPIS),
        )

    def map_metric(self, table: str, entity: str, name: str, namespace: str) -> Series:
        return metric_names.MAPPERS[table](entity, name, namespace)


FORMAT = MarketFormat()
