"""How the deployer reaches the Prometheus an episode writes to."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from replaybed.k8s.prometheus import endpoint


class StubCluster:
    """Records proxy calls; answers from a script of (status, body)."""

    def __init__(self, answers):
        self.answers, self.calls = list(answers), []

    def proxy(self, method, **where):
        self.calls.append((method, where))
        return self.answers.pop(0)


def test_an_in_cluster_url_goes_through_the_service_proxy():
    cluster = StubCluster([(200, b"ok")])
    call = endpoint(cluster, "http://prometheus-server.observe.svc.cluster.local:80/prom")
    assert call("GET", "/api/v1/query", {"query": "up"}) == (200, b"ok")
    method, where = cluster.calls[0]
    assert method == "GET" and where == {
        "namespace": "observe",
        "service": "prometheus-server",
        "port": "80",
        "path": "/prom/api/v1/query",
        "params": {"query": "up"},
    }


def test_https_and_short_service_names():
    cluster = StubCluster([(200, b"")] * 2)
    endpoint(cluster, "https://prom.monitoring:9443")("POST", "/x", {})
    endpoint(cluster, "http://prom.monitoring.svc")("POST", "/x", {})
    assert [w["service"] for _, w in cluster.calls] == ["https:prom", "prom"]
    assert [w["port"] for _, w in cluster.calls] == ["9443", "80"]


def test_a_service_not_routed_yet_is_waited_for():
    slept = []
    cluster = StubCluster([(503, b"no endpoints available"), (503, b""), (200, b"ok")])
    call = endpoint(cluster, "http://p.observe:80", sleep=slept.append)
    assert call("GET", "/api/v1/query", {}) == (200, b"ok") and slept == [2.0, 2.0]
    stuck = StubCluster([(503, b"")] * 100)
    assert endpoint(stuck, "http://p.observe:80", wait_s=6, sleep=lambda s: None)(
        "GET", "/", {}
    ) == (503, b"")
    assert len(stuck.calls) == 4


def test_any_other_url_is_called_directly():
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_POST(self):
            seen.append(self.path)
            self.send_response(204)
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        status, _ = endpoint(StubCluster([]), url)("POST", "/api/v1/admin/x", {"match[]": "{a}"})
    finally:
        server.shutdown()
        server.server_close()
    assert status == 204 and seen == ["/api/v1/admin/x?match%5B%5D=%7Ba%7D"]
