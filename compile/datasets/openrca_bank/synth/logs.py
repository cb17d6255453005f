"""log_service.csv of one day (pure): JVM GC lines of the Tomcat hosts.

The real file's one published row is a Tomcat `gc` line (CMS collector); real-data summaries count
log lines only on Tomcat01-04, and the other log names of the file were never printed, so the
twin writes `gc` lines only: a young-generation `ParNew` collection per Tomcat every `gc_step_s`
seconds, and during a recorded OOM fault on a Tomcat a `Full GC (Allocation Failure)` every 10 s.
`log_id` is 32 lower-case hex, the timestamp epoch seconds, the value quoted (it holds commas)
and ending in a space, as in the real row. Rows are sorted by time.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from replaybed.compile.datasets.openrca_bank.catalog import HEADERS, day_start
from replaybed.compile.datasets.openrca_bank.synth import text
from replaybed.compile.datasets.openrca_bank.synth.signatures import OOM_GC_STEP_S, Effect

TOMCATS = ("Tomcat01", "Tomcat02", "Tomcat03", "Tomcat04")
JVM_START_S = day_start("2021_02_01")  # GC uptimes count from here (the real one: 43 days)


def _uptime(rng: np.random.Generator, t: np.ndarray) -> list[str]:
    up = t - JVM_START_S
    return text.lines(
        text.integers(up), ".", text.digits(rng.integers(0, 1000, len(t)), 3), "\n"
    ).splitlines()


def _minor(rng: np.random.Generator, t: np.ndarray) -> list[str]:
    n = len(t)
    up = _uptime(rng, t)
    young = rng.integers(260_000, 300_000, n)
    heap = rng.integers(1_800_000, 2_600_000, n)
    return text.lines(
        up,
        ": [GC (Allocation Failure) ",
        up,
        ": [ParNew: ",
        text.integers(young),
        "K->",
        text.integers(young // 9),
        "K(306688K), 0.",
        text.digits(rng.integers(100_000, 900_000, n), 7),
        " secs] ",
        text.integers(heap),
        "K->",
        text.integers(heap - young + young // 9),
        "K(4089472K), 0.",
        text.digits(rng.integers(100_000, 900_000, n), 7),
        " secs] [Times: user=0.",
        text.digits(rng.integers(5, 30, n), 2),
        " sys=0.00, real=0.",
        text.digits(rng.integers(1, 9, n), 2),
        " secs] \n",
    ).splitlines()


def _full(rng: np.random.Generator, t: np.ndarray) -> list[str]:
    n = len(t)
    up = _uptime(rng, t)
    old = rng.integers(3_140_000, 3_145_728, n)
    return text.lines(
        up,
        ": [Full GC (Allocation Failure) ",
        up,
        ": [CMS: ",
        text.integers(old),
        "K->",
        text.integers(old),
        "K(3145728K), 4.",
        text.digits(rng.integers(0, 10_000_000, n), 7),
        " secs] ",
        text.integers(old + 943_000),
        "K->",
        text.integers(old + 943_000),
        "K(4089472K), [Metaspace: 101234K->101234K(1140736K)], 4.",
        text.digits(rng.integers(0, 10_000_000, n), 7),
        " secs] [Times: user=4.",
        text.digits(rng.integers(0, 99, n), 2),
        " sys=0.00, real=4.",
        text.digits(rng.integers(0, 99, n), 2),
        " secs] \n",
    ).splitlines()


def day_rows(
    day: str, gc_step_s: int, effects: Sequence[Effect], rng: np.random.Generator
) -> tuple[str, int]:
    lo = day_start(day)
    times, pods, values = [], [], []
    for i, pod in enumerate(TOMCATS):
        t = lo + (i * 37) % gc_step_s + np.arange(0, 86400, gc_step_s, dtype=np.int64)
        times.append(t)
        pods += [pod] * len(t)
        values += _minor(rng, t)
    for e in effects:
        if e.reason != "JVM Out of Memory (OOM) Heap" or e.component not in TOMCATS:
            continue
        t = np.arange(max(e.start, lo), min(e.end, lo + 86400), OOM_GC_STEP_S, dtype=np.int64)
        times.append(t)
        pods += [e.component] * len(t)
        values += _full(rng, t)
    t = np.concatenate(times)
    order = np.argsort(t, kind="stable")
    n = len(t)
    body = text.lines(
        text.hex_text(rng, n, 32),
        ",",
        text.integers(t[order]),
        ",",
        np.array(pods, dtype=object)[order].tolist(),
        ',gc,"',
        np.array(values, dtype=object)[order].tolist(),
        '"\n',
    )
    return ",".join(HEADERS["log_service"]) + "\n" + body, n
