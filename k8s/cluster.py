"""The thin seam to a Kubernetes API server: create/read/delete/list by kind, errors translated.

`KubeCluster` wraps the official `kubernetes` client's typed APIs; tests pass recording fakes
with the same method names. Objects go in as plain dicts (what `render` produces) and come back
as the client's models; `field()` reads either.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from replaybed.k8s.errors import ClusterError

# kind -> (api attribute, method suffix, namespaced)
KINDS = {
    "Namespace": ("core", "namespace", False),
    "ConfigMap": ("core", "namespaced_config_map", True),
    "Service": ("core", "namespaced_service", True),
    "Pod": ("core", "namespaced_pod", True),
    "Deployment": ("apps", "namespaced_deployment", True),
    "Job": ("batch", "namespaced_job", True),
}


def field(obj: Any, *path: str, default=None):
    for key in path:
        if obj is None:
            return default
        obj = obj.get(key) if isinstance(obj, dict) else getattr(obj, key, None)
    return default if obj is None else obj


class KubeCluster:
    def __init__(self, core=None, apps=None, batch=None, where: str = "the cluster"):
        self.apis = {"core": core, "apps": apps, "batch": batch}
        self.where = where

    @classmethod
    def connect(cls, kubeconfig: str | None = None, context: str | None = None) -> KubeCluster:
        from kubernetes import client, config

        try:
            config.load_kube_config(config_file=kubeconfig, context=context)
            where = f"kubeconfig context {context or '(current)'}"
        except Exception:
            try:
                config.load_incluster_config()
                where = "the in-cluster API"
            except Exception as exc:
                raise ClusterError(
                    f"no Kubernetes API configured: no usable kubeconfig ({kubeconfig or '~/.kube/config'}) "
                    f"and not running in a cluster ({exc})"
                ) from None
        return cls(client.CoreV1Api(), client.AppsV1Api(), client.BatchV1Api(), where)

    def _call(self, kind: str, verb: str, *args, **kwargs):
        api_name, suffix, namespaced = KINDS[kind]
        method = getattr(self.apis[api_name], f"{verb}_{suffix}")
        try:
            return method(*args, **kwargs)
        except Exception as exc:
            status = getattr(exc, "status", None)
            if status in (404, 409):
                raise
            reason = getattr(exc, "reason", None) or type(exc).__name__
            body = str(getattr(exc, "body", "") or exc)[:300]
            hint = " (check RBAC for this user)" if status == 403 else ""
            raise ClusterError(
                f"{verb} {kind} via {self.where} failed: {status or ''} {reason}: {body}{hint}"
            ) from None

    def create(self, obj: dict) -> bool:
        """Create; False if it already exists (409)."""
        kind, ns = obj["kind"], obj["metadata"].get("namespace")
        try:
            if KINDS[kind][2]:
                self._call(kind, "create", ns, body=obj)
            else:
                self._call(kind, "create", body=obj)
            return True
        except Exception as exc:
            if getattr(exc, "status", None) == 409:
                return False
            raise

    def read(self, kind: str, name: str, namespace: str | None = None):
        try:
            return (
                self._call(kind, "read", name, namespace)
                if KINDS[kind][2]
                else self._call(kind, "read", name)
            )
        except Exception as exc:
            if getattr(exc, "status", None) == 404:
                return None
            raise

    def delete(self, kind: str, name: str, namespace: str | None = None) -> bool:
        try:
            args = (name, namespace) if KINDS[kind][2] else (name,)
            self._call(kind, "delete", *args, propagation_policy="Background")
            return True
        except Exception as exc:
            if getattr(exc, "status", None) == 404:
                return False
            raise

    def list(self, kind: str, namespace: str, selector: str) -> list:
        return list(
            field(self._call(kind, "list", namespace, label_selector=selector), "items", default=[])
        )

    def proxy(
        self,
        method: str,
        *,
        namespace: str,
        service: str,
        port: str,
        path: str,
        params: dict[str, str],
    ) -> tuple[int, bytes]:
        """An HTTP request to a Service through the API server's proxy: (status, body).

        This is how the deployer reaches an in-cluster Prometheus from outside the cluster, with
        the kubeconfig's credentials and no port-forward. Raises OSError when the API server
        cannot be reached; HTTP errors of the proxied service come back as the status.
        """
        api_client = self.apis["core"].api_client
        resource = (
            f"/api/v1/namespaces/{quote(namespace, safe='')}/services/"
            f"{quote(service, safe=':')}:{quote(port, safe='')}/proxy{path}"
        )
        method, url, headers, body, post_params = api_client.param_serialize(
            method,
            resource,
            query_params=list(params.items()),
            header_params={"Accept": "application/json"},
            auth_settings=["BearerToken"],
        )
        try:
            response = api_client.call_api(
                method,
                url,
                header_params=headers,
                body=body,
                post_params=post_params,
                _request_timeout=60,
            )
            return response.status, response.read() or b""
        except Exception as exc:
            status = getattr(exc, "status", None)
            if status:
                return status, str(getattr(exc, "body", "") or exc).encode()
            raise OSError(f"{method} {resource} via {self.where}: {exc}") from exc
