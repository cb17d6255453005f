"""The real Nezha slice replayed: Prometheus 2.42 stores every sample exactly (NaN included), the
Jaeger stand-in receives every span once, `run logs` prints every line byte for byte."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter

import pytest
from click.testing import CliRunner
from support.jaeger_collector import Collector
from support.nezha import SCENARIOS, compile_fixture, log_rows, span_rows, value_key
from support.prometheus import Prometheus

from replaybed.artifacts import bundle
from replaybed.compile.datasets.nezha.catalog import service_of
from replaybed.main import cli
from replaybed.runtime.clock import rfc3339
from replaybed.schemas import wire
from replaybed.schemas.framing import decode_part
from replaybed.schemas.scenario_id import ScenarioId

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return compile_fixture(tmp_path_factory.mktemp("nezha") / "store")


def _manifest(store, sid):
    return bundle.resolve(store, ScenarioId.parse(sid))[1]


def _run(store, kind, sid, *extra):
    cmd = [sys.executable, "-m", "replaybed", "run", kind, "--scenario", sid]
    cmd += ["--store", str(store.backend.root), "--anchor", "end", *extra]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("sid", [SCENARIOS[0], SCENARIOS[2]])
def test_metrics_land_in_prometheus_exactly(store, sid, tmp_path):
    m = _manifest(store, sid)
    prom = Prometheus(tmp_path / "prom").start()
    try:
        done = _run(store, "metrics", sid, "--prometheus", prom.url, "--json")
        assert done.returncode == 0, done.stderr
        report = json.loads(done.stdout)
        shift = report["offset_ms"]
        expected = Counter()
        for ref in m.parts_of("metrics"):
            for frame in decode_part(bundle.read_part(store, ref)).frames:
                if m.window.contains(frame.t0 - m.origin_ms):
                    for ts in wire.decode_write_request(bytes(frame.body)).timeseries:
                        labels = tuple(sorted((lb.name, lb.value) for lb in ts.labels))
                        for s in ts.samples:
                            expected[(labels, s.timestamp + shift, value_key(s.value))] += 1
        end_s = (m.origin_ms + m.window.end_ms + shift) / 1000
        minutes = (m.window.end_ms - m.window.start_ms) // 60_000 + 1
        result = prom.query(f'{{namespace="{m.namespace}"}}[{minutes}m]', at_s=end_s)
        got = Counter(
            (tuple(sorted(r["metric"].items())), int(round(float(t) * 1000)), value_key(float(v)))
            for r in result
            for t, v in r["values"]
        )
    finally:
        prom.stop()
    assert report["items"] == m.counts.samples == sum(got.values()) and not report["lost"]
    assert got == expected
    if m.system == "train-ticket":
        assert any(k[2] == "NaN" for k in got), "the TT latency NaNs are stored as NaN"


def test_traces_reach_the_collector_once_each(store):
    sid = SCENARIOS[0]
    m = _manifest(store, sid)
    with Collector() as collector:
        result = CliRunner().invoke(
            cli,
            [
                "run",
                "traces",
                "--scenario",
                sid,
                "--store",
                str(store.backend.root),
                "--jaeger",
                collector.url,
                "--anchor",
                "end",
                "--json",
            ],
        )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output.strip().splitlines()[-1])
    shift_us = report["offset_ms"] * 1000
    got = Counter()
    for batch in collector.batches:
        for span in batch.spans:
            got[
                (
                    f"{span.traceIdHigh & (2**64 - 1):016x}{span.traceIdLow & (2**64 - 1):016x}",
                    f"{span.spanId & (2**64 - 1):016x}",
                    batch.process.serviceName,
                    span.operationName,
                    span.startTime - shift_us,
                    span.duration,
                )
            ] += 1
    expected = Counter(
        (
            s["trace"],
            s["span"],
            service_of(s["pod"]),
            s["operation"],
            s["start_us"],
            s["duration_us"],
        )
        for s in span_rows(m.system)
        if m.window.contains(s["start_us"] // 1000 - m.origin_ms)
    )
    assert got == expected and report["items"] == m.counts.spans == 3138


@pytest.mark.parametrize("sid", [SCENARIOS[0], SCENARIOS[2]])
def test_logs_print_byte_exact(store, sid):
    m = _manifest(store, sid)
    pod = max(m.pods, key=lambda p: p.log_lines).name
    done = _run(store, "logs", sid, "--pod", pod, "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stderr.strip().splitlines()[-1])
    rows = sorted(
        (r for r in log_rows(m.system) if r["pod"] == pod),
        key=lambda r: (r["t_ms"], r["order"]),
    )
    rows = [r for r in rows if m.window.contains(r["t_ms"] - m.origin_ms)]
    shift = report["offset_ms"]
    expected = "".join(f"{rfc3339(r['t_ms'] + shift)} {r['text']}\n" for r in rows)
    assert done.stdout == expected
    assert len(rows) == next(p.log_lines for p in m.pods if p.name == pod) > 50
    assert report["items"] == len(rows) and not report["lost"]
