"""A scenario's manifest from the chunk indexes: its parts and exact in-window counts (pure).

Chunks may come from several shards (`compile/shards.py`), each with its own series ids; `merge`
gives every series one id by its (table, entity, KPI name) key, so a series counts once in a
window whichever shards built the chunks it spans.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import numpy as np
import zstandard

from replaybed.compile.datasets.base import SystemInfo, Topology
from replaybed.compile.errors import CompileError
from replaybed.compile.parts import MINUTE_MS, ChunkIndex
from replaybed.compile.scenarios import Scenario
from replaybed.schemas.manifest import Counts, Manifest, PartRef, Pod
from replaybed.schemas.version import __version__

# version of the part framing and manifest-building rules (not the dataset format)
BUNDLE_FORMAT = "1"

SeriesKey = tuple[str, str, str]  # (table, entity, KPI name)


def compiler_info() -> dict[str, str]:
    return {
        "replaybed": __version__,
        "zstd": zstandard.ZSTD_VERSION and ".".join(map(str, zstandard.ZSTD_VERSION)),
        "format": BUNDLE_FORMAT,
    }


@dataclasses.dataclass(frozen=True)
class ShardChunks:
    """What one shard built: its chunks, its series (by local id) and the placements it saw."""

    chunks: dict[int, ChunkIndex]  # chunk start (dataset ms) -> index
    keys: list[SeriesKey]  # local series id -> key
    unknown: list[bool]  # local series id -> outside the format's documented names
    placements: list[tuple[str, str]]  # (pod, node), first placement first


@dataclasses.dataclass(frozen=True)
class Built:
    """Every chunk of one system, with one series id space over all its shards."""

    chunks: dict[int, tuple[ChunkIndex, np.ndarray]]  # start -> (index, local -> global id)
    kpis: list[str]  # global id -> the dataset's KPI name
    unknown: np.ndarray  # bool per global id
    node_of: dict[str, str]  # pod -> node, the earliest shard's first placement


def merge(shards: Sequence[ShardChunks]) -> Built:
    ids: dict[SeriesKey, int] = {}
    kpis: list[str] = []
    unknown: list[bool] = []
    node_of: dict[str, str] = {}
    chunks: dict[int, tuple[ChunkIndex, np.ndarray]] = {}
    for shard in shards:
        lut = np.empty(len(shard.keys), dtype=np.int64)
        for local, key in enumerate(shard.keys):
            g = ids.get(key)
            if g is None:
                g = ids[key] = len(kpis)
                kpis.append(key[2])
                unknown.append(shard.unknown[local])
            lut[local] = g
        for pod, node in shard.placements:
            node_of.setdefault(pod, node)
        for start, idx in shard.chunks.items():
            if start in chunks:
                raise CompileError(f"chunk at {start} ms was built by two shards")
            chunks[start] = (idx, lut)
    return Built(chunks, kpis, np.array(unknown, dtype=bool), node_of)


@dataclasses.dataclass(frozen=True)
class SystemFacts:
    """What every manifest of one system shares: the system, its components, its chunks."""

    info: SystemInfo
    topology: Topology
    service_of: Callable[[str], str]
    built: Built
    chunk_ms: int


def build(sc: Scenario, facts: SystemFacts) -> Manifest:
    lo, hi = sc.start_ms, sc.end_ms
    if lo % MINUTE_MS or hi % MINUTE_MS:
        raise CompileError(f"scenario {sc.id}: window [{lo}, {hi}) ms is not whole minutes")
    chunk_ms, built = facts.chunk_ms, facts.built
    parts: list[PartRef] = []
    series = np.zeros(len(built.kpis), dtype=bool)
    samples = spans = 0
    traces: list[np.ndarray] = []
    log_lines: dict[str, int] = {}
    for start in range(lo - lo % chunk_ms, hi, chunk_ms):
        entry = built.chunks.get(start)
        if entry is None:
            continue
        idx, lut = entry
        parts.extend(
            dataclasses.replace(
                p, start_ms=p.start_ms - sc.origin_ms, end_ms=p.end_ms - sc.origin_ms
            )
            for p in idx.parts
        )
        # the window's minutes inside this chunk
        a = max(lo // MINUTE_MS - idx.first_minute, 0)
        b = min(hi // MINUTE_MS - idx.first_minute, idx.minutes)
        if a >= b:
            continue
        samples += int(idx.samples[a:b].sum())
        bits = np.unpackbits(np.bitwise_or.reduce(idx.series[a:b], axis=0))[: len(lut)]
        series[lut[np.flatnonzero(bits)]] = True
        spans += int(idx.spans[a:b].sum())
        traces.append(idx.traces[idx.trace_at[a] : idx.trace_at[b]])
        for pod, per_minute in idx.log_lines.items():
            log_lines[pod] = log_lines.get(pod, 0) + int(per_minute[a:b].sum())
    unknown: dict[str, int] = {}
    for s in np.flatnonzero(series & built.unknown).tolist():
        kpi = built.kpis[s]
        unknown[kpi] = unknown.get(kpi, 0) + 1
    n_traces = len(np.unique(np.concatenate(traces))) if traces else 0
    pods = _pods(facts, log_lines)
    info = facts.info
    return Manifest(
        dataset=info.dataset,
        system=info.system,
        scenario=sc.id.name,
        fault_free=sc.fault is None,
        origin_ms=sc.origin_ms,
        window=sc.window,
        chunk_ms=chunk_ms,
        namespace=info.namespace,
        parts=tuple(sorted(parts, key=lambda p: (p.start_ms, p.kind, p.pod or ""))),
        pods=pods,
        services=tuple(sorted(set(facts.topology.services) | {p.service for p in pods})),
        nodes=tuple(sorted(set(facts.topology.nodes) | set(built.node_of.values()))),
        counts=Counts(int(series.sum()), samples, spans, n_traces, sum(log_lines.values())),
        fault=sc.fault,
        query=sc.query,
        unknown_names=dict(sorted(unknown.items())),
        compiler=compiler_info(),
        tz=info.tz,
        signals=info.signals,
        answer_space=info.answer_space,
    )


def _pods(facts: SystemFacts, log_lines: dict[str, int]) -> tuple[Pod, ...]:
    """The format's pods, plus every pod the data logged from or placed on a node."""
    known = {p.name: p for p in facts.topology.pods}
    node_of = facts.built.node_of
    names = sorted(set(known) | set(log_lines) | set(node_of))
    return tuple(
        Pod(
            name,
            known[name].service if name in known else facts.service_of(name),
            node_of.get(name) or (known[name].node if name in known else None),
            log_lines.get(name, 0),
        )
        for name in names
    )
