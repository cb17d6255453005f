"""The five metric files of one 10-minute block, as CSV bytes (pure: no I/O).

A block is a (series x minute) matrix per file: which cells exist (the series' real grid, thinned
by the scale), what they hold (`values.value_matrix` with fault multipliers) and whether a killed
pod silenced them. Container, mesh, runtime and service rows come grouped by series (the real
files are grouped by series, not time); node rows come time-sorted, as in `metric_node.csv`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import numpy as np

from replaybed.compile.datasets.openrca_market.catalog import ALL_PODS, NODES, SERVICE_IDS
from replaybed.compile.datasets.openrca_market.synth.faults import (
    CONTAINER_EFFECTS,
    MESH_EFFECTS,
    NETWORK_REASONS,
    NODE_EFFECTS,
    TERMINATION,
    Effect,
)
from replaybed.compile.datasets.openrca_market.synth.plan import Dense, cast, mesh_cast
from replaybed.compile.datasets.openrca_market.synth.rowbytes import Rows, Table
from replaybed.compile.datasets.openrca_market.synth.scales import Scale
from replaybed.compile.datasets.openrca_market.synth.series import (
    Series,
    container_series,
    mesh_series,
    node_series,
    runtime_series,
)
from replaybed.compile.datasets.openrca_market.synth.values import Profiles, profiles, values_at

UTC8_OFFSET = 8 * 3600
MINUTE = 60
TABLES = {
    "metric_container": CONTAINER_EFFECTS,
    "metric_mesh": MESH_EFFECTS,
    "metric_runtime": {},
    "metric_node": NODE_EFFECTS,
}


def quote(field: str) -> str:
    """CSV QUOTE_MINIMAL, as pandas writes: only fields with a comma, quote or newline."""
    if any(c in field for c in ',"\n\r'):
        return '"' + field.replace('"', '""') + '"'
    return field


@dataclass
class SeriesSet:
    """One metric file's series of a cloudbed, as arrays aligned with `series`."""

    name: str
    series: tuple[Series, ...]
    prefix: Table  # ",cmdb,kpi," of each series
    profiles: Profiles
    step: np.ndarray
    pod: np.ndarray  # index into ALL_PODS, -1 for none
    node: np.ndarray  # index into NODES, -1 for none (only node series: a container's node is
    # where it runs, not what a node fault hits)
    component: tuple[str | None, ...]  # what a dense window names: pod, node or None
    kept: np.ndarray  # bool: in the `tiny` cast
    _masks: dict = field(default_factory=dict)

    def mult(self, reason: str) -> np.ndarray:
        """Multiplier per series for a fault reason (1 where the reason leaves the KPI alone)."""
        key = ("mult", reason)
        if key not in self._masks:
            table = TABLES[self.name].get(reason, {})
            self._masks[key] = np.array([table.get(s.kpi, 1.0) for s in self.series])
        return self._masks[key]

    def dense(self, d: Dense) -> np.ndarray:
        key = ("dense", d)
        if key not in self._masks:
            names = d.pods | d.nodes | d.services
            self._masks[key] = np.array(
                [s.kpi in d.kpis and c in names for s, c in zip(self.series, self.component)],
                dtype=bool,
            )
        return self._masks[key]


@cache
def series_sets(cloudbed: str, effects: tuple[Effect, ...]) -> tuple[SeriesSet, ...]:
    kept = cast(effects)
    mesh = mesh_series()
    mesh_kept = mesh_cast(mesh)
    groups = (
        ("metric_container", container_series(cloudbed), lambda s: s.pod),
        ("metric_mesh", mesh, lambda s: s.pod),
        ("metric_runtime", runtime_series(), lambda s: None),
        ("metric_node", node_series(), lambda s: s.node),
    )
    out = []
    for name, series, key in groups:
        if name == "metric_mesh":
            keep = [(s.cmdb, s.kpi) in mesh_kept for s in series]
        elif name == "metric_runtime":
            keep = [(name, s.cmdb, s.kpi) in kept for s in series]
        else:
            keep = [(name, key(s), s.kpi) in kept for s in series]
        out.append(
            SeriesSet(
                name=name,
                series=series,
                prefix=Table([f",{quote(s.cmdb)},{quote(s.kpi)}," for s in series]),
                profiles=profiles([(s.kpi, s.cmdb) for s in series]),
                step=np.array([s.step for s in series], dtype=np.int64),
                pod=np.array([ALL_PODS.index(s.pod) if s.pod else -1 for s in series]),
                node=np.array(
                    [NODES.index(s.node) if s.node and not s.pod else -1 for s in series]
                ),
                component=tuple(key(s) for s in series),
                kept=np.array(keep, dtype=bool),
            )
        )
    return tuple(out)


def block_times(block: int, scale: Scale) -> np.ndarray:
    return block + MINUTE * np.arange(scale.block // MINUTE, dtype=np.int64)


def _present(
    step: np.ndarray, kept: np.ndarray, times: np.ndarray, scale: Scale, dense_masks
) -> np.ndarray:
    """Which (series, minute) cells a scale samples: the real grid, thinned by the scale."""
    since_midnight = (times + UTC8_OFFSET)[None, :]
    grid = since_midnight % step[:, None] == 0
    if scale.metric_step is None:
        wanted = np.repeat(kept[:, None], len(times), axis=1)
    else:
        wanted = since_midnight % np.maximum(step, scale.metric_step)[:, None] == 0
    for series_mask, time_mask in dense_masks:
        wanted |= series_mask[:, None] & time_mask[None, :]
    return grid & wanted


def _faults(ss: SeriesSet, times: np.ndarray, effects: tuple[Effect, ...]):
    """(multiplier, alive) per cell: faults multiply their signature KPIs; a killed pod says nothing."""
    factor = np.ones((len(ss.series), len(times)))
    alive = np.ones(factor.shape, dtype=bool)
    for e in effects:
        if e.node:
            hit = ss.node == NODES.index(e.node)
        else:
            hit = np.isin(ss.pod, [ALL_PODS.index(p) for p in e.pods])
        covered = (times >= e.start) & (times < e.end)
        if not hit.any() or not covered.any():
            continue
        rows, cols = np.ix_(np.flatnonzero(hit), np.flatnonzero(covered))
        if e.reason == TERMINATION:
            alive[rows, cols] = False
        else:
            factor[rows, cols] *= ss.mult(e.reason)[rows]
    return factor, alive


def _overlapping(items, block: int, scale: Scale):
    return tuple(x for x in items if x.start < block + scale.block and x.end > block)


def series_block(
    ss: SeriesSet,
    *,
    block: int,
    scale: Scale,
    dense: tuple[Dense, ...],
    effects: tuple[Effect, ...],
    rng: np.random.Generator,
) -> tuple[bytes, int]:
    """CSV rows and their count of one file's series in one block."""
    times = block_times(block, scale)
    dense_masks = [
        (ss.dense(d), (times >= d.start) & (times < d.end))
        for d in _overlapping(dense, block, scale)
    ]
    factor, alive = _faults(ss, times, _overlapping(effects, block, scale))
    present = _present(ss.step, ss.kept, times, scale, dense_masks) & alive
    if ss.name == "metric_node":
        t_idx, s_idx = np.nonzero(present.T)
    else:
        s_idx, t_idx = np.nonzero(present)
    values = values_at(ss.profiles, times, rng=rng, factor=factor, s=s_idx, t=t_idx)
    rows = Rows(len(s_idx))
    rows.integer(times[t_idx], width=10).pick(ss.prefix, s_idx)
    rows.decimal(values, ss.profiles.places[s_idx]).text("\n")
    return rows.build(), len(s_idx)


SERVICE_TABLE = Table([f"{sid}," for sid in SERVICE_IDS])


def service_block(
    block: int,
    scale: Scale,
    dense: tuple[Dense, ...],
    effects: tuple[Effect, ...],
    rng: np.random.Generator,
) -> tuple[bytes, int]:
    """`service,timestamp,rr,sr,mrt,count`: success rate drops and latency rises in network faults."""
    times = block_times(block, scale)
    services = [sid.rsplit("-", 1)[0] for sid in SERVICE_IDS]
    n, t = len(SERVICE_IDS), len(times)
    count = 60 + rng.integers(0, 40, (n, t))
    mrt = 1.5 + 2.0 * rng.random((n, t))
    drop = 20 + 50 * rng.random((n, t))
    slow = np.ones((n, t))
    hit = np.zeros((n, t), dtype=bool)
    for e in _overlapping(effects, block, scale):
        if not (e.reason in NETWORK_REASONS or e.reason == TERMINATION):
            continue
        rows_hit = np.array([any(p.startswith(s) for p in e.pods) for s in services])
        cells = rows_hit[:, None] & ((times >= e.start) & (times < e.end))[None, :] & ~hit
        slow[cells] = 25.0 if e.reason == "container network latency" else 4.0
        hit |= cells
    sr = np.where(hit, np.rint((100.0 - drop) * 100) / 100, 100.0)
    mrt = np.rint(mrt * slow * 1000) / 1000
    dense_masks = []
    for d in _overlapping(dense, block, scale):
        dense_masks.append(
            (np.array([s in d.services for s in services]), (times >= d.start) & (times < d.end))
        )
    every = np.full(n, MINUTE, dtype=np.int64)
    present = _present(every, np.ones(n, dtype=bool), times, scale, dense_masks)
    s_idx, t_idx = np.nonzero(present)
    rows = Rows(len(s_idx)).pick(SERVICE_TABLE, s_idx).integer(times[t_idx], width=10).text(",")
    rows.decimal(sr[s_idx, t_idx], 2).text(",").decimal(sr[s_idx, t_idx], 2).text(",")
    rows.decimal(mrt[s_idx, t_idx], 3).text(",").integer(count[s_idx, t_idx]).text("\n")
    return rows.build(), len(s_idx)
