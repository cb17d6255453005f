"""Runtime cost, side by side with its references, on one scenario of the benchmark cloudbed-day.

Run: .venv/bin/pytest -m bench tests/bench/bench_runtime.py -s
(REPLAYBED_BENCH_SCALE=full for the real volume; REPLAYBED_BENCH_ROUNDS=n rounds, default 3.)
Every figure is the median of the rounds, printed with the load average (`uptime`).

1. The runtime path for the whole window (read, verify, decompress, patch, build requests,
   snappy) vs building the same bodies from CSV rows with protobuf/thrift objects at deploy
   time. Target: >= 30x cheaper.
2. Metric patching per core (CPU time) vs the slot-by-slot patcher the runtime used before
   (kept below as the reference): the cut at the slots (decode-time work) and the join with the
   shifted timestamp (the patch). Target: >= 10 M samples/s. Same bytes out, checked.
3. The whole metric history queryable in Prometheus 2.42: `replaybed run metrics --anchor end`
   into a live Prometheus (and, as the reference, the requests as they were before: frames
   concatenated into <= 4 MiB bodies) vs the offline peer: `promtool tsdb create-blocks-from
   openmetrics` on the same samples, a Prometheus started on the blocks, first query answering.
   Target: live no later than the peer.
4. Trace backfill into the Jaeger stand-in, decoding every batch with the official IDL as the
   real collector does, and not decoding: spans/s, and what bounds it.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import cramjam
import pytest
from support.jaeger_collector import Collector
from support.prometheus import Prometheus

from replaybed.compile.datasets.openrca_market import catalog, metric_names
from replaybed.compile.datasets.openrca_market.records import vendored
from replaybed.runtime import patch, replay
from replaybed.runtime.clock import offset_ms
from replaybed.runtime.report import Report
from replaybed.runtime.senders import http_backend
from replaybed.runtime.senders.out_file import OutFile
from replaybed.runtime.source import open_source
from replaybed.schemas import media_types, wire
from replaybed.schemas.framing import MetricFrame, u32s
from replaybed.schemas.timestamp_slots import read_varint_ms, varint_ms

pytestmark = pytest.mark.bench
ROUNDS = int(os.environ.get("REPLAYBED_BENCH_ROUNDS", "3"))
PEAK = (
    "import runpy, sys; sys.argv = ['replaybed'] + sys.argv[1:]\n"
    "try:\n    runpy.run_module('replaybed', run_name='__main__')\nfinally:\n"
    "    status = open('/proc/self/status').read().splitlines()\n"
    "    peak = next(int(x.split()[1]) for x in status if x.startswith('VmHWM:'))\n"
    "    print('PEAK_KB', peak, file=sys.stderr)\n"
)
# `run metrics` with the requests as they were before this layout: shifted frames concatenated
# into bodies of at most 4 MiB, one entry per sample
BEFORE = (
    "import dataclasses, runpy, sys\n"
    "from replaybed.runtime.senders import HTTP_BACKENDS, prometheus_remote_write as prw\n"
    "from replaybed.runtime.senders.backend import Batching\n"
    "limits = Batching(max_span_ms=10**15, max_items=10**15, max_frame_bytes=4 << 20)\n"
    "before = dataclasses.replace(prw.BACKEND, build=prw._concatenated, batching=limits)\n"
    "HTTP_BACKENDS[before.media_type] = before\n"
    "sys.argv = ['replaybed'] + sys.argv[1:]\n"
    "runpy.run_module('replaybed', run_name='__main__')\n"
)
CLOUDBED, DAY = "cloudbed-1", "2022_03_20"


def _load() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def _median(values):
    return statistics.median(values)


@pytest.fixture(scope="module")
def compiled(small_day, tmp_path_factory):
    lo, hi = catalog.day_start(DAY), catalog.day_start(DAY) + 86400
    record = next(
        r for r, _ in vendored(CLOUDBED) if lo <= r.timestamp - 3600 and r.timestamp + 1800 < hi
    )
    store = tmp_path_factory.mktemp("rt") / "store"
    scenario = f"{CLOUDBED}/{record.row:03d}"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "replaybed",
            "compile",
            str(small_day),
            "--store",
            str(store),
            "--scenario",
            scenario,
            "--json",
        ],
        check=True,
        capture_output=True,
    )
    return small_day, store, scenario


class _Now:
    """A clock that never moves: everything in the window is backfill, nothing waits."""

    def __init__(self, now_ms: int):
        self.t = now_ms

    def now_ms(self) -> int:
        return self.t

    def sleep(self, seconds: float) -> None:
        raise AssertionError("the backfill never waits")


class _Counting(io.RawIOBase):
    def __init__(self):
        self.n = 0

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:
        self.n += len(b)
        return len(b)


def _runtime_bodies(store, scenario):
    """The replay loops into a counting --out sink: every request body of the window, as sent."""
    src = open_source(scenario, str(store), None)
    m, now = src.manifest, 1_800_000_000_000
    shift = offset_ms(m, "end", now)
    counts = {}
    for media_type in (media_types.METRICS, media_types.TRACES):
        report = Report(media_types.kind_of(media_type), str(m.id), shift)
        sink = OutFile(_Counting(), report)  # type: ignore[arg-type]
        replay.LOOPS[media_type](
            src, shift, backend=http_backend(media_type), sender=sink, clock=_Now(now)
        )
        counts[media_type] = report.items
    src.close()
    return counts[media_types.METRICS], counts[media_types.TRACES], m


def _csv_bodies(dataset, m):
    """What a replayer without a compiler does at deploy time, with the official libraries."""
    msgs = wire.prometheus_messages()
    ttypes = wire.jaeger_types()
    lo, hi = m.origin_ms + m.window.start_ms, m.origin_ms + m.window.end_ms
    folder = dataset / "Market" / CLOUDBED / "telemetry" / DAY
    by_ts: dict[int, list] = {}
    ns = f"openrca-{CLOUDBED}"
    for name in (
        "metric_container",
        "metric_mesh",
        "metric_node",
        "metric_runtime",
        "metric_service",
    ):
        with open(folder / catalog.FILES[name], newline="") as fh:
            reader = csv.reader(fh)
            next(reader)
            for row in reader:
                if name == "metric_service":
                    t = int(row[1]) * 1000
                    if lo <= t < hi:
                        for col, v in zip(catalog.SERVICE_KPIS, row[2:]):
                            by_ts.setdefault(t, []).append(
                                (metric_names.service(row[0], col, ns), float(v))
                            )
                    continue
                t = int(row[0]) * 1000
                if lo <= t < hi:
                    by_ts.setdefault(t, []).append(
                        (metric_names.MAPPERS[name](row[1], row[2], ns), float(row[3]))
                    )
    samples = 0
    for t in sorted(by_ts):
        req = msgs.WriteRequest()
        for mapped, value in by_ts[t]:
            ts = req.timeseries.add()
            for k, v in mapped.labels:
                ts.labels.add(name=k, value=v)
            ts.samples.add(value=value * mapped.scale, timestamp=t + 10**9)
            samples += 1
        cramjam.snappy.compress_raw(req.SerializeToString())
    batches: dict[tuple[str, int], list] = {}
    with open(folder / "trace/trace_span.csv", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        for ts, pod, sid, tid, dur, _typ, status, op, parent in reader:
            if lo <= int(ts) < hi:
                span = ttypes.Span(
                    traceIdLow=_s(tid[16:]),
                    traceIdHigh=_s(tid[:16]),
                    spanId=_s(sid),
                    parentSpanId=_s(parent) if parent else 0,
                    operationName=op,
                    flags=1,
                    startTime=(int(ts) + 10**9) * 1000,
                    duration=int(dur),
                    tags=[ttypes.Tag(key="status.code", vType=0, vStr=status)],
                )
                batches.setdefault((pod, int(ts) // 60000), []).append(span)
    spans = 0
    for (pod, _), spans_of in batches.items():
        wire.encode_batch(
            ttypes.Batch(
                process=ttypes.Process(serviceName=catalog.service_of(pod)), spans=spans_of
            )
        )
        spans += len(spans_of)
    return samples, spans


def _s(h):
    v = int(h, 16)
    return v - (1 << 64) if v >= 1 << 63 else v


def test_patch_path_vs_building_from_csv(compiled):
    dataset, store, scenario = compiled
    rt, base = [], []
    for _ in range(ROUNDS):
        c, t = time.process_time(), time.perf_counter()
        samples, spans, m = _runtime_bodies(store, scenario)
        rt.append((time.perf_counter() - t, time.process_time() - c))
        c, t = time.process_time(), time.perf_counter()
        b_samples, b_spans = _csv_bodies(dataset, m)
        base.append((time.perf_counter() - t, time.process_time() - c))
    assert (samples, spans) == (b_samples, b_spans) == (m.counts.samples, m.counts.spans)
    a, b = _median([w for w, _ in rt]), _median([w for w, _ in base])
    a_cpu, b_cpu = _median([c for _, c in rt]), _median([c for _, c in base])
    print(
        f"\nruntime bench ({scenario}, {samples} samples, {spans} spans; {_load()}): runtime "
        f"path {a:.3f} s, from CSV with protobuf/thrift {b:.3f} s -> {b / a:.0f}x cheaper "
        f"(target >= 30x); CPU time {a_cpu:.3f} s vs {b_cpu:.3f} s -> {b_cpu / a_cpu:.0f}x"
    )


def reference_metric_body(frame: MetricFrame, shift_ms: int) -> bytearray:
    """The runtime's patcher before segments: the new 6 bytes written slot by slot."""
    out = bytearray(frame.body)
    if frame.t0 == frame.t1:
        new = varint_ms(frame.t0 + shift_ms)
        for slot in u32s(frame.slots):
            out[slot : slot + 6] = new
        return out
    for slot in u32s(frame.slots):
        out[slot : slot + 6] = varint_ms(read_varint_ms(out, slot) + shift_ms)
    return out


def _each(variant, frames, pieces) -> None:
    for frame, frame_pieces in zip(frames, pieces):
        variant(frame, frame_pieces)


def _cpu_and_wall(fn, *args):
    c, w = time.process_time(), time.perf_counter()
    fn(*args)
    return time.process_time() - c, time.perf_counter() - w


def test_metric_patching_vs_slot_writes(compiled):
    _, store, scenario = compiled
    src = open_source(scenario, str(store), None)
    m = src.manifest
    frames = [
        f
        for ref in m.parts_of("metrics")
        for f in src.frames(ref, MetricFrame)
        if m.window.contains(f.t0 - m.origin_ms)
    ]
    src.close()
    n, shift = sum(f.count for f in frames), 10**9
    pieces = [patch.segments(f) for f in frames]
    assert all(
        bytes(reference_metric_body(f, shift)) == patch.metric_body(f, shift) for f in frames
    ), "same bytes out"
    # each body is dropped once built, as the runtime drops it once sent: keeping 90 MB of
    # bodies alive would measure the kernel handing out fresh pages, not the patch
    variants = {
        "before": lambda f, p: reference_metric_body(f, shift),
        "cut": lambda f, p: patch.segments(f),
        "join": lambda f, p: varint_ms(f.t0 + shift).join(p),
        "both": lambda f, p: patch.metric_body(f, shift),
    }
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in variants}
    for _ in range(max(ROUNDS, 5)):
        for name, variant in variants.items():
            runs[name].append(_cpu_and_wall(_each, variant, frames, pieces))

    def rate(name):
        cpu, wall = _median([c for c, _ in runs[name]]), _median([w for _, w in runs[name]])
        return n / cpu / 1e6, n / wall / 1e6

    (before, before_w), (cut, cut_w), (join, join_w), (both, both_w) = map(rate, runs)
    print(
        f"\npatch bench ({scenario}, {n} samples in {len(frames)} frames, "
        f"{sum(len(f.body) for f in frames) / n:.0f} B/sample; {_load()}), M samples/s per core "
        f"(CPU time; wall in brackets): slot by slot (before) {before:.1f} [{before_w:.1f}]; "
        f"patch = join of the pieces with the shifted 6 bytes {join:.1f} [{join_w:.1f}] "
        f"({join / before:.1f}x; target >= 10 M); cut at the slots (decode-time) {cut:.1f} "
        f"[{cut_w:.1f}]; cut + join {both:.1f} [{both_w:.1f}] ({both / before:.1f}x)"
    )


def _write_openmetrics(store, scenario, path: Path) -> tuple[int, float]:
    """Every sample of the window, shifted so the window ends now, as OpenMetrics text."""
    src = open_source(scenario, str(store), None)
    m = src.manifest
    shift = offset_ms(m, "end", time.time_ns() // 1_000_000)
    families: dict[str, dict[tuple, list]] = {}
    for ref in m.parts_of("metrics"):
        for frame in src.frames(ref, MetricFrame):
            if not m.window.contains(frame.t0 - m.origin_ms):
                continue
            for ts in wire.decode_write_request(patch.metric_body(frame, shift)).timeseries:
                labels = [(lb.name, lb.value) for lb in ts.labels]
                name = next(v for k, v in labels if k == "__name__")
                key = tuple((k, v) for k, v in labels if k != "__name__")
                points = families.setdefault(name, {}).setdefault(key, [])
                points += [(s.timestamp, s.value) for s in ts.samples]
    src.close()
    n = 0
    with open(path, "w") as fh:
        # OpenMetrics: a family's samples together, each series' samples in time order
        for name in sorted(families):
            for key, points in families[name].items():
                text = ",".join(f'{k}="{_escape(v)}"' for k, v in key)
                head = f"{name}{{{text}}}" if text else name
                for t, v in sorted(points):
                    fh.write(f"{head} {_number(v)} {t // 1000}.{t % 1000:03d}\n")
                    n += 1
        fh.write("# EOF\n")
    return n, (m.origin_ms + m.window.end_ms + shift) / 1000


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(v: float) -> str:
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    return repr(v)


def _wait_queryable(
    prom: Prometheus, *, namespace: str, minutes: int, at_s: float, n: int
) -> float:
    """Poll until one query returns all `n` raw samples of the namespace (the whole history);
    returns how long that last query took (both sides pay it)."""
    query = f'{{namespace="{namespace}"}}[{minutes}m]'
    url = f"{prom.url}/api/v1/query?" + urllib.parse.urlencode(
        {"query": query, "time": f"{at_s:.3f}"}
    )
    while True:
        began = time.perf_counter()
        result = json.load(urllib.request.urlopen(url, timeout=300))["data"]["result"]
        if sum(len(r["values"]) for r in result) >= n:
            return time.perf_counter() - began
        time.sleep(0.05)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _live(store, scenario, m, root: Path, *, script: str) -> dict:
    prom = Prometheus(root).start()
    try:
        cpu0, prom0, t = _children_cpu(), prom.cpu_seconds(), time.perf_counter()
        run = subprocess.run(
            [sys.executable, "-c", script, "run", "metrics", "--scenario", scenario]
            + ["--store", str(store), "--prometheus", prom.url, "--anchor", "end", "--json"],
            capture_output=True,
            text=True,
        )
        pushed = time.perf_counter() - t
        client_cpu, prom_cpu = _children_cpu() - cpu0, prom.cpu_seconds() - prom0
        assert run.returncode == 0, run.stderr
        report = json.loads(run.stdout)
        at = (m.origin_ms + m.window.end_ms + report["offset_ms"]) / 1000
        minutes = (m.window.end_ms - m.window.start_ms) // 60000 + 1
        query = _wait_queryable(
            prom, namespace=m.namespace, minutes=minutes, at_s=at, n=m.counts.samples
        )
        peak = run.stderr.rsplit("PEAK_KB", 1)
        return {
            "query": query,
            "pushed": pushed,
            "queryable": time.perf_counter() - t,
            "client_cpu": client_cpu,
            "prom_cpu": prom_cpu,
            "requests": report["requests"],
            "peak_mb": int(peak[1].split()[0]) / 1024 if len(peak) == 2 else 0.0,
        }
    finally:
        prom.stop()
        shutil.rmtree(root, ignore_errors=True)


def _promtool(openmetrics: Path, root: Path, *, m, at_s: float, n: int) -> dict:
    prom = Prometheus(root)
    try:
        cpu0, t = _children_cpu(), time.perf_counter()
        subprocess.run(
            ["promtool", "tsdb", "create-blocks-from", "openmetrics", str(openmetrics)]
            + [str(root / "data")],
            check=True,
            capture_output=True,
        )
        blocks, promtool_cpu = time.perf_counter() - t, _children_cpu() - cpu0
        prom.start()
        started = time.perf_counter() - t
        minutes = (m.window.end_ms - m.window.start_ms) // 60000 + 1
        query = _wait_queryable(prom, namespace=m.namespace, minutes=minutes, at_s=at_s, n=n)
        return {
            "query": query,
            "blocks": blocks,
            "started": started,
            "queryable": time.perf_counter() - t,
            "promtool_cpu": promtool_cpu,
        }
    finally:
        prom.stop()
        shutil.rmtree(root, ignore_errors=True)


def test_history_queryable_live_vs_promtool(compiled, tmp_path):
    _, store, scenario = compiled
    src = open_source(scenario, str(store), None)
    m = src.manifest
    src.close()
    om = tmp_path / "history.om"
    t = time.perf_counter()
    n, at_s = _write_openmetrics(store, scenario, om)
    written = time.perf_counter() - t
    assert n == m.counts.samples
    live, before, peer = [], [], []
    for i in range(ROUNDS):
        live.append(_live(store, scenario, m, tmp_path / f"live{i}", script=PEAK))
        before.append(_live(store, scenario, m, tmp_path / f"before{i}", script=BEFORE))
        peer.append(_promtool(om, tmp_path / f"peer{i}", m=m, at_s=at_s, n=n))

    def med(rows, key):
        return _median([r[key] for r in rows])

    print(
        f"\nprometheus bench ({scenario}, {n} samples; {_load()}): whole history queryable "
        f"after {med(live, 'queryable'):.2f} s live (`run metrics --anchor end`, process start "
        f"included; pushed after {med(live, 'pushed'):.2f} s in {med(live, 'requests'):.0f} "
        f"requests; replayer CPU {med(live, 'client_cpu'):.2f} s, Prometheus CPU "
        f"{med(live, 'prom_cpu'):.2f} s; replayer peak RSS {med(live, 'peak_mb'):.0f} MB; the "
        f"answering query itself {med(live, 'query'):.2f} s) vs "
        f"{med(peer, 'queryable'):.2f} s promtool peer (create-blocks {med(peer, 'blocks'):.2f} s, "
        f"{med(peer, 'promtool_cpu'):.2f} s CPU; Prometheus up after "
        f"{med(peer, 'started'):.2f} s; OpenMetrics input written beforehand in {written:.1f} s, "
        f"{om.stat().st_size / 1e6:.0f} MB) -> live/peer = "
        f"{med(live, 'queryable') / med(peer, 'queryable'):.2f} (target <= 1); requests as "
        f"before (frames concatenated, <= 4 MiB): {med(before, 'queryable'):.2f} s, pushed "
        f"after {med(before, 'pushed'):.2f} s in {med(before, 'requests'):.0f} requests, "
        f"Prometheus CPU {med(before, 'prom_cpu'):.2f} s"
    )


def test_trace_backfill_rate(compiled):
    _, store, scenario = compiled
    src = open_source(scenario, str(store), None)
    m = src.manifest
    src.close()
    rows: dict[bool, list[dict]] = {True: [], False: []}
    for _ in range(ROUNDS):
        for decode in (True, False):
            with Collector(decode=decode) as collector:
                cpu0, t = _children_cpu(), time.perf_counter()
                run = subprocess.run(
                    [sys.executable, "-m", "replaybed", "run", "traces", "--scenario", scenario]
                    + ["--store", str(store), "--jaeger", collector.url, "--anchor", "end"]
                    + ["--json"],
                    capture_output=True,
                    text=True,
                )
                wall = time.perf_counter() - t
                assert run.returncode == 0, run.stderr
                report = json.loads(run.stdout)
                assert report["items"] == m.counts.spans
                if decode:
                    assert sum(len(b.spans) for b in collector.batches) == m.counts.spans
                rows[decode].append(
                    {
                        "wall": wall,
                        "client_cpu": _children_cpu() - cpu0,
                        "decode": collector.decode_seconds,
                        "requests": report["requests"],
                        "bytes": collector.body_bytes,
                    }
                )

    def med(decode, key):
        return _median([r[key] for r in rows[decode]])

    spans = m.counts.spans
    print(
        f"\ntrace bench ({scenario}, {spans} spans in {med(True, 'requests'):.0f} batches, "
        f"{med(True, 'bytes') / spans:.0f} B/span; {_load()}): `run traces --anchor end` into "
        f"the Jaeger stand-in decoding with the official IDL {spans / med(True, 'wall'):,.0f} "
        f"spans/s ({med(True, 'wall'):.2f} s incl. process start; the stand-in spent "
        f"{med(True, 'decode'):.2f} s decoding = {spans / med(True, 'decode'):,.0f} spans/s); "
        f"into a stand-in that does not decode {spans / med(False, 'wall'):,.0f} spans/s "
        f"({med(False, 'wall'):.2f} s; replayer CPU {med(False, 'client_cpu'):.2f} s = "
        f"{spans / med(False, 'client_cpu'):,.0f} spans per CPU-second)"
    )
