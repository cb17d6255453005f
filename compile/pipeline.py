"""The compile pass: dataset folder -> parts -> manifests -> refs (the I/O shell).

Per system of the dataset's format: pick the scenarios and the chunks their windows need, split
those chunks into shards (`compile/shards.py`, one per covered span: Market's day folders), and
per shard read every file its chunks need once (spilling normalised rows to hour buckets), then
build and compress the chunks' parts on every core (`compile/chunk_workers.py`) and store them.
Once every shard's parts are stored, publish every scenario: manifest, then ref (so a killed
compile never leaves a scenario half-visible and a re-run completes it).

Stages: `all` does both in one process; `parts` builds only the named shards and stores each
shard's chunk index (`compile/shard_index.py`) next to its parts; `manifests` reads the indexes of
every shard (optionally waiting for them) and publishes. Every store write goes through
`BundleWriter`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from replaybed.artifacts import bundle
from replaybed.artifacts.errors import ObjectNotFound
from replaybed.artifacts.store import Store
from replaybed.artifacts.writer import PackWriter
from replaybed.compile import chunk_workers, datasets, manifests, prom_write, shard_index, shards
from replaybed.compile.chunk_workers import CompressedPart
from replaybed.compile.datasets.base import DatasetFormat, System
from replaybed.compile.errors import CompileError, DatasetError
from replaybed.compile.parts import ChunkIndex, ChunkInput
from replaybed.compile.read_ahead import read_ahead
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
STAGES = ("all", "parts", "manifests")
# prefix of the shard indexes a `parts` stage leaves in the store for the `manifests` stage
SHARD_INDEXES = "shards/"
WAIT_POLL_S = 5.0


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
    stage: str = "all"
    shards: tuple[str, ...] = ()  # parts stage: only these shards (): all
    jobs: int = 0  # worker processes; 0: one per available core
    run: str = ""  # a label the parts stage records and the manifests stage requires
    wait_s: float = 0.0  # manifests stage: how long to wait for missing shard indexes


@dataclass
class CompileSummary:
    format: str = ""
    scenarios: list[dict] = field(default_factory=list)
    shards: list[str] = field(default_factory=list)
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


@dataclass(frozen=True)
class SystemPlan:
    system: System
    scenarios: list[Scenario]
    shards: list[shards.Shard]


def plan(req: CompileRequest, system: System) -> list[Scenario]:
    info, cases, coverage = system.info, system.cases(), system.coverage()
    window = {"before_ms": req.before_ms, "after_ms": req.after_ms}
    every = fault_scenarios(info, cases, coverage, **window)
    every += fault_free_scenarios(info, cases, coverage, **window)
    wanted = tuple(s for s in req.scenarios if s.system == info.system)
    return select(every, wanted)


def plan_system(req: CompileRequest, system: System) -> SystemPlan:
    chosen = plan(req, system)
    needed = chunk_starts(chosen, req.chunk_ms)
    info = system.info
    return SystemPlan(
        system,
        chosen,
        shards.plan(info.system, info.tz, system.coverage(), needed) if needed else [],
    )


def build_shard(
    req: CompileRequest,
    writer: BundleWriter,
    *,
    fmt: DatasetFormat,
    system: System,
    shard: shards.Shard,
    progress: Progress | None = None,
) -> manifests.ShardChunks:
    """Read the shard's files once, build and store its chunks' parts; return their index."""
    info = system.info
    series = SeriesTable(
        lambda table, entity, name: fmt.map_metric(table, entity, name, info.namespace)
    )
    hours = {
        h for c in shard.chunks for h in range(c // HOUR_MS, (c + req.chunk_ms - 1) // HOUR_MS + 1)
    }
    chunks: dict[int, ChunkIndex] = {}
    work = chunk_workers.tasks(shard.chunks, req.chunk_ms)
    jobs = req.jobs or chunk_workers.default_jobs()
    with (
        spill_folder() as folder,
        chunk_workers.Builders(folder, level=req.level, jobs=jobs, tasks=len(work)) as builders,
    ):
        spill = Spill(folder, hours)
        try:
            for batch in read_ahead(system.read(merged_spans(shard.chunks, req.chunk_ms))):
                new_file = len(spill.files)
                spill_batch(batch, series, spill)
                if progress and len(spill.files) > new_file:
                    progress("read", batch.file)
        finally:
            spill.close()
        ctx = ChunkInput(
            heads=[prom_write.series_head(prom_write.label_block(s.labels)) for s in series.series],
            kpis=[name for _, name in series.sources],
            files=list(spill.files),
            services={pod: system.service_of(pod) for pod in sorted(spill.span_pods)},
            node_of=dict(series.node_of),
        )
        for start, stored, idx in builders.build(ctx, work):
            idx.parts = writer.parts(stored)
            chunks[start] = idx
            if progress and (start + req.chunk_ms) % HOUR_MS < req.chunk_ms:
                progress("hour", start // HOUR_MS)
    return manifests.ShardChunks(
        chunks,
        list(series.ids),
        [s.unknown for s in series.series],
        list(series.node_of.items()),
    )


def compile_system(
    req: CompileRequest,
    writer: BundleWriter,
    *,
    fmt: DatasetFormat,
    planned: SystemPlan,
    progress: Progress | None = None,
) -> None:
    system, info = planned.system, planned.system.info
    if not planned.scenarios:
        return
    if req.stage == "manifests":
        done = [writer.shard_index(fmt.name, s, req) for s in planned.shards]
    else:
        done = []
        for shard in shards_to_build(req, planned):
            built = build_shard(req, writer, fmt=fmt, system=system, shard=shard, progress=progress)
            writer.summary.shards.append(shard.name)
            if req.stage == "parts":
                writer.put_shard_index(fmt.name, shard, built, req)
            done.append(built)
        if req.stage == "parts":
            return
    facts = manifests.SystemFacts(
        info, system.topology(), system.service_of, manifests.merge(done), req.chunk_ms
    )
    writer.publish_all(manifests.build(sc, facts) for sc in planned.scenarios)


class BundleWriter:
    """Every store write of a compile: chunks' parts, shard indexes, then manifests and refs.

    Both go to a `PackWriter`, which stores them when its block in `run` ends: packs, then
    indexes, then manifests, then refs (docs/store.md). A parts stage's shard indexes are written
    only after that commit, so an index never names a part the store does not hold yet.
    """

    def __init__(self, packer: PackWriter, *, summary: CompileSummary):
        # parts arrive compressed (at the request's level, in the chunk workers)
        self.packer, self.store, self.summary = packer, packer.store, summary
        self._shard_indexes: list[tuple[str, bytes]] = []  # (key, blob) written after the commit

    def parts(self, built: list[CompressedPart]) -> list[PartRef]:
        """Store one chunk's (compressed) parts; their refs keep dataset times (manifests make
        them relative)."""
        refs = []
        for p in built:
            stored = self.packer.put_stored(p.stored, p.raw_size)
            digest, created = stored.digest, stored.created
            refs.append(
                PartRef(
                    p.kind,
                    media_types.for_kind(p.kind),
                    digest,
                    len(p.stored),
                    p.raw_size,
                    p.start_ms,
                    p.end_ms,
                    p.count,
                    p.pod,
                )
            )
            self.summary.parts += 1
            self.summary.raw_bytes += p.raw_size
            self.summary.stored_bytes += len(p.stored)
            self.summary.new_parts += int(created)
        return refs

    def publish_all(self, built: Iterable[Manifest]) -> None:
        """Queue every manifest (and its ref) for the commit; manifests are compressed on every
        core."""
        todo = list(built)
        with ThreadPoolExecutor(chunk_workers.default_jobs()) as pool:
            blobs = list(pool.map(bundle.encode_manifest, todo))
        for manifest, (digest, changed) in zip(todo, self.packer.publish_all(zip(todo, blobs))):
            self._count(manifest, digest, changed)

    def _count(self, manifest: Manifest, digest: str, changed: bool) -> None:
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

    # shard indexes: what a parts stage leaves for the manifests stage ------------------------

    @staticmethod
    def _index_key(dataset: str, shard: shards.Shard) -> str:
        return f"{SHARD_INDEXES}{dataset}/{shard.name}"

    @staticmethod
    def _index_meta(dataset: str, shard: shards.Shard, req: CompileRequest) -> dict:
        return {
            "dataset": dataset,
            "system": shard.system,
            "shard": shard.name,
            "chunk_ms": req.chunk_ms,
            "run": req.run,
        }

    def put_shard_index(
        self, dataset: str, shard: shards.Shard, built: manifests.ShardChunks, req: CompileRequest
    ) -> None:
        blob = shard_index.encode(built, self._index_meta(dataset, shard, req))
        self._shard_indexes.append((self._index_key(dataset, shard), blob))

    def write_shard_indexes(self) -> None:
        """Once the parts are committed: what the manifests stage reads."""
        for key, blob in self._shard_indexes:
            self.store.backend.put(key, blob, if_absent=False)

    def shard_index(
        self, dataset: str, shard: shards.Shard, req: CompileRequest
    ) -> manifests.ShardChunks:
        """The shard's index as its parts stage stored it (waiting up to req.wait_s for it)."""
        key = self._index_key(dataset, shard)
        where = f"{self.store.url}/{key}"
        deadline = time.monotonic() + req.wait_s
        while True:
            problem = ""
            try:
                built, meta = shard_index.decode(self.store.backend.get(key), where)
            except ObjectNotFound:
                problem = "is missing"
            else:
                if req.run and meta.get("run") != req.run:
                    problem = f"is from run {meta.get('run')!r}, expected run {req.run!r}"
            if not problem:
                break
            if time.monotonic() >= deadline:
                raise CompileError(
                    f"{where}: the index of shard {shard.name} {problem}; expected "
                    f"`replaybed compile DIR --stage parts --shard {shard.name}` to have run "
                    "with the same options"
                )
            time.sleep(WAIT_POLL_S)
        if meta.get("chunk_ms") != req.chunk_ms:
            raise CompileError(
                f"{where}: shard {shard.name} was built with --chunk {meta.get('chunk_ms')} ms, "
                f"this compile uses {req.chunk_ms} ms"
            )
        lacking = [c for c in shard.chunks if c not in built.chunks]
        if lacking:
            raise CompileError(
                f"{where}: shard {shard.name} has no chunk at {lacking[0]} ms (and "
                f"{len(lacking) - 1} more) that these scenarios need; run its parts stage "
                "again with the same scenarios"
            )
        return built


def resolve_format(req: CompileRequest) -> DatasetFormat:
    return datasets.get(req.format) if req.format else datasets.recognise(req.dataset_dir)


def plan_all(req: CompileRequest) -> tuple[DatasetFormat, list[SystemPlan]]:
    """The format, and every selected system's scenarios and shards (all checked before work)."""
    if req.stage not in STAGES:
        raise CompileError(f"unknown stage {req.stage!r}; expected one of {', '.join(STAGES)}")
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
    opened = [fmt.open(req.dataset_dir, name) for name in systems]
    planned = [plan_system(req, system) for system in opened]
    if req.shards:
        shards.pick([s for p in planned for s in p.shards], req.shards)  # names checked
    return fmt, planned


def shards_to_build(req: CompileRequest, planned: SystemPlan) -> list[shards.Shard]:
    """The named shards (checked against every system's in plan_all) of this system, which may be
    none; all of its shards when none is named."""
    if not planned.scenarios or req.stage == "manifests":
        return []
    return [s for s in planned.shards if s.name in req.shards] if req.shards else planned.shards


def check_inputs(req: CompileRequest, planned: list[SystemPlan]) -> None:
    """Let each format raise what it sees without reading rows (a missing day folder) for every
    shard to build, before the first is built: not an hour into a dataset."""
    for p in planned:
        for shard in shards_to_build(req, p):
            p.system.read(merged_spans(shard.chunks, req.chunk_ms))


def run(req: CompileRequest, store: Store, progress: Progress | None = None) -> CompileSummary:
    began = time.monotonic()
    fmt, planned = plan_all(req)
    check_inputs(req, planned)
    summary = CompileSummary(format=fmt.name)
    with PackWriter(store) as packer:
        writer = BundleWriter(packer, summary=summary)
        for p in planned:
            compile_system(req, writer, fmt=fmt, planned=p, progress=progress)
    writer.write_shard_indexes()
    summary.seconds = time.monotonic() - began
    return summary
