"""The OpenRCA Bank format behind the compiler's seam (`compile/datasets/base.py`).

Layout: `Bank/{record.csv, query.csv, telemetry/YYYY_MM_DD/{metric,trace,log}/...}`; the folder
given may hold `Bank/` or be it. One system, `bank`, replayed into the namespace `openrca-bank`.
Times: UTC+8 day folders. Components: the 14 candidates are pods (the OpenRCA README: "For Bank:
All components are at pod level"), each its own host; the four traced containers `dockerA1/A2`,
`dockerB1/B2` are pods that are never an answer. A pod's service is its role (`Tomcat03` ->
`Tomcat`); the data names no nodes. A localization answer must name the component itself
(OpenRCA scores the exact name; a role names several hosts).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from replaybed.compile.datasets import openrca_cases
from replaybed.compile.datasets.base import Batch, Case, MetricTable, Series, SystemInfo, Topology
from replaybed.compile.datasets.openrca_bank import catalog, metric_names, telemetry
from replaybed.compile.datasets.openrca_bank.catalog import (
    ALL_PODS,
    COMPONENTS,
    DATASET,
    NAMESPACE,
    REASONS,
    RECORD_HEADER,
    SYSTEM,
    TZ,
    day_start,
    service_of,
)
from replaybed.compile.datasets.openrca_bank.labels import ANALYSIS_LABELS
from replaybed.compile.datasets.openrca_bank.records import check_pairs, read_queries, read_records
from replaybed.compile.errors import DatasetError
from replaybed.schemas.manifest import SIGNALS, AnswerSpace, Pod

DAY_MS = 86_400_000
LAYOUT = "Bank/{record.csv,query.csv,telemetry/YYYY_MM_DD/{metric,trace,log}/}"
ANSWER_SPACE = AnswerSpace(levels={"pod": COMPONENTS}, reasons=REASONS)


def bank_dir(folder: Path) -> Path | None:
    """`folder/Bank`, or `folder` itself when it is a Bank folder (by name, or by its record.csv
    header, whose column order is Bank's own)."""
    if (folder / "Bank").is_dir():
        return folder / "Bank"
    if folder.name == "Bank" and (folder / "telemetry").is_dir():
        return folder
    try:
        with open(folder / "record.csv", encoding="utf-8-sig") as fh:
            first = fh.readline().rstrip("\r\n")
    except (OSError, UnicodeDecodeError):
        return None
    return folder if first == ",".join(RECORD_HEADER) else None


class BankSystem:
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

    def cases(self) -> list[Case]:
        record_file, query_file = self.base / "record.csv", self.base / "query.csv"
        records = read_records(record_file)
        queries = read_queries(query_file)
        check_pairs(records, queries, record_file, query_file)
        out = []
        for r, q in zip(records, queries):
            original = {
                "level": r.level,
                "component": r.component,
                "timestamp": r.text,
                "datetime": r.datetime,
                "reason": r.reason,
            }
            out.append(
                openrca_cases.case(
                    r,
                    q,
                    accepted=(r.component,),
                    analysis=ANALYSIS_LABELS[r.reason],
                    original=original,
                    file=record_file,
                    line=r.line,
                )
            )
        return out

    def coverage(self) -> list[tuple[int, int]]:
        starts = [day_start(d) * 1000 for d in telemetry.present_days(self.base)]
        return [(s, s + DAY_MS) for s in starts]

    def topology(self) -> Topology:
        return Topology(tuple(Pod(p, service_of(p), None) for p in ALL_PODS), (), ())

    def service_of(self, pod: str) -> str:
        return service_of(pod)

    def read(self, spans: Sequence[tuple[int, int]]) -> Iterator[Batch]:
        return telemetry.read(self.base, spans)


class BankFormat:
    name = DATASET
    title = "OpenRCA Bank: 1 system (14 hosts), 136 faults, UTC+8"
    layout = LAYOUT
    signals = SIGNALS
    synth: str | None = "replaybed.compile.datasets.openrca_bank.synth.cli:synth"

    def recognise(self, folder: Path) -> bool:
        return bank_dir(folder) is not None

    def systems(self, folder: Path) -> tuple[str, ...]:
        return (SYSTEM,) if bank_dir(folder) is not None else ()

    def open(self, folder: Path, system: str) -> BankSystem:
        if system != SYSTEM:
            raise DatasetError(f"unknown Bank system {system!r}: expected {SYSTEM!r}")
        base = bank_dir(folder)
        if base is None:
            raise DatasetError(
                f"missing folder Bank (expected the OpenRCA layout {LAYOUT})", file=str(folder)
            )
        return BankSystem(base)

    def metric_tables(self) -> tuple[MetricTable, ...]:
        return (
            MetricTable(
                "metric_container",
                "Tomcat01",
                tuple(dict.fromkeys(k for p in ALL_PODS for k in catalog.kpis_of(p))),
            ),
            MetricTable("metric_app", "ServiceTest1", catalog.APP_KPIS),
        )

    def map_metric(self, table: str, entity: str, name: str, namespace: str) -> Series:
        return metric_names.MAPPERS[table](entity, name, namespace)


FORMAT = BankFormat()
