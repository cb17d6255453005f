"""The trace rows of one block and the `metric_app` rows they imply, as bytes (vectorised).

One trace per request to the OSB entry service (`osb_001`):

    OSB (os_*, root, pid None)
    ├── RemoteProcess (docker D, csf_*)
    │   ├── LOCAL (docker D, local_method_*, dsName db B)
    │   │   └── JDBC (docker D, dsName db B, no serviceName)
    │   └── CSF (docker D, csf_*; in 30 % of traces)
    └── FlyRemote (docker E, fly_remote_*)

Children start and end inside their parents; times are whole ms and `elapsedTime` prints as
`376.0`. `success` is `True`/`False`, upper-case (`TRUE`) on FlyRemote spans as in the prompt's
rows. Ids are 20 lower-case hex digits built like the prompt's: 5 random hex digits, the span's
start ms in 11 hex digits, a 4-digit sequence number (the trace id: the root's start and the
number before the root's). Rows of a trace are written child first (JDBC, LOCAL, CSF,
RemoteProcess, FlyRemote, OSB), traces in start order. Inside a fault window every trace goes
through the recorded component (see `faults`). `metric_app` per minute: `num` traces started,
`succee_num` those whose root succeeded, `avg_time` their mean root elapsed / 1000 (the prompt's
0.333-0.53 beside OSB spans of ~376 ms), `succee_rate` a 0-1 fraction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from replaybed.compile.datasets.openrca_telecom.catalog import DATABASES, NODES, PODS
from replaybed.compile.datasets.openrca_telecom.synth import csvfmt
from replaybed.compile.datasets.openrca_telecom.synth.faults import Effect
from replaybed.compile.datasets.openrca_telecom.synth.scales import Scale

# row order inside a trace (child first) and each position's parent
JDBC, LOCAL, CSF, RP, FR, OSB = range(6)
CALL_TYPES = ("JDBC", "LOCAL", "CSF", "RemoteProcess", "FlyRemote", "OSB")
PARENT = (LOCAL, RP, RP, OSB, OSB, -1)
# sequence numbers follow creation order: trace, OSB, RemoteProcess, LOCAL, JDBC, CSF, FlyRemote
CREATED = {OSB: 1, RP: 2, LOCAL: 3, JDBC: 4, CSF: 5, FR: 6}
PER_TRACE = 7
JDBC_DBS = ("db_003", "db_007", "db_009")  # [I]: the prompt's JDBC rows name db_003
CSF_SERVICES = tuple(f"csf_{i:03d}" for i in range(1, 6))
LOCAL_METHODS = tuple(f"local_method_{i:03d}" for i in range(1, 21))
FLY_REMOTES = tuple(f"fly_remote_{i:03d}" for i in range(1, 4))
COMPONENTS = PODS + NODES
SERVICE_NAMES = ("", "osb_001", *CSF_SERVICES, *LOCAL_METHODS, *FLY_REMOTES)
SUCCESS = ("True", "False", "TRUE", "FALSE")
CSF_SHARE = 0.3


@dataclass(frozen=True)
class Block:
    spans: bytes
    span_rows: int
    app: bytes
    app_rows: int


def _pin(e: Effect, t0: np.ndarray) -> np.ndarray:
    return (t0 >= e.start_ms) & (t0 < e.end_ms)


def build(
    block: tuple[int, int],
    scale: Scale,
    effects: tuple[Effect, ...],
    rng: np.random.Generator,
    seq0: int,
) -> Block:
    lo, hi = block
    minutes = np.arange(lo, hi, 60, dtype=np.int64) * 1000
    jitter = scale.trace_jitter
    per_min = scale.traces_per_min + (
        rng.integers(-jitter, jitter + 1, len(minutes)) if jitter else 0
    )
    per_min = np.broadcast_to(np.maximum(per_min, 1), minutes.shape)
    t0 = np.sort(np.repeat(minutes, per_min) + rng.integers(0, 60_000, int(per_min.sum())))
    n = len(t0)
    r = rng.integers
    host = r(0, len(NODES), n)
    pod_d, pod_e = r(0, len(PODS), n), r(0, len(PODS), n)
    db = np.array([DATABASES.index(d) for d in JDBC_DBS])[r(0, len(JDBC_DBS), n)]
    pre, post, gap = r(1, 6, n), r(150, 451, n), r(1, 4, n)
    own = {RP: r(10, 51, n), LOCAL: r(1, 6, n), JDBC: r(1, 5, n), FR: r(3, 11, n), CSF: r(2, 9, n)}
    has_csf = rng.random(n) < CSF_SHARE
    root_fails, jdbc_fails = np.zeros(n, bool), np.zeros(n, bool)
    for e in effects:
        if e.end_ms <= lo * 1000 or e.start_ms >= hi * 1000:
            continue
        hit = _pin(e, t0)
        k = int(hit.sum())
        if e.reason == "CPU fault":
            pod_d[hit] = PODS.index(e.component)
            for pos in (RP, LOCAL, JDBC, CSF):
                own[pos][hit] *= 3
            own[FR][hit & (pod_e == PODS.index(e.component))] *= 3
        elif e.reason in ("network delay", "network loss"):
            host[hit] = NODES.index(e.component)
            if e.reason == "network delay":
                post[hit] += r(1000, 2001, k)
            else:
                post[hit] += r(200, 601, k)
                root_fails[hit] |= rng.random(k) < 0.3
        else:
            db[hit] = DATABASES.index(e.component)
            if e.reason == "db close":
                own[JDBC][hit] = 1
                jdbc_fails[hit] = True
            else:
                own[JDBC][hit] += r(300, 801, k)
                jdbc_fails[hit] |= rng.random(k) < 0.3
    own[CSF] = np.where(has_csf, own[CSF], 0)
    elapsed = {JDBC: own[JDBC], FR: own[FR], CSF: own[CSF]}
    elapsed[LOCAL] = own[LOCAL] + elapsed[JDBC]
    elapsed[RP] = own[RP] + elapsed[LOCAL] + elapsed[CSF]
    elapsed[OSB] = pre + elapsed[RP] + gap + elapsed[FR] + post
    start = {OSB: t0, RP: t0 + pre}
    start[LOCAL] = start[RP] + own[RP] // 2
    start[JDBC] = start[LOCAL] + own[LOCAL] // 2
    start[CSF] = start[LOCAL] + elapsed[LOCAL]
    start[FR] = start[RP] + elapsed[RP] + gap
    failed = {JDBC: jdbc_fails, LOCAL: jdbc_fails, RP: jdbc_fails, OSB: jdbc_fails | root_fails}
    failed[CSF] = failed[FR] = np.zeros(n, bool)
    spans = _span_rows(
        n=n,
        t0=t0,
        start=start,
        elapsed=elapsed,
        failed=failed,
        has_csf=has_csf,
        components={JDBC: pod_d, LOCAL: pod_d, CSF: pod_d, RP: pod_d, FR: pod_e},
        host=host,
        db=db,
        rng=rng,
        seq0=seq0,
    )
    app = _app_rows(minutes, t0, elapsed[OSB], failed[OSB])
    return Block(spans[0], spans[1], app, len(minutes))


def _span_rows(*, n, t0, start, elapsed, failed, has_csf, components, host, db, rng, seq0):
    shape = (n, 6)
    cols = range(6)
    st = np.stack([start[p] for p in cols], axis=1)
    el = np.stack([elapsed[p] for p in cols], axis=1)
    ok = ~np.stack([failed[p] for p in cols], axis=1)
    seq = (
        seq0
        + PER_TRACE * np.arange(n, dtype=np.int64)[:, None]
        + np.array([CREATED[p] for p in cols])
    )
    prefix = rng.integers(0, 1 << 20, shape)
    comp = np.stack(
        [components[p] if p != OSB else len(PODS) + host for p in cols], axis=1
    )  # index into COMPONENTS
    ds = np.zeros(shape, np.int64)
    ds[:, JDBC] = ds[:, LOCAL] = db + 1  # index into ("",) + DATABASES
    svc = np.zeros(shape, np.int64)
    svc[:, OSB] = 1
    svc[:, RP] = 2 + rng.integers(0, len(CSF_SERVICES), n)
    svc[:, CSF] = 2 + rng.integers(0, len(CSF_SERVICES), n)
    svc[:, LOCAL] = 2 + len(CSF_SERVICES) + rng.integers(0, len(LOCAL_METHODS), n)
    svc[:, FR] = 2 + len(CSF_SERVICES) + len(LOCAL_METHODS) + rng.integers(0, len(FLY_REMOTES), n)
    success = np.where(ok, 0, 1) + np.where(np.arange(6) == FR, 2, 0)[None, :]
    trace_prefix = np.repeat(rng.integers(0, 1 << 20, n)[:, None], 6, axis=1)
    trace_seq = np.repeat((seq[:, OSB] - 1)[:, None], 6, axis=1)
    trace_t = np.repeat(t0[:, None], 6, axis=1)
    parent = np.array([p if p >= 0 else 0 for p in PARENT])
    is_root = np.array([p < 0 for p in PARENT])[None, :].repeat(n, axis=0)
    keep = np.ones(shape, bool)
    keep[:, CSF] = has_csf
    k = keep.ravel()

    def flat(a):
        return a.reshape(-1)[k]

    root = flat(is_root)
    pid = _ids(flat(prefix[:, parent]), flat(st[:, parent]), flat(seq[:, parent]))
    none = csvfmt.lookup(["None"], np.zeros(len(root), np.int64))
    pid_bytes = np.where(root[:, None], np.pad(none.bytes, ((0, 0), (0, 16))), pid.bytes)
    pid_keep = np.where(root[:, None], np.pad(none.keep, ((0, 0), (0, 16))), pid.keep)
    rows = csvfmt.rows(
        [
            csvfmt.lookup(CALL_TYPES, flat(np.broadcast_to(np.arange(6), shape))),
            csvfmt.integer(flat(st)),
            csvfmt.join([csvfmt.integer(flat(el)), csvfmt.const(".0", int(k.sum()))]),
            csvfmt.lookup(SUCCESS, flat(success)),
            _ids(flat(trace_prefix), flat(trace_t), flat(trace_seq)),
            _ids(flat(prefix), flat(st), flat(seq)),
            csvfmt.Col(pid_bytes, pid_keep),
            csvfmt.lookup(COMPONENTS, flat(comp)),
            csvfmt.lookup(("", *DATABASES), flat(ds)),
            csvfmt.lookup(SERVICE_NAMES, flat(svc)),
        ]
    )
    return rows, int(k.sum())


def _ids(prefix: np.ndarray, t_ms: np.ndarray, seq: np.ndarray) -> csvfmt.Col:
    return csvfmt.join(
        [
            csvfmt.hexadecimal(prefix, 5),
            csvfmt.hexadecimal(t_ms, 11),
            csvfmt.padded(seq % 10_000, 4),
        ]
    )


def _app_rows(minutes: np.ndarray, t0: np.ndarray, root_ms: np.ndarray, failed: np.ndarray):
    which = np.searchsorted(minutes, t0, side="right") - 1
    num = np.bincount(which, minlength=len(minutes))
    ok = np.bincount(which, weights=~failed, minlength=len(minutes)).astype(np.int64)
    total = np.bincount(which, weights=root_ms, minlength=len(minutes))
    count = np.maximum(num, 1)
    return csvfmt.rows(
        [
            csvfmt.lookup(["osb_001"], np.zeros(len(minutes), np.int64)),
            csvfmt.integer(minutes),
            csvfmt.short(total / count / 1000.0, 4),
            csvfmt.integer(num),
            csvfmt.integer(ok),
            csvfmt.short(ok / count, 4),
        ]
    )
