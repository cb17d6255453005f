"""A recording fake of the `kubernetes` client's typed APIs (CoreV1Api, AppsV1Api, BatchV1Api).

Same method names and call shapes as the real client; objects live in a dict. Reads return
attribute-style objects, with a status that turns Running/Ready after `ready_after` reads, like a
cluster whose pods take a moment to start. API errors carry `.status` like `ApiException`.
"""

from __future__ import annotations

from types import SimpleNamespace


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
    def __init__(self, ready_after: int = 1, fail: dict | None = None):
        self.objects: dict[tuple[str, str | None, str], dict] = {}
        self.calls: list[tuple] = []
        self.reads: dict[tuple, int] = {}
        self.ready_after = ready_after
        self.fail = fail or {}  # (verb, kind) -> status
        self.core, self.apps, self.batch = _Api(self), _Api(self), _Api(self)

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
            return _ns({**self.objects[key], "status": self._status(kind, key)})
        if verb == "delete":
            del self.objects[key]
            if kind == "Namespace":
                for other in [k for k in self.objects if k[1] == name]:
                    del self.objects[other]
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
