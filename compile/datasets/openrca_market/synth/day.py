"""Writes the eight telemetry files of one cloudbed-day, block by block (the I/O shell).

Each 10-minute block is seeded by (seed, cloudbed, day, file, block), so any subset of
cloudbeds/days reproduces the same bytes as a full run. `trace_span.csv` is written as ten
concatenated time-sorted shards (five for 00:00-08:00, five after), like the real collector
export; `log_service.csv` comes grouped by pod within a block (unsorted across pods).
"""

from __future__ import annotations

import functools
import heapq
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from replaybed.compile.datasets.openrca_market.catalog import (
    ALL_PODS,
    CLOUDBEDS,
    DAYS,
    FILES,
    HEADERS,
    day_start,
    service_of,
)
from replaybed.compile.datasets.openrca_market.synth import logs, metrics
from replaybed.compile.datasets.openrca_market.synth.faults import Effect
from replaybed.compile.datasets.openrca_market.synth.plan import dense_windows, pinned_services
from replaybed.compile.datasets.openrca_market.synth.scales import BLOCK, Scale
from replaybed.compile.datasets.openrca_market.synth.series import (
    container_series,
    mesh_series,
    node_series,
    runtime_series,
)
from replaybed.compile.datasets.openrca_market.synth.topology import templates_with
from replaybed.compile.datasets.openrca_market.synth.traces import TraceBuilder, pick_template

FILE_ORDER = tuple(FILES)
SHARDS = 5
MORNING = 8 * 3600


@dataclass
class DayStats:
    rows: dict[str, int] = field(default_factory=lambda: {name: 0 for name in FILES})


class _Carry:
    """Rows that belong after the current block's end wait for the next block (keeps files time-sorted)."""

    def __init__(self):
        self.rows: list[tuple] = []

    def take(self, new: list[tuple], until: int | None) -> list[tuple]:
        rows = sorted(self.rows + new, key=lambda r: r[0])
        if until is None:
            self.rows = []
            return rows
        cut = next((i for i, r in enumerate(rows) if r[0] >= until), len(rows))
        self.rows = rows[cut:]
        return rows[:cut]


def write_day(
    folder: Path, cloudbed: str, day: str, scale: Scale, seed: int, effects: tuple[Effect, ...]
) -> DayStats:
    start = day_start(day)
    dense = dense_windows(effects, scale)
    stats = DayStats()
    handles = {}
    for name, rel in FILES.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        handles[name] = open(path, "w", encoding="utf-8", newline="", buffering=1 << 20)
        handles[name].write(",".join(HEADERS[name]) + "\n")
    shard_dir = folder / ".shards"
    shard_dir.mkdir()
    shards = [
        open(shard_dir / f"{i}.csv", "w", encoding="utf-8", newline="", buffering=1 << 20)
        for i in range(2 * SHARDS)
    ]
    spans, proxy, service = _Carry(), _Carry(), _Carry()
    ids = {
        name: logs.LogIds(_rng(seed, cloudbed, day, -1, name))
        for name in ("log_service", "log_proxy")
    }
    try:
        blocks = range(start, start + 86400, BLOCK)
        for b in blocks:
            last = b == blocks[-1]
            until = None if last else b + BLOCK
            r = functools.partial(_rng, seed, cloudbed, day, b)
            _metric_block(handles, stats, cloudbed, b, scale, dense, effects, r)
            builder = _traces(b, scale, effects, r("trace_span"))
            for ms, row, tid in spans.take(
                [(ms, row, row.split(",", 4)[3]) for ms, row in builder.spans],
                until and until * 1000,
            ):
                half = 0 if ms < (start + MORNING) * 1000 else SHARDS
                shards[half + int(tid[:2], 16) % SHARDS].write(row)
                stats.rows["trace_span"] += 1
            svc_rows, proxy_rows = _log_rows(
                cloudbed, b, scale, builder.events, r("log_service"), r("log_proxy")
            )
            _write_service_logs(
                handles["log_service"], ids["log_service"], service.take(svc_rows, until), stats
            )
            for t, pod, name, value in proxy.take(proxy_rows, until):
                handles["log_proxy"].write(
                    f"{ids['log_proxy'].next()},{t},{pod},{name},{metrics.quote(value)}\n"
                )
                stats.rows["log_proxy"] += 1
        for shard in shards:
            shard.close()
            with open(shard.name, encoding="utf-8") as fh:
                shutil.copyfileobj(fh, handles["trace_span"], 1 << 20)
    finally:
        for h in (*handles.values(), *shards):
            h.close()
        shutil.rmtree(shard_dir, ignore_errors=True)
    return stats


def _rng(seed: int, cloudbed: str, day: str, block: int, name: str) -> np.random.Generator:
    return np.random.default_rng(
        [seed, CLOUDBEDS.index(cloudbed), DAYS.index(day), FILE_ORDER.index(name), block + 1]
    )


def _metric_block(handles, stats, cloudbed, b, scale, dense, effects, r) -> None:
    groups = (
        ("metric_container", container_series(cloudbed), metrics.container_table, lambda s: s.pod),
        ("metric_mesh", mesh_series(), metrics.mesh_table, lambda s: s.pod),
        ("metric_runtime", runtime_series(), metrics.container_table, lambda s: None),
        ("metric_node", node_series(), metrics.node_table, lambda s: s.node),
    )
    for name, series, table, key in groups:
        rows = metrics.series_rows(series, b, scale, dense, effects, r(name), table, key)
        if name == "metric_node":
            rows.sort(key=lambda row: row[0])
        handles[name].write("".join(row for _, row in rows))
        stats.rows[name] += len(rows)
    service = metrics.service_rows(b, scale, dense, effects, r("metric_service"))
    handles["metric_service"].write("".join(service))
    stats.rows["metric_service"] += len(service)


def _traces(
    b: int, scale: Scale, effects: tuple[Effect, ...], rng: np.random.Generator
) -> TraceBuilder:
    builder = TraceBuilder(rng, effects)
    starts: list[tuple[int, int, dict]] = []
    if scale.traces_per_min:
        n = int(rng.poisson(scale.traces_per_min * BLOCK / 60))
        starts += [
            (int(t), pick_template(rng), {})
            for t in rng.integers(b * 10**6, (b + BLOCK) * 10**6, n)
        ]
    if scale.sparse_trace_step:
        for t in range(
            -(-b // scale.sparse_trace_step) * scale.sparse_trace_step,
            b + BLOCK,
            scale.sparse_trace_step,
        ):
            starts.append((t * 10**6 + int(rng.integers(0, 10**6)), pick_template(rng), {}))
    if scale.dense_trace_step:
        for e in effects:
            services = pinned_services(e)
            lo, hi = max(e.start - scale.dense_before, b), min(e.end + scale.dense_after, b + BLOCK)
            if not services or lo >= hi:
                continue
            pins = {s: tuple(p for p in e.pods if service_of(p) == s) for s in services}
            allowed = templates_with(services[0])
            for t in range(
                -(-lo // scale.dense_trace_step) * scale.dense_trace_step,
                hi,
                scale.dense_trace_step,
            ):
                starts.append(
                    (t * 10**6 + int(rng.integers(0, 10**6)), pick_template(rng, allowed), pins)
                )
    for start_us, template, pins in sorted(starts, key=lambda s: s[0]):
        builder.request(start_us, template, pins)
    return builder


def _log_rows(cloudbed, b, scale, events, rng_service, rng_proxy):
    svc_rows, proxy_rows = [], []
    for ev in events:
        svc = service_of(ev.pod)
        lines = logs.service_lines(ev, rng_service) if ev.code is None else logs.failure_lines(ev)
        svc_rows += [(ev.t, ev.pod, f"log_{svc}-service_application", line) for line in lines]
        proxy_rows.append(
            (ev.t, ev.pod, f"log_{svc}-envoy_gateway", logs.proxy_line(cloudbed, ev, rng_proxy))
        )
    for t in range(
        -(-b // scale.redis_log_step) * scale.redis_log_step, b + BLOCK, scale.redis_log_step
    ):
        for pod in ("redis-cart-0", "redis-cart2-0"):
            svc_rows += [
                (tt, pod, "log_redis-cart-service_application", line)
                for tt, line in logs.redis_lines(t, rng_service)
            ]
    return svc_rows, proxy_rows


def _write_service_logs(fh, ids: logs.LogIds, rows, stats: DayStats) -> None:
    # the real file is not time-sorted: rows arrive in per-pod runs
    order = {pod: i for i, pod in enumerate(ALL_PODS)}
    for t, pod, name, value in heapq.nsmallest(len(rows), rows, key=lambda r: (order[r[1]], r[0])):
        fh.write(f"{ids.next()},{t},{pod},{name},{metrics.quote(value)}\n")
        stats.rows["log_service"] += 1
