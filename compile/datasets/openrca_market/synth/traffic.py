"""One 10-minute block of traffic: its requests, their spans and their log lines, as CSV bytes (pure).

Requests are rooted in the block; a request that starts near the block's end has spans and
Envoy lines after it. Those come back as a `tail` per time-sorted stream, which the writer
merges into the next block (`chunks.Merger`), so blocks stay independent work items.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from replaybed.compile.datasets.openrca_market.catalog import ALL_PODS, service_of
from replaybed.compile.datasets.openrca_market.synth import logs
from replaybed.compile.datasets.openrca_market.synth.chunks import Chunk, split
from replaybed.compile.datasets.openrca_market.synth.faults import Effect
from replaybed.compile.datasets.openrca_market.synth.plan import pinned_services
from replaybed.compile.datasets.openrca_market.synth.rowbytes import Rows, Table, hex_ids
from replaybed.compile.datasets.openrca_market.synth.scales import Scale
from replaybed.compile.datasets.openrca_market.synth.topology import TEMPLATES, templates_with
from replaybed.compile.datasets.openrca_market.synth.traces import (
    LABELS,
    Batch,
    FaultIndex,
    Traffic,
    pick_templates,
)

SHARDS = 5  # time-sorted trace shards per half day (00:00-08:00, 08:00-24:00), as exported
MORNING = 8 * 3600
SPAN_POD = Table([f",{p}," for p in ALL_PODS])
US = 1_000_000


@dataclass(frozen=True)
class TrafficBlock:
    shards: tuple[tuple[Chunk, Chunk], ...]  # (head, tail) per trace shard, in file order
    proxy: tuple[Chunk, Chunk]
    service: bytes
    service_rows: int


def _roots(block: int, scale: Scale, effects: tuple[Effect, ...], rng: np.random.Generator):
    """(template, pins, start µs) batches, in a fixed order: background by template, then pinned."""
    starts: list[np.ndarray] = []
    if scale.traces_per_min:
        n = int(rng.poisson(scale.traces_per_min * scale.block / 60))
        starts.append(rng.integers(block * US, (block + scale.block) * US, n))
    if scale.sparse_trace_step:
        step = scale.sparse_trace_step
        t = np.arange(-(-block // step) * step, block + scale.block, step, dtype=np.int64)
        starts.append(t * US + rng.integers(0, US, len(t)))
    background = np.sort(np.concatenate(starts)) if starts else np.zeros(0, dtype=np.int64)
    templates = pick_templates(rng, len(background))
    batches: list[tuple[int, dict[str, tuple[str, ...]], np.ndarray]] = [
        (k, {}, background[templates == k]) for k in range(len(TEMPLATES))
    ]
    if scale.dense_trace_step:
        step = scale.dense_trace_step
        for e in effects:
            services = pinned_services(e)
            lo, hi = (
                max(e.start - scale.dense_before, block),
                min(e.end + scale.dense_after, block + scale.block),
            )
            if not services or lo >= hi:
                continue
            pins = {s: tuple(p for p in e.pods if service_of(p) == s) for s in services}
            allowed = np.array(templates_with(services[0]))
            t = np.arange(-(-lo // step) * step, hi, step, dtype=np.int64)
            # three times as often while the fault lasts: its errors must show in a short fault
            fine = max(1, step // 3)
            a, b = max(e.start, block), min(e.end, block + scale.block)
            t = np.union1d(t, np.arange(-(-a // fine) * fine, b, fine, dtype=np.int64))
            start = t * US + rng.integers(0, US, len(t))
            chosen = allowed[rng.integers(0, len(allowed), len(t))]
            batches += [(k, pins, start[chosen == k]) for k in range(len(TEMPLATES))]
    return [(k, pins, s) for k, pins, s in batches if len(s)]


def traffic_block(
    cloudbed: str,
    *,
    day_start: int,
    block: int,
    scale: Scale,
    effects: tuple[Effect, ...],
    rngs,
) -> TrafficBlock:
    rng = rngs("trace_span")
    near = tuple(e for e in effects if e.start < block + scale.block + 60 and e.end > block)
    faults = FaultIndex(near)
    traffic = Traffic()
    n_traces = 0
    for template, pins, start in _roots(block, scale, effects, rng):
        batch = Batch(rng, faults, pins, traffic)
        batch.run(template, start, np.arange(n_traces, n_traces + len(start)))
        n_traces += len(start)
    trace_ids = rng.integers(0, 256, (n_traces, 16), dtype=np.uint8)
    block_end = block + scale.block
    shards = _span_shards(traffic, trace_ids, (day_start + MORNING) * 1000, block_end * 1000)

    block_no = (block - day_start) // scale.block
    service = logs.Lines()
    rng_service = rngs("log_service")
    logs.service_lines(traffic, rng_service, service)
    logs.redis_lines(block, scale.redis_log_step, block_end, rng_service, service)
    _, svc_lengths, svc_data = service.finish("pod", block_no, rng_service)

    proxy = logs.Lines()
    rng_proxy = rngs("log_proxy")
    logs.proxy_lines(cloudbed, traffic, rng_proxy, proxy)
    keys, lengths, data = proxy.finish("time", block_no, rng_proxy)
    return TrafficBlock(
        shards=shards,
        proxy=split(Chunk(keys, lengths, data), block_end),
        service=svc_data,
        service_rows=len(svc_lengths),
    )


def _span_shards(traffic: Traffic, trace_ids: np.ndarray, morning_ms: int, end_ms: int):
    cols = traffic.spans
    ms, pod, trace = cols.get("ms"), cols.get("pod"), cols.get("trace")
    shard = (ms >= morning_ms) * SHARDS + trace_ids[trace, 0] % SHARDS
    order = np.lexsort((ms, shard))
    ms, pod, trace, shard = ms[order], pod[order], trace[order], shard[order]
    rows = Rows(len(ms)).integer(ms, width=13).pick(SPAN_POD, pod)
    rows.fixed(hex_ids(cols.get("sid")[order])).text(",").fixed(hex_ids(trace_ids)[trace])
    rows.text(",").integer(cols.get("dur")[order]).pick(
        Table(LABELS.words()), cols.get("label")[order]
    )
    rows.fixed(hex_ids(cols.get("parent")[order]), blank=cols.get("root")[order]).text("\n")
    whole = Chunk(ms, rows.lengths, rows.build())
    bounds = np.searchsorted(shard, np.arange(2 * SHARDS + 1))
    return tuple(
        split(whole.slice(int(a), int(b)), end_ms) for a, b in zip(bounds[:-1], bounds[1:])
    )
