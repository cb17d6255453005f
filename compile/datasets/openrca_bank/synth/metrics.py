"""The metric files of one day (pure: arrays in, CSV text out), one hour block at a time.

`metric_container.csv`: every kept series every 60 s, time-major (all series of a minute, then
the next minute), as the real file's first rows are. `metric_app.csv`: the 11 transaction codes
every 60 s. Timestamps are epoch seconds, minute-aligned. Values follow `series.model` plus the
recorded faults (`signatures`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from replaybed.compile.datasets.openrca_bank.catalog import HEADERS, TRANSACTIONS, day_start
from replaybed.compile.datasets.openrca_bank.synth import text
from replaybed.compile.datasets.openrca_bank.synth.scales import STEP_S
from replaybed.compile.datasets.openrca_bank.synth.series import model
from replaybed.compile.datasets.openrca_bank.synth.signatures import (
    Effect,
    metric_effect,
    signature_kpi,
)

HOUR_S = 3600
TWO_PI = 2 * np.pi
KINDS = ("constant", "counter", "zero", "percent", "fraction", "gauge")
# counters (uptimes) grow from this instant, so a day's values continue the previous day's
EPOCH_S = day_start("2021_03_01")


def _minutes(day: str, hour: int) -> np.ndarray:
    lo = day_start(day) + hour * HOUR_S
    return np.arange(lo, lo + HOUR_S, STEP_S, dtype=np.int64)


def _swing(t: np.ndarray, phase: np.ndarray) -> np.ndarray:
    hours = (t[:, None] % 86400) / 3600.0
    return 1.0 + 0.25 * np.sin(TWO_PI * hours / 24.0 + phase[None, :])


def container_rows(
    day: str,
    series: Sequence[tuple[str, str]],
    effects: Sequence[Effect],
    rng: np.random.Generator,
) -> Iterator[tuple[str, int]]:
    """(CSV text, rows) of metric_container.csv, header first, one hour block per item."""
    yield ",".join(HEADERS["metric_container"]) + "\n", 0
    models = [model(p, k) for p, k in series]
    kind = np.array([KINDS.index(m.kind) for m in models])
    level = np.array([m.level for m in models])
    phase = np.array([m.phase for m in models])
    index = {s: i for i, s in enumerate(series)}
    hits = [
        (index[(e.component, signature_kpi(e.reason, e.component))], e)
        for e in effects
        if (e.component, signature_kpi(e.reason, e.component)) in index
    ]
    mids = [f"{p},{text.csv_field(k)}," for p, k in series]
    for hour in range(24):
        t = _minutes(day, hour)
        noise = rng.normal(0.0, 0.03, size=(len(t), len(series)))
        base = level[None, :] * _swing(t, phase) * (1.0 + noise)
        v = np.where(kind == KINDS.index("percent"), np.clip(base, 0.0, 100.0), base)
        v = np.where(kind == KINDS.index("fraction"), np.clip(base, 0.0, 1.0), v)
        v = np.where(kind == KINDS.index("constant"), np.rint(level)[None, :], v)
        counter = np.rint(level[None, :] + (t[:, None] - EPOCH_S))
        v = np.where(kind == KINDS.index("counter"), counter, v)
        v = np.where(kind == KINDS.index("zero"), 0.0, v)
        for col, e in hits:
            active = (t >= e.start) & (t < e.end)
            if not active.any():
                continue
            how, amount = metric_effect(e.reason)
            if how == "set":
                v[active, col] = amount * (1.0 + 0.3 * noise[active, col])
            else:
                v[active, col] = max(level[col], 1.0) * amount * (1.0 + noise[active, col])
        v = np.round(v, 4)
        n = len(t) * len(series)
        yield (
            text.lines(
                text.integers(np.repeat(t, len(series))),
                ",",
                mids * len(t),
                text.numbers(v.ravel()),
                "\n",
            ),
            n,
        )


def app_rows(
    day: str, transactions: int, effects: Sequence[Effect], rng: np.random.Generator
) -> Iterator[tuple[str, int]]:
    """(CSV text, rows) of metric_app.csv: rr, sr, cnt, mrt of each kept transaction a minute."""
    yield ",".join(HEADERS["metric_app"]) + "\n", 0
    k = transactions
    tc_level = 40.0 + (10.0 * np.arange(k)) % 80.0
    tc_phase = np.linspace(0.0, TWO_PI, k, endpoint=False)
    latency = [e for e in effects if e.reason == "network latency"]
    loss = [e for e in effects if e.reason == "network packet loss"]
    for hour in range(24):
        t = _minutes(day, hour)
        swing = _swing(t, tc_phase)
        cnt = rng.poisson(20.0 * swing)
        mrt = tc_level[None, :] * swing * (1.0 + rng.normal(0.0, 0.05, size=swing.shape))
        sr = np.full(swing.shape, 100.0)
        for e in latency:
            mrt[(t >= e.start) & (t < e.end)] *= 3.0
        for e in loss:
            active = (t >= e.start) & (t < e.end)
            dip = 90.0 + rng.normal(0.0, 2.0, size=(int(active.sum()), k))
            sr[active] = np.round(np.minimum(dip, 100.0), 2)
        n = len(t) * k
        yield (
            text.lines(
                text.integers(np.repeat(t, k)),
                ",100.0,",
                text.numbers(sr.ravel()),
                ",",
                text.integers(cnt.ravel()),
                ",",
                text.numbers(np.round(mrt, 2).ravel()),
                ",",
                list(TRANSACTIONS[:k]) * len(t),
                "\n",
            ),
            n,
        )
