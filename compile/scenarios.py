"""Which scenarios a system yields, and their windows (pure).

One scenario per fault record (`<dataset>/<system>/<case name>`, e.g. `openrca-market/cloudbed-1/017`),
window = fault - before .. fault + after snapped to whole minutes. Every fault must lie inside the
telemetry the format says it covers. Fault-free scenarios (`ff-NNN`, in time order) are windows
of the same length, laid back to back from the start of each covered span, that keep 30 minutes
away from every recorded fault (Market: the records start after 08:30 UTC+8, so each day's early
hours yield them). Without them a Detection task would always answer "yes".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from replaybed.compile.datasets.base import Case, SystemInfo
from replaybed.compile.errors import DatasetError
from replaybed.schemas.manifest import Fault, Query, Window, tzinfo
from replaybed.schemas.scenario_id import ScenarioId

QUIET_MS = 30 * 60_000


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
    info: SystemInfo,
    cases: Sequence[Case],
    coverage: Sequence[tuple[int, int]],
    *,
    before_ms: int,
    after_ms: int,
) -> list[Scenario]:
    out = []
    for case in cases:
        if not any(lo <= case.time_ms < hi for lo, hi in coverage):
            raise DatasetError(
                f"record {case.name} at {case.fault.datetime} (UTC{info.tz}) lies outside the "
                f"telemetry days present ({_spans(coverage, info.tz)})",
                file=case.file,
                line=case.line,
            )
        out.append(
            Scenario(
                ScenarioId(info.dataset, info.system, case.name),
                case.time_ms,
                Window.around(case.time_ms, before_ms, after_ms),
                case.fault,
                case.query,
            )
        )
    return out


def fault_free_scenarios(
    info: SystemInfo,
    cases: Sequence[Case],
    coverage: Sequence[tuple[int, int]],
    *,
    before_ms: int,
    after_ms: int,
) -> list[Scenario]:
    faults = sorted(c.time_ms for c in cases)
    out: list[Scenario] = []
    for lo, hi in sorted(coverage):
        origin = lo + before_ms
        while origin + after_ms <= hi:
            window = Window.around(origin, before_ms, after_ms)
            start, end = origin + window.start_ms, origin + window.end_ms
            if start >= lo and not any(start - QUIET_MS <= f <= end + QUIET_MS for f in faults):
                sid = ScenarioId(info.dataset, info.system, f"ff-{len(out):03d}")
                out.append(Scenario(sid, origin, window))
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


def chunk_starts(scenarios: Sequence[Scenario], chunk_ms: int) -> list[int]:
    """Dataset-ms starts of every chunk some scenario's window touches, sorted."""
    return sorted(
        {
            c
            for s in scenarios
            for c in range(s.start_ms - s.start_ms % chunk_ms, s.end_ms, chunk_ms)
        }
    )


def merged_spans(starts: Sequence[int], chunk_ms: int) -> list[tuple[int, int]]:
    """Sorted chunk starts -> the fewest [start, end) spans covering those chunks."""
    spans: list[tuple[int, int]] = []
    for c in starts:
        if spans and spans[-1][1] == c:
            spans[-1] = (spans[-1][0], c + chunk_ms)
        else:
            spans.append((c, c + chunk_ms))
    return spans


def _spans(coverage: Sequence[tuple[int, int]], tz: str) -> str:
    fmt = "%Y-%m-%d %H:%M"
    return (
        ", ".join(
            f"{datetime.fromtimestamp(lo / 1000, tzinfo(tz)).strftime(fmt)} .. "
            f"{datetime.fromtimestamp(hi / 1000, tzinfo(tz)).strftime(fmt)}"
            for lo, hi in sorted(coverage)
        )
        or "none"
    )
