"""Which scenarios a dataset yields, and their windows (pure).

One scenario per record.csv row (`openrca-market/<cloudbed>/<row:03d>`), window = fault - before ..
fault + after snapped to whole minutes. Fault-free scenarios (`ff-NNN`, in time order) are
windows of the same length, back to back from the first telemetry day's midnight, that keep 30
minutes away from every recorded fault; the Market records start after 08:30 (UTC+8), so each
day's early hours yield them. Without them a Detection task would always answer "yes".
"""

from __future__ import annotations

from dataclasses import dataclass

from replaybed.compile.datasets.openrca_market.catalog import DATASET
from replaybed.compile.datasets.openrca_market.records import QueryRow, Record
from replaybed.compile.errors import DatasetError
from replaybed.schemas.manifest import Fault, Query, Window
from replaybed.schemas.scenario_id import ScenarioId

QUIET_MS = 30 * 60_000
DAY_MS = 86_400_000


@dataclass(frozen=True)
class Scenario:
    id: ScenarioId
    origin_ms: int
    window: Window
    fault: Fault | None = None
    query: Query | None = None

    @property
    def start_ms(self) -> int:
        return self.origin_ms + self.window.start_ms

    @property
    def end_ms(self) -> int:
        return self.origin_ms + self.window.end_ms


def fault_scenarios(
    cloudbed: str,
    records: list[Record],
    queries: list[QueryRow],
    day_starts_ms: list[int],
    before_ms: int,
    after_ms: int,
    record_file: str,
) -> list[Scenario]:
    lo, hi = min(day_starts_ms), max(day_starts_ms) + DAY_MS
    out = []
    for r in records:
        origin = r.timestamp * 1000
        if not lo <= origin < hi:
            raise DatasetError(
                f"record {r.row} at {r.datetime} (UTC+8) lies outside the telemetry days present "
                f"({_days(day_starts_ms)})",
                file=record_file,
                line=r.row + 2,
            )
        q = queries[r.row] if r.row < len(queries) else None
        out.append(
            Scenario(
                ScenarioId(DATASET, cloudbed, f"{r.row:03d}"),
                origin,
                Window.around(origin, before_ms, after_ms),
                Fault(r.row, r.timestamp, r.datetime, r.level, r.component, r.reason),
                Query(q.task_index, q.instruction, q.scoring_points) if q else None,
            )
        )
    return out


def fault_free_scenarios(
    cloudbed: str, records: list[Record], day_starts_ms: list[int], before_ms: int, after_ms: int
) -> list[Scenario]:
    faults = sorted(r.timestamp * 1000 for r in records)
    out: list[Scenario] = []
    for day in sorted(day_starts_ms):
        origin = day + before_ms
        while origin + after_ms <= day + DAY_MS:
            window = Window.around(origin, before_ms, after_ms)
            start, end = origin + window.start_ms, origin + window.end_ms
            if start >= day and not any(start - QUIET_MS <= f <= end + QUIET_MS for f in faults):
                out.append(
                    Scenario(ScenarioId(DATASET, cloudbed, f"ff-{len(out):03d}"), origin, window)
                )
            origin += before_ms + after_ms
    return out


def select(scenarios: list[Scenario], wanted: tuple[ScenarioId, ...]) -> list[Scenario]:
    if not wanted:
        return scenarios
    by_id = {s.id: s for s in scenarios}
    missing = [str(w) for w in wanted if w not in by_id]
    if missing:
        raise DatasetError(
            f"unknown scenario(s) {', '.join(missing)}: the dataset has "
            f"{len(scenarios)} scenarios ({scenarios[0].id} ... {scenarios[-1].id})"
            if scenarios
            else f"unknown scenario(s) {', '.join(missing)}: the dataset has none"
        )
    return [by_id[w] for w in sorted(set(wanted))]


def _days(day_starts_ms: list[int]) -> str:
    from datetime import datetime

    from replaybed.compile.datasets.openrca_market.catalog import UTC8

    return ", ".join(
        datetime.fromtimestamp(d / 1000, UTC8).strftime("%Y_%m_%d") for d in sorted(day_starts_ms)
    )
