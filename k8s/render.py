"""Kubernetes objects of one deployed scenario, as plain dicts (pure; `--dry-run -o yaml` prints them).

In the namespace: a ConfigMap with the scenario's locator (URLs of its parts: presigned for S3,
file paths on a read-only volume for a local store — never store credentials); Jaeger
all-in-one with a Service named `jaeger` whose first port is the query port (AIOpsLab reads it);
one Pod per dataset pod, named as in the dataset and labelled `app=<service>`, printing its log
stream; two Jobs backfilling metrics into Prometheus and spans into Jaeger. Every container runs
as non-root with a read-only root filesystem and the same `--anchor`, so logs, metrics and
traces agree on when the fault happens.
"""

from __future__ import annotations

from replaybed.k8s.names import dns_label, label_value
from replaybed.k8s.spec import LOCATOR_PATH, MANAGED_BY, DeploySpec, PodSpec

READY_FILE = "/tmp/ready"
LABEL_SCENARIO = "replaybed.io/scenario"


def labels(spec: DeploySpec, **extra: str) -> dict[str, str]:
    return {
        "app.kubernetes.io/managed-by": MANAGED_BY,
        LABEL_SCENARIO: spec.scenario_label,
        **extra,
    }


ANNOTATIONS = {
    "scenario": "replaybed.io/scenario-id",
    "anchor": "replaybed.io/anchor",
    "prometheus": "replaybed.io/prometheus",
    "window": "replaybed.io/window-ms",
}


def _meta(spec: DeploySpec, name: str, **extra_labels: str) -> dict:
    return {
        "name": name,
        "namespace": spec.namespace,
        "labels": labels(spec, **extra_labels),
        "annotations": {
            ANNOTATIONS["scenario"]: spec.scenario,
            ANNOTATIONS["anchor"]: spec.anchor,
        },
    }


def namespace(spec: DeploySpec) -> dict:
    meta = _meta(spec, spec.namespace)
    meta.pop("namespace")
    # what `deploy down` needs to remove the episode's series without being told again
    meta["annotations"][ANNOTATIONS["prometheus"]] = spec.prometheus
    meta["annotations"][ANNOTATIONS["window"]] = f"{spec.window_start_ms},{spec.window_end_ms}"
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": meta}


def locator_configmap(spec: DeploySpec) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": _meta(spec, "replaybed-locator"),
        "data": {"locator.json": spec.locator_json},
    }


SECURITY = {
    "runAsNonRoot": True,
    "runAsUser": 10001,
    "runAsGroup": 10001,
    "readOnlyRootFilesystem": True,
    "allowPrivilegeEscalation": False,
    "capabilities": {"drop": ["ALL"]},
    "seccompProfile": {"type": "RuntimeDefault"},
}


def _volumes(spec: DeploySpec) -> tuple[list[dict], list[dict]]:
    volumes: list[dict] = [
        {"name": "locator", "configMap": {"name": "replaybed-locator"}},
        {"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}},
    ]
    mounts: list[dict] = [
        {"name": "locator", "mountPath": LOCATOR_PATH.rsplit("/", 1)[0], "readOnly": True},
        {"name": "tmp", "mountPath": "/tmp"},
    ]
    if spec.store_path:
        volumes.append(
            {"name": "store", "hostPath": {"path": spec.store_path, "type": "Directory"}}
        )
        mounts.append({"name": "store", "mountPath": spec.store_path, "readOnly": True})
    return volumes, mounts


def _replay_args(spec: DeploySpec, kind: str, *extra: str) -> list[str]:
    return [
        "replaybed",
        "run",
        kind,
        "--locator",
        LOCATOR_PATH,
        "--anchor",
        spec.anchor,
        "--ready-file",
        READY_FILE,
        *extra,
    ]


def _container(spec: DeploySpec, name: str, command: list[str], cpu: str, memory: str) -> dict:
    _, mounts = _volumes(spec)
    return {
        "name": name,
        "image": spec.image,
        "imagePullPolicy": "IfNotPresent",
        "command": command,
        "securityContext": SECURITY,
        "volumeMounts": mounts,
        "env": [{"name": "PYTHONUNBUFFERED", "value": "1"}, {"name": "HOME", "value": "/tmp"}],
        "resources": {
            "requests": {"cpu": "10m", "memory": "48Mi"},
            "limits": {"cpu": cpu, "memory": memory},
        },
        # the image has no shell; `test` is its one small binary besides python, and cheaper to
        # start every 2 s in every pod than an interpreter
        "readinessProbe": {"exec": {"command": ["test", "-f", READY_FILE]}, "periodSeconds": 2},
    }


def log_pod(spec: DeploySpec, pod: PodSpec) -> dict:
    volumes, _ = _volumes(spec)
    # --linger keeps the pod Running after the window ends, as a live pod would (no shell needed)
    command = _replay_args(spec, "logs", "--pod", pod.name, "--linger")
    meta = _meta(
        spec,
        pod.object_name,
        app=label_value(pod.service),
        **{"replaybed.io/pod": label_value(pod.name)},
    )
    meta["annotations"]["replaybed.io/dataset-pod"] = pod.name
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta,
        "spec": {
            "restartPolicy": "Never",
            "automountServiceAccountToken": False,
            "enableServiceLinks": False,
            "securityContext": {"runAsNonRoot": True, "fsGroup": 10001},
            "containers": [_container(spec, dns_label(pod.service), command, "200m", "128Mi")],
            "volumes": volumes,
        },
    }


def backfill_job(spec: DeploySpec, kind: str, target: list[str]) -> dict:
    volumes, _ = _volumes(spec)
    container = _container(spec, f"replay-{kind}", _replay_args(spec, kind, *target), "1", "512Mi")
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": _meta(spec, f"replaybed-{kind}", **{"replaybed.io/job": kind}),
        "spec": {
            "backoffLimit": 3,
            "template": {
                "metadata": {"labels": labels(spec, **{"replaybed.io/job": kind})},
                "spec": {
                    "restartPolicy": "OnFailure",
                    "automountServiceAccountToken": False,
                    "enableServiceLinks": False,
                    "securityContext": {"runAsNonRoot": True, "fsGroup": 10001},
                    "containers": [container],
                    "volumes": volumes,
                },
            },
        },
    }


def jaeger_max_traces(spec: DeploySpec) -> int:
    # room for the whole window twice over, so the in-memory store never evicts the incident
    return max(10_000, 2 * spec.traces)


def jaeger(spec: DeploySpec) -> list[dict]:
    sel = {"app": "jaeger", LABEL_SCENARIO: spec.scenario_label}
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _meta(spec, "jaeger", app="jaeger"),
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": sel},
            "template": {
                "metadata": {"labels": labels(spec, app="jaeger")},
                "spec": {
                    "automountServiceAccountToken": False,
                    "enableServiceLinks": False,
                    "securityContext": {"runAsNonRoot": True, "runAsUser": 10001},
                    "containers": [
                        {
                            "name": "jaeger",
                            "image": spec.jaeger_image,
                            "imagePullPolicy": "IfNotPresent",
                            "args": [f"--memory.max-traces={jaeger_max_traces(spec)}"],
                            "env": [{"name": "SPAN_STORAGE_TYPE", "value": "memory"}],
                            "ports": [
                                {"name": "query", "containerPort": 16686},
                                {"name": "collector", "containerPort": 14268},
                            ],
                            "readinessProbe": {
                                "httpGet": {"path": "/api/services", "port": 16686},
                                "periodSeconds": 2,
                            },
                            "securityContext": {
                                k: v
                                for k, v in SECURITY.items()
                                if k not in ("runAsUser", "runAsGroup")
                            },
                            "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
                            "resources": {
                                "requests": {"cpu": "100m", "memory": "256Mi"},
                                "limits": {
                                    "cpu": "1",
                                    "memory": f"{512 + jaeger_max_traces(spec) // 200}Mi",
                                },
                            },
                        }
                    ],
                    "volumes": [{"name": "tmp", "emptyDir": {"sizeLimit": "256Mi"}}],
                },
            },
        },
    }
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _meta(spec, "jaeger", app="jaeger"),
        "spec": {
            "selector": sel,
            "ports": [
                {"name": "query", "port": 16686, "targetPort": 16686},
                {"name": "collector", "port": 14268, "targetPort": 14268},
            ],
        },
    }
    return [deployment, service]


def objects(spec: DeploySpec) -> list[dict]:
    """Every object of the deploy, in apply order (namespace first, backfill jobs last)."""
    out = [namespace(spec), locator_configmap(spec), *jaeger(spec)]
    out += [log_pod(spec, p) for p in spec.pods]
    # `deploy up` has cleared the window before creating anything, and a restarted Job must not
    # mistake its own first attempt's samples for another episode's
    out.append(backfill_job(spec, "metrics", ["--prometheus", spec.prometheus, "--assume-clean"]))
    out.append(backfill_job(spec, "traces", ["--jaeger", "http://jaeger:14268"]))
    return out
