"""The Helm values' scrape rules, run by a real Prometheus: replay namespaces keep only the recording.

The replay pods are real pods; a Prometheus that scrapes cAdvisor (AIOpsLab's chart does) would add
their own near-idle container_* series under the replay namespace and the dataset's pod names.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from support.prometheus import Prometheus

pytestmark = pytest.mark.integration
VALUES = Path(__file__).resolve().parents[2] / "k8s" / "manifests" / "prometheus-values.yaml"
EXPOSITION = """\
# TYPE container_cpu_usage_seconds_total counter
container_cpu_usage_seconds_total{namespace="openrca-cloudbed-1",pod="shippingservice-1",container="c"} 12.5
container_cpu_usage_seconds_total{namespace="nezha-train-ticket",pod="ts-order-service-0",container="x"} 4.0
container_cpu_usage_seconds_total{namespace="default",pod="web-0",container="web"} 3.5
container_cpu_usage_seconds_total{namespace="observe",pod="prometheus-server-0",container="prometheus"} 9.0
# TYPE container_memory_working_set_bytes gauge
container_memory_working_set_bytes{namespace="openrca-cloudbed-2",pod="frontend-0",container="frontend"} 1e6
container_memory_working_set_bytes{namespace="default",pod="web-0",container="web"} 2e6
"""


class Cadvisor:
    """Serves cAdvisor-style series for replay namespaces and for other namespaces."""

    def __init__(self):
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                body = EXPOSITION.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.target = f"127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def _cadvisor_rules():
    values = yaml.safe_load(VALUES.read_text())
    jobs = values["serverFiles"]["prometheus.yml"]["scrape_configs"]
    (job,) = [j for j in jobs if j["job_name"] == "kubernetes-cadvisor"]
    return job["metric_relabel_configs"]


def test_scraped_series_of_replay_namespaces_are_dropped(tmp_path):
    endpoint = Cadvisor()
    scrape = {
        "scrape_configs": [
            {
                "job_name": "cadvisor",
                "scrape_interval": "1s",
                "static_configs": [{"targets": [endpoint.target]}],
                "metric_relabel_configs": _cadvisor_rules(),
            }
        ]
    }
    prom = Prometheus(tmp_path / "prom", config=yaml.safe_dump(scrape)).start()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            seen = prom.query('count(container_memory_working_set_bytes{namespace="default"})')
            if seen:
                break
            time.sleep(0.5)
        namespaces = {
            r["metric"]["namespace"] for r in prom.query("{__name__=~'container_.+'}[1m]")
        }
    finally:
        prom.stop()
        endpoint.close()
    assert namespaces == {"default", "observe"}, namespaces
