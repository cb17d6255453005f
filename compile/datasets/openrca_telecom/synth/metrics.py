"""The platform metric rows of one block (`itemid,name,bomc_id,timestamp,value,cmdb_id`), as bytes.

Each kept series gives one sample per minute at its own second (epoch **ms**); values are the
series' baseline plus Gaussian jitter (never below 0; counts are whole numbers), then the fault
signatures of `faults.METRIC_EFFECTS` on the recorded component inside each fault window. Rows
are written minute by minute, series in catalog order within a minute (so not strictly by time).
Values print with six decimals (`59.000000`), except `metric_middleware`, whose prompt row
prints a count as `25`.
"""

from __future__ import annotations

import numpy as np

from replaybed.compile.datasets.openrca_telecom.synth import csvfmt
from replaybed.compile.datasets.openrca_telecom.synth.faults import METRIC_EFFECTS, Effect
from replaybed.compile.datasets.openrca_telecom.synth.scales import METRIC_STEP_S
from replaybed.compile.datasets.openrca_telecom.synth.series import Series


def platform_rows(
    table: str,
    series: tuple[Series, ...],
    block: tuple[int, int],
    effects: tuple[Effect, ...],
    rng: np.random.Generator,
) -> tuple[bytes, int]:
    """(bytes, rows) of one table's samples with times in [block) epoch s."""
    mine = [s for s in series if s.table == table]
    if not mine:
        return b"", 0
    lo, hi = block
    steps = np.arange(lo, hi, METRIC_STEP_S, dtype=np.int64)
    second = np.array([s.second for s in mine], np.int64)
    t_s = steps[:, None] + second[None, :]  # (minutes, series)
    sid = np.broadcast_to(np.arange(len(mine)), t_s.shape).ravel()
    t_ms = t_s.ravel() * 1000
    base = np.array([s.base for s in mine])[sid]
    jitter = np.array([s.jitter for s in mine])[sid]
    values = np.maximum(base + jitter * rng.standard_normal(len(sid)), 0.0)
    cmdbs = np.array([s.cmdb for s in mine])
    kpis = np.array([s.kpi for s in mine])
    for e in effects:
        if e.end_ms <= lo * 1000 or e.start_ms >= hi * 1000:
            continue
        when = (t_ms >= e.start_ms) & (t_ms < e.end_ms)
        for kpi, kind, a, b in METRIC_EFFECTS[e.reason]:
            hit = when & ((cmdbs == e.component) & (kpis == kpi))[sid]
            n = int(hit.sum())
            if kind == "set":
                values[hit] = rng.uniform(a, b, n) if b > a else a
            elif kind == "add":
                values[hit] += rng.uniform(a, b, n)
            else:
                values[hit] *= a
    integer = np.array([s.integer for s in mine])[sid]
    values = np.where(integer, np.rint(values), values)
    value_col = (
        csvfmt.integer(np.rint(values).astype(np.int64))
        if table == "metric_middleware"
        else csvfmt.fixed(values, 6)
    )
    text = csvfmt.rows(
        [
            csvfmt.integer(np.array([s.itemid for s in mine], np.int64)[sid]),
            csvfmt.lookup([s.kpi for s in mine], sid),
            csvfmt.lookup([s.bomc_id for s in mine], sid),
            csvfmt.integer(t_ms),
            value_col,
            csvfmt.lookup([s.cmdb for s in mine], sid),
        ]
    )
    return text, len(sid)
