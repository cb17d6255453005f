"""A scenario's manifest from the chunk indexes: its parts and exact in-window counts (pure)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import zstandard

from replaybed.compile.datasets.base import SystemInfo, Topology
from replaybed.compile.parts import ChunkIndex
from replaybed.compile.scenarios import Scenario
from replaybed.compile.series import SeriesTable
from replaybed.schemas.manifest import Counts, Manifest, PartRef, Pod
from replaybed.schemas.version import __version__

# version of the part framing and manifest-building rules (not the dataset format)
BUNDLE_FORMAT = "1"


def compiler_info() -> dict[str, str]:
    return {
        "replaybed": __version__,
        "zstd": zstandard.ZSTD_VERSION and ".".join(map(str, zstandard.ZSTD_VERSION)),
        "format": BUNDLE_FORMAT,
    }


@dataclasses.dataclass(frozen=True)
class SystemFacts:
    """What every manifest of one system shares: the system, its components, its series."""

    info: SystemInfo
    topology: Topology
    service_of: Callable[[str], str]
    series: SeriesTable
    chunk_ms: int


def build(sc: Scenario, facts: SystemFacts, chunks: dict[int, ChunkIndex]) -> Manifest:
    lo, hi = sc.start_ms, sc.end_ms
    chunk_ms = facts.chunk_ms
    parts: list[PartRef] = []
    series: set[int] = set()
    samples = spans = 0
    traces: set[int] = set()
    log_lines: dict[str, int] = {}
    for start in range(lo - lo % chunk_ms, hi, chunk_ms):
        idx = chunks.get(start)
        if idx is None:
            continue
        parts.extend(
            dataclasses.replace(
                p, start_ms=p.start_ms - sc.origin_ms, end_ms=p.end_ms - sc.origin_ms
            )
            for p in idx.parts
        )
        inside = (idx.sample_t >= lo) & (idx.sample_t < hi)
        samples += int(inside.sum())
        series.update(np.unique(idx.sample_series[inside]).tolist())
        inside = (idx.span_t >= lo) & (idx.span_t < hi)
        spans += int(inside.sum())
        traces.update(idx.span_trace[inside].tolist())
        for pod, times in idx.log_t.items():
            log_lines[pod] = log_lines.get(pod, 0) + int(((times >= lo) & (times < hi)).sum())
    unknown: dict[str, int] = {}
    for s in series:
        if facts.series.series[s].unknown:
            kpi = facts.series.sources[s][1]
            unknown[kpi] = unknown.get(kpi, 0) + 1
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
        nodes=tuple(sorted(set(facts.topology.nodes) | set(facts.series.node_of.values()))),
        counts=Counts(len(series), samples, spans, len(traces), sum(log_lines.values())),
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
    node_of = facts.series.node_of
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
