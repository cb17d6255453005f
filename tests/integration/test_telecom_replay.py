"""A Telecom scenario's metrics replayed into a real Prometheus 2.42: exactly its samples, values
exact, nothing else in its namespace. Telecom's series are sampled at a second of their own (not
on the minute), so this also replays many small remote-write frames."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from support.prometheus import Prometheus
from support.telecom import compile_into, make_tiny

from replaybed.artifacts import bundle
from replaybed.schemas import wire
from replaybed.schemas.framing import MetricFrame, decode_frames
from replaybed.schemas.scenario_id import ScenarioId

pytestmark = pytest.mark.integration
SCENARIO = "openrca-telecom/telecom/002"  # 2020-04-11 02:15 UTC+8, db connection limit on db_007


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    root = tmp_path_factory.mktemp("telecom-replay")
    return compile_into(make_tiny(root), root / "store", scenarios=("telecom/002",))


@pytest.fixture
def prometheus(tmp_path):
    prom = Prometheus(tmp_path / "prom").start()
    yield prom
    prom.stop()


def test_a_telecom_scenario_replays_exactly(store, prometheus):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "replaybed",
            "run",
            "metrics",
            "--scenario",
            SCENARIO,
            "--store",
            str(store.backend.root),
            "--prometheus",
            prometheus.url,
            "--json",
            "--anchor",
            "end",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    shift = report["offset_ms"]
    _, m = bundle.resolve(store, ScenarioId.parse(SCENARIO))
    assert m.namespace == "openrca-telecom" and m.signals == ("metrics", "traces")
    expected = set()
    for ref in m.parts_of("metrics"):
        for frame in decode_frames(bundle.read_part(store, ref), MetricFrame):
            for ts in wire.decode_write_request(bytes(frame.body)).timeseries:
                for s in ts.samples:
                    if m.window.contains(s.timestamp - m.origin_ms):
                        labels = tuple(sorted((lb.name, lb.value) for lb in ts.labels))
                        expected.add((labels, s.timestamp + shift, s.value))
    start = m.origin_ms + m.window.start_ms + shift
    end = m.origin_ms + m.window.end_ms + shift - 1
    result = prometheus.query(
        f'{{namespace="{m.namespace}"}}[{end - start + 1}ms]', at_s=end / 1000
    )
    stored = {
        (tuple(sorted(r["metric"].items())), int(round(float(t) * 1000)), float(v))
        for r in result
        for t, v in r["values"]
    }
    assert len(stored) == m.counts.samples == report["items"] == len(expected)
    assert stored == expected
    names = {dict(labels)["__name__"] for labels, _, _ in stored}
    assert {"service_Sess_Connect", "container_cpu_used", "app_num"} <= names
    limit = {
        v
        for labels, _, v in stored
        if dict(labels)["__name__"] == "service_Sess_Connect"
        and dict(labels)["service"] == "db_007"
    }
    assert 500.0 in limit, "the fault's signature reaches Prometheus"
