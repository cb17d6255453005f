"""Reaching the Prometheus an episode writes to, from wherever `replaybed deploy` runs.

The backfill Job writes to an in-cluster URL (`http://prometheus-server.observe.svc.cluster.local:80`
by default), which the deployer's machine usually cannot resolve. Such a URL is reached through the
Kubernetes API server's service proxy with the kubeconfig's credentials; any other URL directly.
"""

from __future__ import annotations

import re
import time
import urllib.error
import urllib.request
from urllib.parse import urlencode, urlparse

from replaybed.k8s.cluster import KubeCluster
from replaybed.schemas.prometheus_api import Call

# <service>.<namespace>[.svc[.cluster.local]]
_IN_CLUSTER = re.compile(
    r"^(?P<service>[a-z0-9]([-a-z0-9]*[a-z0-9])?)\.(?P<namespace>[a-z0-9]([-a-z0-9]*[a-z0-9])?)"
    r"(\.svc(\.cluster\.local)?)?$"
)


# A restarted Prometheus is Ready a moment before its Service routes to it; the proxy answers 503
# "no endpoints available" meanwhile
NOT_ROUTED_YET = (502, 503)


def endpoint(cluster: KubeCluster, url: str, *, wait_s: float = 60.0, sleep=time.sleep) -> Call:
    parsed = urlparse(url)
    match = _IN_CLUSTER.match(parsed.hostname or "")
    prefix = parsed.path.rstrip("/")
    if match is None:
        return _direct(url.rstrip("/"))
    port = str(parsed.port or (443 if parsed.scheme == "https" else 80))
    # the proxy names an https backend as https:<service>:<port>
    service = f"https:{match['service']}" if parsed.scheme == "https" else match["service"]

    def call(method: str, path: str, params: dict[str, str]) -> tuple[int, bytes]:
        waited = 0.0
        while True:
            status, body = cluster.proxy(
                method,
                namespace=match["namespace"],
                service=service,
                port=port,
                path=prefix + path,
                params=params,
            )
            if status not in NOT_ROUTED_YET or waited >= wait_s:
                return status, body
            sleep(2.0)
            waited += 2.0

    return call


def _direct(base: str) -> Call:
    def call(method: str, path: str, params: dict[str, str]) -> tuple[int, bytes]:
        url = base + path + (f"?{urlencode(params)}" if params else "")
        request = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    return call
