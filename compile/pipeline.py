"""The compile pass: dataset folder -> parts -> manifests -> refs (the I/O shell).

Per system of the dataset's format: pick the scenarios, read every file their windows need once
(spilling normalised rows to hour buckets), build each needed chunk's parts, store them, then
publish every scenario (parts are all stored before the first manifest, and a ref moves only
after its manifest is stored, so a killed compile never leaves a scenario half-visible and a
re-run completes it). Every store write goes through `BundleWriter`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from replaybed.artifacts import bundle
from replaybed.artifacts.store import Store
from replaybed.artifacts.writer import PackWriter
from replaybed.compile import datasets, manifests, parts, prom_write
from replaybed.compile.datasets.base import DatasetFormat, System
from replaybed.compile.errors import DatasetError
from replaybed.compile.scenarios import (
    Scenario,
    chunk_starts,
    fault_free_scenarios,
    fault_scenarios,
    merged_spans,
    select,
)
from replaybed.compile.series import SeriesTable
from replaybed.compile.spill import HOUR_MS, Spill, spill_batch, spill_folder
from replaybed.schemas import media_types
from replaybed.schemas.manifest import Manifest, PartRef
from replaybed.schemas.scenario_id import ScenarioId

Progress = Callable[[str, object], None]


@dataclass(frozen=True)
class CompileRequest:
    dataset_dir: Path
    format: str | None = None  # None: recognise the folder
    systems: tuple[str, ...] = ()  # (): every system present (or those of `scenarios`)
    scenarios: tuple[ScenarioId, ...] = ()
    before_ms: int = 60 * 60_000
    after_ms: int = 30 * 60_000
    chunk_ms: int = 5 * 60_000
    level: int = bundle.DEFAULT_LEVEL


@dataclass
class CompileSummary:
    format: str = ""
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


def plan(req: CompileRequest, system: System) -> list[Scenario]:
    info, cases, coverage = system.info, system.cases(), system.coverage()
    window = {"before_ms": req.before_ms, "after_ms": req.after_ms}
    every = fault_scenarios(info, cases, coverage, **window)
    every += fault_free_scenarios(info, cases, coverage, **window)
    wanted = tuple(s for s in req.scenarios if s.system == info.system)
    return select(every, wanted)


def compile_system(
    req: CompileRequest,
    writer: BundleWriter,
    *,
    fmt: DatasetFormat,
    system: System,
    progress: Progress | None = None,
) -> None:
    info = system.info
    chosen = plan(req, system)
    if not chosen:
        return
    needed = chunk_starts(chosen, req.chunk_ms)
    hours = {c // HOUR_MS for c in needed}
    series = SeriesTable(
        lambda table, entity, name: fmt.map_metric(table, entity, name, info.namespace)
    )
    built: dict[int, parts.ChunkIndex] = {}
    with spill_folder() as folder:
        spill = Spill(folder, hours)
        try:
            for batch in system.read(merged_spans(needed, req.chunk_ms)):
                new_file = len(spill.files)
                spill_batch(batch, series, spill)
                if progress and len(spill.files) > new_file:
                    progress("read", batch.file)
        finally:
            spill.close()
        heads = [prom_write.series_head(prom_write.label_block(s.labels)) for s in series.series]
        ctx = parts.ChunkInput(series, heads, spill.files, system.service_of)
        for hour in sorted(hours):
            tables = {signal: spill.load(signal, hour) for signal in ("metrics", "traces", "logs")}
            for c in (c for c in needed if c // HOUR_MS == hour):
                chunk_parts, idx = parts.build(ctx, tables, c, c + req.chunk_ms)
                idx.parts = writer.parts(chunk_parts)
                built[c] = idx
            if progress:
                progress("hour", hour)
    facts = manifests.SystemFacts(info, system.topology(), system.service_of, series, req.chunk_ms)
    for sc in chosen:
        writer.publish(manifests.build(sc, facts, built))


class BundleWriter:
    """Every store write of a compile: one chunk's parts, then each scenario's manifest and ref.

    Both go to a `PackWriter`, which stores them when its block in `run` ends: packs, then
    indexes, then manifests, then refs (docs/store.md).
    """

    def __init__(self, packer: PackWriter, *, level: int, summary: CompileSummary):
        self.packer, self.level, self.summary = packer, level, summary

    def parts(self, built: list[parts.BuiltPart]) -> list[PartRef]:
        """Store one chunk's parts; their refs keep dataset times (manifests make them relative)."""
        refs = []
        for p in built:
            stored = bundle.put_part(self.packer, p.raw, self.level)
            refs.append(
                PartRef(
                    p.kind,
                    media_types.for_kind(p.kind),
                    stored.digest,
                    stored.size,
                    stored.raw_size,
                    p.start_ms,
                    p.end_ms,
                    p.count,
                    p.pod,
                )
            )
            self.summary.parts += 1
            self.summary.raw_bytes += stored.raw_size
            self.summary.stored_bytes += stored.size
            self.summary.new_parts += int(stored.created)
        return refs

    def publish(self, manifest: Manifest) -> None:
        digest, changed = self.packer.publish(manifest)
        summary = self.summary
        summary.refs_changed += int(changed)
        summary.referenced_bytes += sum(p.size for p in manifest.parts)
        for name, n in manifest.unknown_names.items():
            summary.unknown_names[name] = summary.unknown_names.get(name, 0) + n
        summary.scenarios.append(
            {
                "id": str(manifest.id),
                "digest": digest,
                "changed": changed,
                "fault_free": manifest.fault_free,
                "parts": len(manifest.parts),
                "counts": vars(manifest.counts) | {},
            }
        )


def resolve_format(req: CompileRequest) -> DatasetFormat:
    return datasets.get(req.format) if req.format else datasets.recognise(req.dataset_dir)


def run(req: CompileRequest, store: Store, progress: Progress | None = None) -> CompileSummary:
    began = time.monotonic()
    fmt = resolve_format(req)
    wrong = [str(s) for s in req.scenarios if s.dataset != fmt.name]
    if wrong:
        raise DatasetError(
            f"scenario(s) {', '.join(wrong)} are not {fmt.name} scenarios (the dataset's format)"
        )
    present = fmt.systems(req.dataset_dir)
    if not present and not req.systems:
        raise DatasetError(
            f"no {fmt.name} system found (expected the layout {fmt.layout})",
            file=str(req.dataset_dir),
        )
    systems = req.systems or (
        tuple(sorted({s.system for s in req.scenarios})) if req.scenarios else present
    )
    unknown = [str(s) for s in req.scenarios if s.system not in systems]
    if unknown:
        raise DatasetError(
            f"scenario(s) {', '.join(unknown)} belong to no selected system ({', '.join(systems)})"
        )
    opened = [fmt.open(req.dataset_dir, name) for name in systems]  # all checked before any work
    summary = CompileSummary(format=fmt.name)
    with PackWriter(store) as packer:
        writer = BundleWriter(packer, level=req.level, summary=summary)
        for system in opened:
            compile_system(req, writer, fmt=fmt, system=system, progress=progress)
    summary.seconds = time.monotonic() - began
    return summary
