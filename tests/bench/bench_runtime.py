"""Runtime cost: patching prebuilt bodies vs building them from CSV rows at deploy time, and the
wall time until a scenario's history is queryable in a local Prometheus.

Run: .venv/bin/pytest -m bench tests/bench/bench_runtime.py -s
Side by side in one run, medians of 3, on one scenario of the benchmark cloudbed-day:
(a) the runtime path for the whole window: read parts, verify, decompress, patch, snappy;
(b) the deploy-time alternative: read the CSV rows of the window, map names, build protobuf
    `WriteRequest` and thrift `Batch` objects, serialise, snappy.
Targets: (b)/(a) >= 30x; >= 10 M samples/s patched.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import cramjam
import pytest
from support.prometheus import Prometheus

from replaybed.compile.datasets.openrca_market import catalog, metric_names
from replaybed.compile.datasets.openrca_market.records import vendored
from replaybed.runtime import patch
from replaybed.runtime.source import open_source
from replaybed.schemas import wire
from replaybed.schemas.framing import MetricFrame, TraceFrame

pytestmark = pytest.mark.bench
# medians of this many side-by-side rounds (REPLAYBED_BENCH_ROUNDS=1 for a quick look at `full`)
ROUNDS = int(os.environ.get("REPLAYBED_BENCH_ROUNDS", "3"))
PEAK = (
    "import runpy, sys; sys.argv = ['replaybed'] + sys.argv[1:]\n"
    "try:\n    runpy.run_module('replaybed', run_name='__main__')\nfinally:\n"
    "    status = open('/proc/self/status').read().splitlines()\n"
    "    peak = next(int(x.split()[1]) for x in status if x.startswith('VmHWM:'))\n"
    "    print('PEAK_KB', peak, file=sys.stderr)\n"
)
CLOUDBED, DAY = "cloudbed-1", "2022_03_20"


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


def _runtime_bodies(store, scenario):
    src = open_source(scenario, str(store), None)
    m, shift, samples, spans, out = src.manifest, 10**9, 0, 0, 0
    for ref in m.parts_of("metrics"):
        for f in src.frames(ref, MetricFrame):
            if m.window.contains(f.t0 - m.origin_ms):
                out += len(cramjam.snappy.compress_raw(patch.metric_body(f, shift)))
                samples += f.count
    for ref in m.parts_of("traces"):
        for t in src.frames(ref, TraceFrame):
            if m.window.contains(t.t0 - m.origin_ms):
                out += len(patch.trace_body(t, shift))
                spans += t.count
    src.close()
    return samples, spans, m


def _patch_only(store, scenario):
    src = open_source(scenario, str(store), None)
    frames = [f for ref in src.manifest.parts_of("metrics") for f in src.frames(ref, MetricFrame)]
    t = time.perf_counter()
    n = 0
    for f in frames:
        patch.metric_body(f, 10**9)
        n += f.count
    return n / (time.perf_counter() - t)


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
        t = time.perf_counter()
        samples, spans, m = _runtime_bodies(store, scenario)
        rt.append(time.perf_counter() - t)
        t = time.perf_counter()
        b_samples, b_spans = _csv_bodies(dataset, m)
        base.append(time.perf_counter() - t)
    assert (samples, spans) == (b_samples, b_spans) == (m.counts.samples, m.counts.spans)
    rate = sorted(_patch_only(store, scenario) for _ in range(3))[1]
    a, b = sorted(rt)[len(rt) // 2], sorted(base)[len(base) // 2]
    print(
        f"\nruntime bench ({scenario}, {samples} samples, {spans} spans): runtime path {a:.3f} s, "
        f"from CSV with protobuf/thrift {b:.3f} s -> {b / a:.0f}x cheaper (target >= 30x); "
        f"metric patching alone {rate / 1e6:.1f} M samples/s (target >= 10 M)"
    )


def test_wall_time_until_the_history_is_queryable(compiled, tmp_path):
    _, store, scenario = compiled
    prom = Prometheus(tmp_path / "prom").start()
    try:
        src = open_source(scenario, str(store), None)
        m = src.manifest
        src.close()
        t = time.perf_counter()
        run = subprocess.run(
            [
                sys.executable,
                "-c",
                PEAK,
                "run",
                "metrics",
                "--scenario",
                scenario,
                "--store",
                str(store),
                "--prometheus",
                prom.url,
                "--anchor",
                "end",
                "--json",
            ],
            capture_output=True,
            text=True,
        )
        peak_mb = int(run.stderr.rsplit("PEAK_KB", 1)[1].split()[0]) / 1024
        pushed = time.perf_counter() - t
        assert run.returncode == 0, run.stderr
        minutes = (m.window.end_ms - m.window.start_ms) // 60000 + 1
        # raw samples of every series (count_over_time would drop names and collide)
        query = f'{{namespace="openrca-{CLOUDBED}"}}[{minutes}m]'
        at = (m.origin_ms + m.window.end_ms + json.loads(run.stdout)["offset_ms"]) / 1000
        while True:
            url = f"{prom.url}/api/v1/query?" + urllib.parse.urlencode(
                {"query": query, "time": f"{at:.3f}"}
            )
            result = json.load(urllib.request.urlopen(url, timeout=60))["data"]["result"]
            if sum(len(r["values"]) for r in result) >= m.counts.samples:
                break
            time.sleep(0.05)
        total = time.perf_counter() - t
        print(
            f"\nprometheus bench ({scenario}, {m.counts.samples} samples): pushed in {pushed:.2f} s, "
            f"whole history queryable after {total:.2f} s (process start included); replayer peak RSS {peak_mb:.0f} MB"
        )
    finally:
        prom.stop()
