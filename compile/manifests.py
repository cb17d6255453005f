"""A scenario's manifest from the chunk indexes: its parts and exact in-window counts (pure)."""

from __future__ import annotations

import numpy as np
import zstandard

from replaybed.compile.chunks import ChunkIndex
from replaybed.compile.datasets.openrca_market.catalog import ALL_PODS, DATASET, service_of
from replaybed.compile.scenarios import Scenario
from replaybed.compile.spill import Registry
from replaybed.schemas import media_types
from replaybed.schemas.manifest import Counts, Manifest, PartRef, Pod
from replaybed.schemas.version import __version__

FORMAT = "1"


def compiler_info() -> dict[str, str]:
    return {
        "replaybed": __version__,
        "zstd": zstandard.ZSTD_VERSION and ".".join(map(str, zstandard.ZSTD_VERSION)),
        "format": FORMAT,
    }


def build(sc: Scenario, chunk_ms: int, chunks: dict[int, ChunkIndex], reg: Registry) -> Manifest:
    lo, hi = sc.start_ms, sc.end_ms
    parts: list[PartRef] = []
    series: set[int] = set()
    unknown: dict[str, int] = {}
    samples = spans = 0
    traces: set[int] = set()
    log_lines: dict[str, int] = {}
    for start in range(lo - lo % chunk_ms, hi, chunk_ms):
        idx = chunks.get(start)
        if idx is None:
            continue
        for p in idx.parts:
            parts.append(
                PartRef(
                    p.kind,
                    media_types.for_kind(p.kind),
                    p.digest,
                    p.size,
                    p.raw_size,
                    p.start - sc.origin_ms,
                    p.end - sc.origin_ms,
                    p.count,
                    p.pod,
                )
            )
        inside = (idx.sample_t >= lo) & (idx.sample_t < hi)
        samples += int(inside.sum())
        series.update(np.unique(idx.sample_series[inside]).tolist())
        inside = (idx.span_t >= lo) & (idx.span_t < hi)
        spans += int(inside.sum())
        traces.update(idx.span_trace[inside].tolist())
        for pod, times in idx.log_t.items():
            log_lines[pod] = log_lines.get(pod, 0) + int(((times >= lo) & (times < hi)).sum())
    for s in series:
        if reg.mapped[s].unknown:
            kpi = reg.sources[s][1]
            unknown[kpi] = unknown.get(kpi, 0) + 1
    pod_names = sorted(set(ALL_PODS) | set(log_lines) | set(reg.node_of))
    pods = tuple(Pod(p, service_of(p), reg.node_of.get(p), log_lines.get(p, 0)) for p in pod_names)
    return Manifest(
        dataset=DATASET,
        system=sc.id.system,
        scenario=sc.id.name,
        fault_free=sc.fault is None,
        origin_ms=sc.origin_ms,
        window=sc.window,
        chunk_ms=chunk_ms,
        namespace=f"openrca-{sc.id.system}",
        parts=tuple(sorted(parts, key=lambda p: (p.start_ms, p.kind, p.pod or ""))),
        pods=pods,
        services=tuple(sorted({p.service for p in pods})),
        nodes=tuple(sorted({n for n in reg.node_of.values()})),
        counts=Counts(len(series), samples, spans, len(traces), sum(log_lines.values())),
        fault=sc.fault,
        query=sc.query,
        unknown_names=dict(sorted(unknown.items())),
        compiler=compiler_info(),
        tz="+08:00",
    )
