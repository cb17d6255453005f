"""Rows of the five metric files for one 10-minute block (pure: no I/O).

Container, mesh, runtime and service rows come grouped by series within a block (the real files
are grouped by series, not time); node rows come time-sorted, as in the real `metric_node.csv`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from replaybed.compile.datasets.openrca_market.catalog import SERVICE_IDS
from replaybed.compile.datasets.openrca_market.synth.faults import (
    CONTAINER_EFFECTS,
    MESH_EFFECTS,
    NETWORK_REASONS,
    NODE_EFFECTS,
    TERMINATION,
    Effect,
)
from replaybed.compile.datasets.openrca_market.synth.plan import Dense
from replaybed.compile.datasets.openrca_market.synth.scales import BLOCK, Scale
from replaybed.compile.datasets.openrca_market.synth.series import Series
from replaybed.compile.datasets.openrca_market.synth.values import series_values

UTC8_OFFSET = 8 * 3600


def quote(field: str) -> str:
    """CSV QUOTE_MINIMAL, as pandas writes: only fields with a comma, quote or newline."""
    if any(c in field for c in ',"\n\r'):
        return '"' + field.replace('"', '""') + '"'
    return field


def _first(block: int, step: int) -> int:
    """First sample time at or after `block`; grids are aligned to UTC+8 midnight, like the data."""
    return block + (-(block + UTC8_OFFSET)) % step


def emit_times(
    s: Series, block: int, scale: Scale, dense: tuple[Dense, ...], component: str | None
) -> np.ndarray | None:
    """Sample times of a series inside a block; `dense` must already be limited to this block."""
    step = max(s.step, scale.metric_step)
    times = set(range(_first(block, step), block + BLOCK, step))
    for d in dense:
        if s.kpi in d.kpis and (
            component in d.pods or component in d.nodes or component in d.services
        ):
            lo, hi = max(d.start, block), min(d.end, block + BLOCK)
            times.update(range(-(-lo // s.step) * s.step, hi, s.step))
    if not times:
        return None
    return np.fromiter(sorted(times), dtype=np.int64, count=len(times))


def _factor(
    s: Series, times: np.ndarray, effects: tuple[Effect, ...], table_of
) -> tuple[np.ndarray, np.ndarray]:
    """(multiplier per time, keep mask): faults multiply their signature KPIs; a killed pod says nothing."""
    factor = np.ones(len(times))
    keep = np.ones(len(times), dtype=bool)
    for e in effects:
        if not ((s.pod and s.pod in e.pods) or (s.node and e.node == s.node and s.pod is None)):
            continue
        covered = (times >= e.start) & (times < e.end)
        if not covered.any():
            continue
        if e.reason == TERMINATION:
            keep &= ~covered
            continue
        mult = table_of(e.reason).get(s.kpi)
        if mult is not None:
            factor[covered] *= mult
    return factor, keep


def series_rows(
    series: tuple[Series, ...],
    block: int,
    scale: Scale,
    dense: tuple[Dense, ...],
    effects: tuple[Effect, ...],
    rng: np.random.Generator,
    table_of,
    key,
) -> list[tuple[int, str]]:
    dense = tuple(d for d in dense if d.start < block + BLOCK and d.end > block)
    effects = tuple(e for e in effects if e.start < block + BLOCK and e.end > block)
    steps = {max(step, scale.metric_step) for step in {s.step for s in series}}
    if any(_first(block, step) < block + BLOCK for step in steps):
        candidates: Sequence[Series] = series
    else:  # the common case on thinned scales: only dense windows have something to say
        by_kpi = _by_kpi(series)
        kpis = frozenset().union(*(d.kpis for d in dense))
        candidates = [s for kpi in sorted(kpis) for s in by_kpi.get(kpi, ())]
    out = []
    for s in candidates:
        times = emit_times(s, block, scale, dense, key(s))
        if times is None:
            continue
        factor, keep = _factor(s, times, effects, table_of)
        values = series_values(s.kpi, s.cmdb, times, rng, factor)
        prefix = f",{quote(s.cmdb)},{quote(s.kpi)},"
        for t, v, k in zip(times.tolist(), values.tolist(), keep.tolist()):
            if k:
                out.append((t, f"{t}{prefix}{v}\n"))
    return out


_INDEXES: dict[int, tuple[tuple[Series, ...], dict[str, list[Series]]]] = {}


def _by_kpi(series: tuple[Series, ...]) -> dict[str, list[Series]]:
    # keyed by identity: the series tuples are built once per process and hashing them is slow
    cached = _INDEXES.get(id(series))
    if cached is None or cached[0] is not series:
        index: dict[str, list[Series]] = {}
        for s in series:
            index.setdefault(s.kpi, []).append(s)
        cached = _INDEXES[id(series)] = (series, index)
    return cached[1]


def container_table(reason: str) -> dict[str, float]:
    return CONTAINER_EFFECTS.get(reason, {})


def mesh_table(reason: str) -> dict[str, float]:
    return MESH_EFFECTS.get(reason, {})


def node_table(reason: str) -> dict[str, float]:
    return NODE_EFFECTS.get(reason, {})


def service_rows(
    block: int,
    scale: Scale,
    dense: tuple[Dense, ...],
    effects: tuple[Effect, ...],
    rng: np.random.Generator,
) -> list[str]:
    """`service,timestamp,rr,sr,mrt,count`: success rate drops and latency rises in network faults."""
    dense = tuple(d for d in dense if d.start < block + BLOCK and d.end > block)
    out = []
    for sid in SERVICE_IDS:
        service = sid.rsplit("-", 1)[0]
        s = Series(sid, "sr")
        times = emit_times(s, block, scale, dense, service)
        for t in times.tolist() if times is not None else ():
            hit = [
                e
                for e in effects
                if e.covers(t)
                and any(p.startswith(service) for p in e.pods)
                and (e.reason in NETWORK_REASONS or e.reason == TERMINATION)
            ]
            count = int(60 + rng.integers(0, 40))
            mrt = float(1.5 + 2.0 * rng.random())
            sr = rr = 100.0
            if hit:
                sr = rr = round(100.0 - 20 - 50 * rng.random(), 2)
                mrt *= 25 if hit[0].reason == "container network latency" else 4
            out.append(f"{sid},{t},{rr},{sr},{mrt},{count}\n")
    return out
