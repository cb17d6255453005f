"""trace_span.csv of one day (pure): calls along the Bank chain, ids in the real shapes.

Each trace: IG -> Tomcat -> MG -> dockerB (children inside their parents), plus a dockerA span
and its child under the same trace id. The IG span and the dockerA span have as parent the id of
an untraced caller (`369-bcou-dle-way1-<8 hex>-<5 digits>@<4 digits>-<10 hex>-<5 digits>`, the
shape of the OpenRCA prompt's example); every other parent is a span id. Trace ids are `gw01` +
the UTC+8 date and time of the trace's start + a 6-digit sequence; span ids are the day's
`yymmdd` + a 14-digit counter (20 digits: beyond int64). Times and durations in ms. As in the
real 2021_03_04 file, the day's first dockerA span starts just before local midnight. Rows are
sorted by start time.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from replaybed.compile.datasets.openrca_bank.catalog import HEADERS, TRACED, day_start
from replaybed.compile.datasets.openrca_bank.synth import text
from replaybed.compile.datasets.openrca_bank.synth.signatures import LATENCY_MS, LOSS_MS, Effect

ROLES = {
    "IG": ("IG01", "IG02"),
    "Tomcat": ("Tomcat01", "Tomcat02", "Tomcat03", "Tomcat04"),
    "MG": ("MG01", "MG02"),
    "dockerB": ("dockerB1", "dockerB2"),
    "dockerA": ("dockerA1", "dockerA2"),
}
# the chain, outermost first; a delay on one hop lengthens it and every hop above it
CHAIN = ("IG", "Tomcat", "MG", "dockerB")
BEFORE_MIDNIGHT_MS = 372
LOSS_SHARE = 0.3


def _external_ids(rng: np.random.Generator, n: int) -> list[str]:
    return text.lines(
        "369-bcou-dle-way1-",
        text.hex_text(rng, n, 8),
        "-",
        text.digits(rng.integers(0, 100_000, n), 5),
        "@",
        text.digits(rng.integers(0, 10_000, n), 4),
        "-",
        text.hex_text(rng, n, 10),
        "-",
        text.digits(rng.integers(0, 100_000, n), 5),
        "\n",
    ).splitlines()


def roots(day: str, every_s: int, effects: Sequence[Effect], rng: np.random.Generator):
    """Trace start times (ms): one every `every_s` seconds, plus one a minute through every
    traced component while a fault on it lasts (at least one a minute there)."""
    lo = day_start(day)
    base = lo + np.arange(0, 86400, every_s, dtype=np.int64)
    pinned = [
        np.arange(max(e.start, lo), min(e.end, lo + 86400), 60, dtype=np.int64)
        for e in effects
        if e.component in TRACED and every_s > 60
    ]
    starts = np.unique(np.concatenate([base, *pinned]))
    slot_ms = min(every_s, 60) * 1000
    return np.sort(starts * 1000 + rng.integers(0, slot_ms, len(starts)))


def day_rows(
    day: str, every_s: int, effects: Sequence[Effect], rng: np.random.Generator
) -> tuple[str, int]:
    lo_ms = day_start(day) * 1000
    root = roots(day, every_s, effects, rng)
    n = len(root)
    pick = {role: rng.integers(0, len(pods), n) for role, pods in ROLES.items()}
    extra = {role: np.zeros(n, dtype=np.int64) for role in ROLES}
    for e in effects:
        role = next((r for r, pods in ROLES.items() if e.component in pods), None)
        hit = (root >= e.start * 1000) & (root < e.end * 1000)
        if role is None or not hit.any():
            continue
        pick[role][hit] = ROLES[role].index(e.component)  # route the traffic through the fault
        if e.reason == "network latency":
            extra[role][hit] += rng.integers(LATENCY_MS[0], LATENCY_MS[1] + 1, int(hit.sum()))
        elif e.reason == "network packet loss":
            lost = hit & (rng.random(n) < LOSS_SHARE)
            extra[role][lost] += rng.integers(LOSS_MS[0], LOSS_MS[1] + 1, int(lost.sum()))
    # durations from the leaf up; each hop's own delay also delays its callers
    dur = {"dockerB": 1 + np.rint(rng.lognormal(2.3, 0.5, n)).astype(np.int64)}
    dur["dockerB"] += extra["dockerB"]
    for inner, outer in zip(CHAIN[::-1], CHAIN[-2::-1]):
        own = 2 + np.rint(rng.exponential(4.0, n)).astype(np.int64)
        dur[outer] = dur[inner] + own + extra[outer]
    child_a = 1 + np.rint(rng.exponential(2.0, n)).astype(np.int64)
    dur["dockerA"] = child_a + 3 + np.rint(rng.exponential(5.0, n)).astype(np.int64)
    dur["dockerA"] += extra["dockerA"]
    start = {"IG": root}
    for outer, inner in zip(CHAIN, CHAIN[1:]):
        start[inner] = start[outer] + (dur[outer] - dur[inner]) // 2
    start["dockerA"] = start["MG"] + 1
    start["dockerA"][0] = lo_ms - BEFORE_MIDNIGHT_MS
    start_child_a = start["dockerA"] + (dur["dockerA"] - child_a) // 2

    # ids: 6 spans a trace, in the order IG, Tomcat, MG, dockerB, dockerA, dockerA child
    yymmdd = day.replace("_", "")[2:]
    counter = rng.integers(10**12, 5 * 10**12) + np.cumsum(rng.integers(1, 6, 6 * n))
    span_ids = [yymmdd + s for s in text.digits(counter, 14)]
    ids = [span_ids[i::6] for i in range(6)]
    local = (root // 1000 - day_start(day)) % 86400
    hhmmss = (local // 3600) * 10_000 + (local // 60 % 60) * 100 + local % 60
    trace_ids = text.lines(
        "gw01" + day.replace("_", ""),
        text.digits(hhmmss * 1_000_000 + np.arange(n), 12),
        "\n",
    ).splitlines()
    external_ig, external_a = _external_ids(rng, n), _external_ids(rng, n)
    parents = [external_ig, ids[0], ids[1], ids[2], external_a, ids[4]]
    roles = ("IG", "Tomcat", "MG", "dockerB", "dockerA", "dockerA")
    starts = [start[r] for r in roles[:5]] + [start_child_a]
    durations = [dur[r] for r in roles[:5]] + [child_a]
    pods = [np.array(ROLES[r])[pick[r]] for r in roles]

    t = np.concatenate(starts)
    order = np.argsort(t, kind="stable")
    cols = {
        "timestamp": text.integers(t[order]),
        "cmdb_id": np.concatenate(pods)[order].tolist(),
        "parent_id": np.array(sum(parents, []), dtype=object)[order].tolist(),
        "span_id": np.array(sum(ids, []), dtype=object)[order].tolist(),
        "trace_id": np.array(trace_ids * 6, dtype=object)[order].tolist(),
        "duration": text.integers(np.concatenate(durations)[order]),
    }
    pieces: list[text.Piece] = []
    for c in HEADERS["trace_span"]:
        pieces += [cols[c], ","]
    pieces[-1] = "\n"
    return ",".join(HEADERS["trace_span"]) + "\n" + text.lines(*pieces), len(t)
