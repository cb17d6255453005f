"""A compiled OpenRCA Bank scenario replayed into a real Prometheus 2.42: every sample, exactly.

The Bank twin keeps each series at the real 60-s interval through the whole window, so every
series of the scenario must hold exactly one sample per minute of its window (90 with the
default 60 minutes before and 30 after), values and shifted times exact.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter

import pytest
from support.prometheus import Prometheus

from replaybed.artifacts import bundle
from replaybed.artifacts.store import Store
from replaybed.compile import pipeline
from replaybed.compile.datasets.openrca_bank.synth.generate import Request, generate
from replaybed.schemas import wire
from replaybed.schemas.framing import MetricFrame, decode_frames
from replaybed.schemas.scenario_id import ScenarioId

pytestmark = pytest.mark.integration
SCENARIO = ScenarioId("openrca-bank", "bank", "000")  # Mysql02 high memory usage, 2021-03-04 14:57


@pytest.fixture(scope="module")
def bank_store(tmp_path_factory):
    root = tmp_path_factory.mktemp("bank")
    generate(Request(root / "tiny", "tiny"))
    store = Store.open(str(root / "store"))
    pipeline.run(
        pipeline.CompileRequest(root / "tiny", "openrca-bank", scenarios=(SCENARIO,)), store
    )
    return store


@pytest.fixture
def prometheus(tmp_path):
    prom = Prometheus(tmp_path / "prom").start()
    yield prom
    prom.stop()


def test_a_bank_scenario_lands_in_prometheus_exactly(bank_store, prometheus):
    cmd = [sys.executable, "-m", "replaybed", "run", "metrics", "--scenario", str(SCENARIO)]
    cmd += ["--store", str(bank_store.backend.root), "--prometheus", prometheus.url]
    done = subprocess.run(
        [*cmd, "--json", "--anchor", "end"], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    shift = report["offset_ms"]
    _, m = bundle.resolve(bank_store, SCENARIO)
    expected = set()
    for ref in m.parts_of("metrics"):
        for frame in decode_frames(bundle.read_part(bank_store, ref), MetricFrame):
            if m.window.contains(frame.t0 - m.origin_ms):
                for ts in wire.decode_write_request(bytes(frame.body)).timeseries:
                    labels = tuple(sorted((lb.name, lb.value) for lb in ts.labels))
                    expected |= {(labels, s.timestamp + shift, s.value) for s in ts.samples}
    start = m.origin_ms + m.window.start_ms + shift
    end = m.origin_ms + m.window.end_ms + shift - 1
    result = prometheus.query(f'{{namespace="openrca-bank"}}[{end - start + 1}ms]', at_s=end / 1000)
    stored = {
        (tuple(sorted(r["metric"].items())), int(round(float(t) * 1000)), float(v))
        for r in result
        for t, v in r["values"]
    }
    assert report["items"] == m.counts.samples == len(expected) == len(stored)
    assert stored == expected and not report["lost"]
    minutes = (m.window.end_ms - m.window.start_ms) // 60_000
    per_series = Counter(labels for labels, _, _ in stored)
    assert len(per_series) == m.counts.series and set(per_series.values()) == {minutes} == {90}
    # the faulted host's memory series is there, and at ~96 % from the fault on
    mem = sorted(
        (t - shift, v)
        for labels, t, v in stored
        if dict(labels)["__name__"] == "OSLinux_MEMORY_MEMUsedMemPerc"
        and dict(labels)["pod"] == "Mysql02"
    )
    assert len(mem) == 90
    assert all(v > 80 for t, v in mem if 0 <= t - m.origin_ms < 300_000)
    assert all(v < 80 for t, v in mem if t - m.origin_ms < 0)
