"""The Nezha format behind the compiler's seam (`compile/datasets/base.py`).

Layout (`layout.py`): a clone of IntelligentDDS/Nezha (`rca_data/<YYYY-MM-DD>/`, both systems'
days side by side) or `{online-boutique,train-ticket}/rca_data/<YYYY-MM-DD>/`. Systems
`online-boutique` and `train-ticket` replay into `nezha-online-boutique` / `nezha-train-ticket`.
Every time is UTC.

Cases: one per entry of each day's `<date>-fault_list.json` whose instant (`inject_time`, UTC)
lies inside the metrics present, named `<date>-<HHMMSS>` (`2022-08-22-051809`): the name does not
depend on which other days or faults are present. Level `pod` (the injected pod, which must have
a metric file that day), reason = `inject_type`, no query. Coverage: from the first to the last
tick of the day's `front_service.csv` (a gap over 5 minutes splits a span); a fault outside them (a trimmed
copy of the dataset) has no telemetry to replay and is not a case.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import cached_property
from pathlib import Path

from replaybed.compile.datasets.base import Batch, Case, MetricTable, Series, SystemInfo, Topology
from replaybed.compile.datasets.nezha import faults, layout, metric_names, telemetry
from replaybed.compile.datasets.nezha.catalog import (
    DATASET,
    FRONT_FILE,
    FRONT_TABLE,
    FRONT_VALUES,
    INJECT_TYPES,
    POD_METRIC_VALUES,
    POD_TABLE,
    SYSTEMS,
    TZ,
    service_of,
)
from replaybed.compile.datasets.nezha.labels import ANALYSIS_LABELS
from replaybed.compile.errors import DatasetError
from replaybed.schemas.manifest import SIGNALS, AnswerSpace, Fault, Pod

MINUTE_MS = 60_000
COVERAGE_GAP_MS = 5 * MINUTE_MS


def accepted(pod: str) -> tuple[str, ...]:
    """Localization answers of a pod fault: the pod or its service."""
    return tuple(sorted({pod, service_of(pod)}))


def spans_of(ticks_ms: Sequence[int]) -> list[tuple[int, int]]:
    """Metric tick times -> [first, last] spans (as half-open ms ranges), split where ticks are
    more than 5 minutes apart: a fault after the last tick has no sample showing it."""
    spans: list[tuple[int, int]] = []
    for t in sorted(ticks_ms):
        if spans and t - (spans[-1][1] - 1) <= COVERAGE_GAP_MS:
            spans[-1] = (spans[-1][0], t + 1)
        else:
            spans.append((t, t + 1))
    return spans


class NezhaSystem:
    def __init__(self, system: str, days: Sequence[layout.Day]):
        self.days = tuple(days)
        self.info = SystemInfo(
            dataset=DATASET,
            system=system,
            namespace=f"nezha-{system}",
            tz=TZ,
            signals=SIGNALS,
            answer_space=AnswerSpace(
                levels={"pod": self.pods, "service": self.services}, reasons=INJECT_TYPES
            ),
        )

    @cached_property
    def pods(self) -> tuple[str, ...]:
        """Every pod with a metric file on some day of the system."""
        return tuple(sorted({p for d in self.days for p in d.metric_pods()}))

    @cached_property
    def services(self) -> tuple[str, ...]:
        return tuple(sorted({service_of(p) for p in self.pods}))

    @cached_property
    def _coverage(self) -> list[tuple[int, int]]:
        out: list[tuple[int, int]] = []
        for day in self.days:
            path = day.path / "metric" / FRONT_FILE
            ticks = [t for block in _first_columns(day, path) for t in block]
            out.extend(spans_of(ticks))
        return sorted(out)

    def coverage(self) -> list[tuple[int, int]]:
        return list(self._coverage)

    def cases(self) -> list[Case]:
        out: list[Case] = []
        for day in self.days:
            known = set(day.metric_pods())
            for inj in faults.read(day.fault_list, day.date):
                if inj.pod not in known:
                    raise DatasetError(
                        f"inject_pod {inj.pod!r} has no metric file on {day.date}; expected one of "
                        f"the day's pods ({', '.join(sorted(known)) or 'none'})",
                        file=inj.file,
                        line=inj.line,
                    )
                t_ms = inj.time_ns // 1_000_000
                if not any(lo <= t_ms < hi for lo, hi in self._coverage):
                    continue
                out.append(self._case(len(out), inj, t_ms))
        names = [c.name for c in out]
        if len(set(names)) != len(names):
            twice = next(c for c in out if names.count(c.name) > 1)
            raise DatasetError(
                f"two faults injected at {twice.fault.datetime}; expected one fault per instant",
                file=twice.file,
                line=twice.line,
            )
        return out

    def _case(self, row: int, inj: faults.Injection, t_ms: int) -> Case:
        original = {
            "date": inj.date,
            "hour": inj.hour,
            "inject_time": inj.time_text,
            "inject_timestamp": inj.timestamp_text,
            "inject_pod": inj.pod,
            "inject_type": inj.type,
        }
        fault = Fault(
            row,
            t_ms // 1000,
            inj.time_text,
            "pod",
            inj.pod,
            inj.type,
            accepted=accepted(inj.pod),
            analysis=ANALYSIS_LABELS[inj.type],
            original=original,
        )
        return Case(inj.name, t_ms, fault, None, inj.file, inj.line)

    def topology(self) -> Topology:
        # nodes (33.33.33.x) come from the log rows' Node column; metric rows do not name one
        return Topology(tuple(Pod(p, service_of(p), None) for p in self.pods), self.services, ())

    def service_of(self, pod: str) -> str:
        return service_of(pod)

    def read(self, spans: Sequence[tuple[int, int]]) -> Iterator[Batch]:
        return telemetry.read(self.days, spans)


def _first_columns(day: layout.Day, path: Path) -> Iterator[list[int]]:
    """The tick times (ms) of every block of a metric file (the first value column's batches)."""
    for batch in telemetry.metric_batches(day, path):
        if batch.name == FRONT_VALUES[0] or batch.name == POD_METRIC_VALUES[0]:
            yield batch.t_ms.tolist()


class NezhaFormat:
    name = DATASET
    title = (
        "Nezha (IntelligentDDS/Nezha): Online Boutique and Train-Ticket, fault lists per day, UTC"
    )
    layout = layout.LAYOUT
    signals = SIGNALS
    synth: str | None = None  # a real slice is vendored as the test fixture instead

    def recognise(self, folder: Path) -> bool:
        try:
            return bool(layout.find_days(folder))
        except DatasetError:
            return True  # a Nezha layout with a problem: `systems`/`open` name it
        except OSError:
            return False

    def systems(self, folder: Path) -> tuple[str, ...]:
        return tuple(layout.find_days(folder))

    def open(self, folder: Path, system: str) -> NezhaSystem:
        if system not in SYSTEMS:
            raise DatasetError(
                f"unknown Nezha system {system!r}: expected one of {', '.join(SYSTEMS)}"
            )
        days = layout.find_days(folder).get(system)
        if not days:
            raise DatasetError(
                f"no {system} day folder (expected the layout {layout.LAYOUT})", file=str(folder)
            )
        return NezhaSystem(system, days)

    def metric_tables(self) -> tuple[MetricTable, ...]:
        return (
            MetricTable(POD_TABLE, "currencyservice-cf787dd48-vpjrd", POD_METRIC_VALUES),
            MetricTable(FRONT_TABLE, "Frontend", FRONT_VALUES),
        )

    def map_metric(self, table: str, entity: str, name: str, namespace: str) -> Series:
        return metric_names.map_metric(table, entity, name, namespace)


FORMAT = NezhaFormat()
