"""A recording fake of the `kubernetes` client's typed APIs (CoreV1Api, AppsV1Api, BatchV1Api).

Same method names and call shapes as the real client (kubernetes 37.0.1, checked against its
generated code); objects live in a dict. Reads return attribute-style objects, with a status that
turns Running/Ready after `ready_after` reads, like a cluster whose pods take a moment to start.
API errors carry `.status` like `ApiException`.

As a real API server does, a deleted Namespace first turns `Terminating` (for `terminate_after`
reads) and refuses new content with 403 ("... because it is being terminated", the message of the
NamespaceLifecycle admission plugin) before it and its objects disappear. `services` maps
(namespace, service, port) to a real local URL: requests through the API server's service proxy
(`ApiClient.param_serialize` + `call_api`, as `KubeCluster.proxy` makes them) are forwarded there.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from types import SimpleNamespace
from urllib.parse import unquote, urlsplit


class ApiError(Exception):
    def __init__(self, status: int, reason: str = ""):
        super().__init__(f"({status}) {reason}")
        self.status, self.reason, self.body = status, reason, reason


MAPS = ("labels", "annotations", "data", "match_labels", "matchLabels", "selector")


def _ns(value):
    # like the client's models: objects with attributes, but string maps stay plain dicts
    if isinstance(value, dict):
        return SimpleNamespace(
            **{
                k: (dict(v) if k in MAPS and isinstance(v, dict) else _ns(v))
                for k, v in value.items()
            }
        )
    if isinstance(value, list):
        return [_ns(v) for v in value]
    return value


class FakeCluster:
    def __init__(
        self,
        ready_after: int = 1,
        fail: dict | None = None,
        terminate_after: int = 0,
        services: dict | None = None,
    ):
        self.objects: dict[tuple[str, str | None, str], dict] = {}
        self.calls: list[tuple] = []
        self.reads: dict[tuple, int] = {}
        self.ready_after = ready_after
        self.fail = fail or {}  # (verb, kind) -> status
        self.terminate_after = terminate_after
        self.terminating: dict[str, int] = {}  # namespace -> reads left until it is gone
        self.services = services or {}  # (namespace, service, port) -> base URL
        self.core, self.apps, self.batch = _Api(self), _Api(self), _Api(self)
        self.core.api_client = _ProxyClient(self)

    def _finish_termination(self, name: str) -> None:
        del self.terminating[name]
        for key in [k for k in self.objects if k[1] == name or k == ("Namespace", None, name)]:
            del self.objects[key]

    def _status(self, kind, key):
        n = self.reads.get(key, 0)
        ready = n >= self.ready_after
        cond = [{"type": "Ready", "status": "True" if ready else "False"}]
        if kind == "Pod":
            return {"phase": "Running" if ready else "Pending", "conditions": cond}
        if kind == "Deployment":
            return {"ready_replicas": 1 if ready else 0}
        if kind == "Job":
            return {"succeeded": 0, "failed": 0, "active": 1}
        return {}

    def handle(self, verb, kind, *args, body=None, label_selector=None, **kw):
        self.calls.append((verb, kind, args, label_selector))
        if (verb, kind) in self.fail:
            raise ApiError(
                self.fail[(verb, kind)], "Forbidden" if self.fail[(verb, kind)] == 403 else "error"
            )
        if verb == "create":
            ns = args[0] if args else None
            if ns in self.terminating:
                raise ApiError(
                    403,
                    f'namespaces "{ns}" is forbidden: unable to create new content in namespace '
                    f"{ns} because it is being terminated",
                )
            key = (kind, ns, body["metadata"]["name"])
            if key in self.objects:
                raise ApiError(409, "AlreadyExists")
            self.objects[key] = body
            return _ns(body)
        if verb == "list":
            ns = args[0]
            want = dict(p.split("=", 1) for p in label_selector.split(","))
            items = []
            for (k, n, name), obj in self.objects.items():
                labels = obj["metadata"].get("labels", {})
                if kind == "Pod" and k == "Job" and n == ns:
                    # a job's pod, as the job controller would create it
                    tmpl = obj["spec"]["template"]["metadata"]["labels"]
                    if all(tmpl.get(a) == b for a, b in want.items()):
                        key = ("Pod", n, name + "-pod")
                        self.reads[key] = self.reads.get(key, 0) + 1
                        items.append(
                            _ns(
                                {
                                    "metadata": {"name": name + "-pod", "labels": tmpl},
                                    "status": self._status("Pod", key),
                                }
                            )
                        )
                    continue
                if k == kind and n == ns and all(labels.get(a) == b for a, b in want.items()):
                    items.append(_ns({**obj, "status": self._status(kind, (k, n, name))}))
            return SimpleNamespace(items=items)
        name = args[0]
        ns = args[1] if len(args) > 1 else None
        key = (kind, ns, name)
        if key not in self.objects:
            raise ApiError(404, "NotFound")
        if verb == "read":
            self.reads[key] = self.reads.get(key, 0) + 1
            if kind == "Namespace" and name in self.terminating:
                if self.terminating[name] <= 0:
                    self._finish_termination(name)
                    raise ApiError(404, "NotFound")
                self.terminating[name] -= 1
                obj = self.objects[key]
                meta = {**obj["metadata"], "deletionTimestamp": "2026-11-30T00:00:00Z"}
                return _ns({**obj, "metadata": meta, "status": {"phase": "Terminating"}})
            return _ns({**self.objects[key], "status": self._status(kind, key)})
        if verb == "delete":
            if kind == "Namespace":
                self.terminating.setdefault(name, self.terminate_after)
                if self.terminating[name] <= 0:
                    self._finish_termination(name)
                return None
            del self.objects[key]
            return None
        raise AssertionError(verb)


class _Api:
    SUFFIX = {
        "namespace": "Namespace",
        "namespaced_config_map": "ConfigMap",
        "namespaced_service": "Service",
        "namespaced_pod": "Pod",
        "namespaced_deployment": "Deployment",
        "namespaced_job": "Job",
    }

    def __init__(self, cluster: FakeCluster):
        self._cluster = cluster

    def __getattr__(self, attr):
        verb, _, suffix = attr.partition("_")
        if suffix not in self.SUFFIX:
            raise AttributeError(attr)
        return lambda *a, **kw: self._cluster.handle(verb, self.SUFFIX[suffix], *a, **kw)


_PROXY = re.compile(r"^/api/v1/namespaces/([^/]+)/services/([^/]+)/proxy(/.*)$")


class _ProxyClient:
    """The two ApiClient methods `KubeCluster.proxy` uses, forwarding to `FakeCluster.services`."""

    HOST = "https://fake-apiserver:6443"

    def __init__(self, cluster: FakeCluster):
        self._cluster = cluster

    def param_serialize(
        self, method, resource_path, query_params=None, header_params=None, auth_settings=None, **kw
    ):
        from urllib.parse import urlencode

        query = f"?{urlencode(query_params)}" if query_params else ""
        headers = dict(header_params or {}, authorization="Bearer fake")
        return method, self.HOST + resource_path + query, headers, None, None

    def call_api(self, method, url, header_params=None, body=None, post_params=None, **kw):
        parts = urlsplit(url)
        match = _PROXY.match(parts.path)
        self._cluster.calls.append(("proxy", method, parts.path, parts.query))
        if match is None:
            return _Response(404, b"not a service proxy path")
        namespace, name, path = unquote(match[1]), unquote(match[2]), match[3]
        service, _, port = name.rpartition(":")
        target = self._cluster.services.get((namespace, service, port))
        if target is None:
            return _Response(503, f'no endpoints available for service "{name}"'.encode())
        forward = urllib.request.Request(
            target + path + (f"?{parts.query}" if parts.query else ""),
            method=method,
            data=b"" if method == "POST" else None,
        )
        try:
            with urllib.request.urlopen(forward, timeout=30) as response:
                return _Response(response.status, response.read())
        except urllib.error.HTTPError as exc:
            return _Response(exc.code, exc.read())


class _Response:
    def __init__(self, status: int, data: bytes):
        self.status, self.data = status, data

    def read(self) -> bytes:
        return self.data
