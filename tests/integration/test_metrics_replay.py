"""`run metrics` into a real Prometheus 2.42: every sample lands, exactly shifted, despite faults."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from support.prometheus import Prometheus

from replaybed.artifacts import bundle
from replaybed.schemas import wire
from replaybed.schemas.framing import decode_part
from replaybed.schemas.scenario_id import ScenarioId

pytestmark = pytest.mark.integration
SCENARIO = "cloudbed-1/000"


def _run(store, url, *extra):
    cmd = [
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
        url,
        "--json",
        *extra,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300)


def _expected(store, shift_ms):
    _, m = bundle.resolve(store, ScenarioId.parse(SCENARIO))
    out = set()
    for ref in m.parts_of("metrics"):
        for frame in decode_part(bundle.read_part(store, ref)).frames:
            if m.window.contains(frame.t0 - m.origin_ms):
                for ts in wire.decode_write_request(bytes(frame.body)).timeseries:
                    labels = tuple(sorted((lb.name, lb.value) for lb in ts.labels))
                    out |= {(labels, s.timestamp + shift_ms, s.value) for s in ts.samples}
    return m, out


def _stored(prom, m, shift_ms):
    end_s = (m.origin_ms + m.window.end_ms + shift_ms) / 1000
    minutes = (m.window.end_ms - m.window.start_ms) // 60_000 + 1
    result = prom.query(f'{{namespace="{m.namespace}"}}[{minutes}m]', at_s=end_s)
    return {
        (tuple(sorted(r["metric"].items())), int(round(float(t) * 1000)), float(v))
        for r in result
        for t, v in r["values"]
    }


@pytest.fixture
def prometheus(tmp_path):
    prom = Prometheus(tmp_path / "prom").start()
    yield prom
    prom.stop()


def test_every_sample_is_queryable_exactly_shifted(tiny_store, prometheus):
    done = _run(tiny_store, prometheus.url, "--anchor", "end")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    m, expected = _expected(tiny_store, report["offset_ms"])
    assert report["items"] == m.counts.samples == len(expected) and not report["lost"]
    assert _stored(prometheus, m, report["offset_ms"]) == expected
    per_series = {}
    for labels, _, _ in expected:
        per_series[labels] = per_series.get(labels, 0) + 1
    assert len(per_series) == m.counts.series


def test_a_prometheus_that_comes_up_late_gets_everything(tiny_store, prometheus):
    prometheus.stop()
    anchor = (datetime.now(UTC) - timedelta(minutes=30)).isoformat()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "replaybed",
            "run",
            "metrics",
            "--scenario",
            SCENARIO,
            "--store",
            str(tiny_store.backend.root),
            "--prometheus",
            prometheus.url,
            "--json",
            "--anchor",
            anchor,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(3)
    assert proc.poll() is None, "the replay must wait for a refused connection, not give up"
    prometheus.start()
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    report = json.loads(out)
    m, expected = _expected(tiny_store, report["offset_ms"])
    assert _stored(prometheus, m, report["offset_ms"]) >= {
        e for e in expected if e[1] <= time.time() * 1000
    }
    assert report["retried"] >= 1


class FlakyProxy:
    """Answers 429 and 503 to the first pushes, then forwards them to the real Prometheus.

    Queries (the window check before a replay) are forwarded untouched and not counted.
    """

    def __init__(self, target: str, failures=(429, 503, 503)):
        self.failures, self.seen = list(failures), 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                try:
                    with urllib.request.urlopen(target + self.path, timeout=30) as r:
                        status, answer = r.status, r.read()
                except urllib.error.HTTPError as exc:
                    status, answer = exc.code, exc.read()
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                proxy.seen += 1
                if proxy.failures:
                    status = proxy.failures.pop(0)
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                req = urllib.request.Request(
                    target + self.path,
                    data=body,
                    method="POST",
                    headers={k: v for k, v in self.headers.items() if k.lower() != "host"},
                )
                try:
                    with urllib.request.urlopen(req, timeout=30) as r:
                        status, answer = r.status, r.read()
                except urllib.error.HTTPError as exc:
                    status, answer = exc.code, exc.read()
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def test_429_and_503_are_retried_and_nothing_is_lost(tiny_store, prometheus):
    proxy = FlakyProxy(prometheus.url)
    try:
        done = _run(tiny_store, proxy.url, "--anchor", "end")
    finally:
        proxy.server.shutdown()
        proxy.server.server_close()
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    # three refusals, then every request once
    assert report["retried"] == 3 and proxy.seen == 3 + report["requests"]
    m, expected = _expected(tiny_store, report["offset_ms"])
    assert _stored(prometheus, m, report["offset_ms"]) == expected


def test_a_too_old_sample_is_reported_not_retried_forever(tiny_store, prometheus):
    assert _run(tiny_store, prometheus.url, "--anchor", "end").returncode == 0
    ancient = (datetime.now(UTC) - timedelta(hours=8)).isoformat()
    began = time.monotonic()
    done = _run(tiny_store, prometheus.url, "--anchor", ancient)
    assert time.monotonic() - began < 60
    assert done.returncode == 3
    report = json.loads(done.stdout)
    assert report["lost"] and report["rejected_items"] == report["rejected_items"] > 0
    assert "too old" in done.stderr or "too old" in json.dumps(report["errors"])
