"""The compile pass: dataset folder -> parts -> manifests -> refs (the I/O shell).

Per cloudbed: pick the scenarios, read every CSV of the days they need once (spilling rows to
hour buckets), build each needed chunk's parts, then publish every scenario (parts are all
stored before the first manifest, and a ref moves only after its manifest is stored, so a
killed compile never leaves a scenario half-visible and a re-run completes it).
"""

from __future__ import annotations

import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from replaybed.artifacts import bundle
from replaybed.artifacts.store import Store
from replaybed.artifacts.writer import PackWriter
from replaybed.compile import chunks as chunk_parts
from replaybed.compile import manifests, prom_write
from replaybed.compile.datasets.openrca_market.catalog import CLOUDBEDS, DAYS, day_start
from replaybed.compile.datasets.openrca_market.records import read_queries, read_records
from replaybed.compile.errors import DatasetError
from replaybed.compile.scenarios import (
    DAY_MS,
    Scenario,
    fault_free_scenarios,
    fault_scenarios,
    select,
)
from replaybed.compile.spill import HOUR_MS, Registry, Spill, spill_day
from replaybed.schemas.scenario_id import ScenarioId

_DAY = re.compile(r"^\d{4}_\d{2}_\d{2}$")


@dataclass(frozen=True)
class Request:
    dataset_dir: Path
    cloudbeds: tuple[str, ...] = CLOUDBEDS
    scenarios: tuple[ScenarioId, ...] = ()
    before_ms: int = 60 * 60_000
    after_ms: int = 30 * 60_000
    chunk_ms: int = 5 * 60_000
    level: int = bundle.DEFAULT_LEVEL


@dataclass
class Summary:
    scenarios: list[dict] = field(default_factory=list)
    parts: int = 0
    new_parts: int = 0
    raw_bytes: int = 0
    stored_bytes: int = 0
    referenced_bytes: int = 0
    refs_changed: int = 0
    unknown_names: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def dedup_ratio(self) -> float:
        return self.referenced_bytes / self.stored_bytes if self.stored_bytes else 1.0


def cloudbed_dir(dataset_dir: Path, cloudbed: str) -> Path:
    for candidate in (dataset_dir / "Market" / cloudbed, dataset_dir / cloudbed):
        if candidate.is_dir():
            return candidate
    raise DatasetError(
        f"missing folder Market/{cloudbed} (expected the OpenRCA layout "
        f"Market/{cloudbed}/{{record.csv,query.csv,telemetry/}})",
        file=str(dataset_dir),
    )


def plan(req: Request, cloudbed: str) -> tuple[Path, list[Scenario]]:
    base = cloudbed_dir(req.dataset_dir, cloudbed)
    starts = [day_start(d) * 1000 for d in DAYS]
    records = read_records(base / "record.csv")
    queries = read_queries(base / "query.csv")
    every = fault_scenarios(
        cloudbed, records, queries, starts, req.before_ms, req.after_ms, str(base / "record.csv")
    )
    every += fault_free_scenarios(cloudbed, records, starts, req.before_ms, req.after_ms)
    wanted = tuple(s for s in req.scenarios if s.system == cloudbed)
    chosen = select(every, wanted)
    telemetry = base / "telemetry"
    present = (
        sorted(p.name for p in telemetry.iterdir() if p.is_dir() and _DAY.match(p.name))
        if telemetry.is_dir()
        else []
    )
    for day in DAYS:
        users = [
            s
            for s in chosen
            if s.start_ms < day_start(day) * 1000 + DAY_MS and s.end_ms > day_start(day) * 1000
        ]
        if users and day not in present:
            raise DatasetError(
                f"missing day folder {day}, needed by {len(users)} scenario(s) (first: {users[0].id}); "
                f"found {', '.join(present) or 'none'}",
                file=str(telemetry),
            )
    return base, chosen


def compile_cloudbed(
    req: Request, store: Store, cloudbed: str, summary: Summary, progress=None
) -> None:
    base, chosen = plan(req, cloudbed)
    if not chosen:
        return
    needed = sorted(
        {
            c
            for s in chosen
            for c in range(s.start_ms - s.start_ms % req.chunk_ms, s.end_ms, req.chunk_ms)
        }
    )
    hours = {c // HOUR_MS for c in needed}
    days = [
        d
        for d in DAYS
        if any(day_start(d) * 1000 <= c < day_start(d) * 1000 + DAY_MS for c in needed)
    ]
    reg = Registry(f"openrca-{cloudbed}")
    # parts and manifests are stored when the writer's block ends: packs, indexes, manifests, refs
    writer = PackWriter(store)
    with writer, tempfile.TemporaryDirectory(prefix="replaybed-compile-") as tmp:
        spill = Spill(Path(tmp), hours)
        try:
            for day in days:
                spill_day(
                    base / "telemetry" / day,
                    reg,
                    spill,
                    on_file=progress and (lambda p: progress("read", p)),
                )
        finally:
            spill.close()
        heads = [prom_write.series_head(prom_write.label_block(m.labels)) for m in reg.mapped]
        built: dict[int, chunk_parts.ChunkIndex] = {}
        for hour in sorted(hours):
            tables = {kind: spill.load(kind, hour) for kind in ("metrics", "traces", "logs")}
            for c in (c for c in needed if c // HOUR_MS == hour):
                built[c] = chunk_parts.build(
                    writer, reg, heads, tables, c, c + req.chunk_ms, req.level
                )
                _count_parts(built[c], summary)
            if progress:
                progress("hour", hour)
        for sc in chosen:
            manifest = manifests.build(sc, req.chunk_ms, built, reg)
            digest, changed = writer.publish(manifest)
            summary.refs_changed += int(changed)
            summary.referenced_bytes += sum(p.size for p in manifest.parts)
            for name, n in manifest.unknown_names.items():
                summary.unknown_names[name] = summary.unknown_names.get(name, 0) + n
            summary.scenarios.append(
                {
                    "id": str(sc.id),
                    "digest": digest,
                    "changed": changed,
                    "fault_free": manifest.fault_free,
                    "parts": len(manifest.parts),
                    "counts": vars(manifest.counts) | {},
                }
            )


def _count_parts(idx: chunk_parts.ChunkIndex, summary: Summary) -> None:
    for p in idx.parts:
        summary.parts += 1
        summary.raw_bytes += p.raw_size
        summary.stored_bytes += p.size
        summary.new_parts += int(p.created)


def run(req: Request, store: Store, progress=None) -> Summary:
    began = time.monotonic()
    for cb in req.cloudbeds:
        if cb not in CLOUDBEDS:
            raise DatasetError(f"unknown cloudbed {cb!r}: expected one of {', '.join(CLOUDBEDS)}")
    unknown = [str(s) for s in req.scenarios if s.system not in req.cloudbeds]
    if unknown:
        raise DatasetError(
            f"scenario(s) {', '.join(unknown)} belong to no selected cloudbed ({', '.join(req.cloudbeds)})"
        )
    summary = Summary()
    for cb in req.cloudbeds:
        compile_cloudbed(req, store, cb, summary, progress)
    summary.seconds = time.monotonic() - began
    return summary
