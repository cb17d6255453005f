"""One incident per window in a shared, real Prometheus 2.42: episodes back to back in one namespace.

Two scenarios of the same cloudbed share namespace and series names (as every problem of a cloudbed
does in AIOpsLab), so without the window check an agent would read both incidents interleaved.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from support.prometheus import Prometheus

from replaybed.artifacts import bundle
from replaybed.schemas import wire
from replaybed.schemas.framing import MetricFrame, decode_frames
from replaybed.schemas.scenario_id import ScenarioId

pytestmark = pytest.mark.integration
A, B, C = "cloudbed-1/000", "cloudbed-1/001", "cloudbed-1/002"


def _run(store, url, scenario, *extra):
    cmd = [sys.executable, "-m", "replaybed", "run", "metrics", "--scenario", scenario]
    cmd += ["--store", str(store.backend.root), "--prometheus", url, "--json", "--anchor", "end"]
    return subprocess.run([*cmd, *extra], capture_output=True, text=True, timeout=300)


def _expected(store, scenario, shift_ms):
    """(labels, shifted ms, value) of every sample the scenario's window holds."""
    _, m = bundle.resolve(store, ScenarioId.parse(scenario))
    out = set()
    for ref in m.parts_of("metrics"):
        for frame in decode_frames(bundle.read_part(store, ref), MetricFrame):
            if m.window.contains(frame.t0 - m.origin_ms):
                for ts in wire.decode_write_request(bytes(frame.body)).timeseries:
                    labels = tuple(sorted((lb.name, lb.value) for lb in ts.labels))
                    out |= {(labels, s.timestamp + shift_ms, s.value) for s in ts.samples}
    return m, out


def _stored(prom, m, shift_ms):
    """Every raw sample of the namespace in the shifted window (a range selector, no lookback)."""
    start = m.origin_ms + m.window.start_ms + shift_ms
    end = m.origin_ms + m.window.end_ms + shift_ms - 1
    result = prom.query(f'{{namespace="{m.namespace}"}}[{end - start + 1}ms]', at_s=end / 1000)
    return {
        (tuple(sorted(r["metric"].items())), int(round(float(t) * 1000)), float(v))
        for r in result
        for t, v in r["values"]
    }


def _everything(prom, namespace):
    result = prom.query(f'{{namespace="{namespace}"}}[6h]')
    return {(tuple(sorted(r["metric"].items())), t, v) for r in result for t, v in r["values"]}


@pytest.fixture
def prometheus(tmp_path):
    prom = Prometheus(tmp_path / "prom").start()
    yield prom
    prom.stop()


def test_a_second_incident_is_refused_then_replaces_the_first(tiny_store, prometheus):
    first = _run(tiny_store, prometheus.url, A)
    assert first.returncode == 0, first.stderr
    a_report = json.loads(first.stdout)
    m_a, a_expected = _expected(tiny_store, A, a_report["offset_ms"])
    assert _stored(prometheus, m_a, a_report["offset_ms"]) == a_expected
    before = _everything(prometheus, m_a.namespace)

    refused = _run(tiny_store, prometheus.url, B)
    assert refused.returncode == 2, refused.stderr
    message = refused.stderr
    series_a = len({labels for labels, _, _ in a_expected})
    assert f"namespace {m_a.namespace}" in message
    assert f"holds {series_a} series" in message and " .. " in message and "--replace" in message
    assert _everything(prometheus, m_a.namespace) == before, "B wrote something"

    replaced = _run(tiny_store, prometheus.url, B, "--replace")
    assert replaced.returncode == 0, replaced.stderr
    b_report = json.loads(replaced.stdout)
    assert b_report["replaced_series"] == series_a and not b_report["lost"]
    m_b, b_expected = _expected(tiny_store, B, b_report["offset_ms"])
    stored = _stored(prometheus, m_b, b_report["offset_ms"])
    assert len(stored) == m_b.counts.samples == b_report["items"]
    assert stored == b_expected, "exactly B's samples, values exact"
    assert not (_everything(prometheus, m_b.namespace) & a_expected), "none of A's samples remain"


def test_samples_prometheus_cannot_delete_are_named_not_mixed(tiny_store, prometheus):
    """B backfills history older than A's latest sample: Prometheus ingests it out of order and
    cannot delete it (prometheus/prometheus#11790), so a third episode must refuse, not mix."""
    assert _run(tiny_store, prometheus.url, A).returncode == 0
    assert _run(tiny_store, prometheus.url, B, "--replace").returncode == 0
    before = _everything(prometheus, "openrca-cloudbed-1")
    third = _run(tiny_store, prometheus.url, C, "--replace")
    assert third.returncode == 2, third.stderr
    assert "prometheus/prometheus#11790" in third.stderr and "fresh TSDB" in third.stderr
    after = _everything(prometheus, "openrca-cloudbed-1")
    assert after <= before, "C wrote something into a window it could not clear"


def test_replace_without_the_admin_api_says_what_to_enable(tiny_store, tmp_path):
    prom = Prometheus(tmp_path / "noadmin", admin=False).start()
    try:
        assert _run(tiny_store, prom.url, A).returncode == 0
        done = _run(tiny_store, prom.url, B, "--replace")
    finally:
        prom.stop()
    assert done.returncode == 2
    assert "admin API is off" in done.stderr and "--web.enable-admin-api" in done.stderr
