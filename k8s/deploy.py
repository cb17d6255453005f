"""`deploy up|down|status` logic over a `KubeCluster` (the shell around `render`).

`up` renders, creates what is missing (a second `up` of the same scenario changes nothing and
reuses the first anchor), then waits until every log pod is Running and Ready (its history is
printed), Jaeger answers, and both backfill Jobs report Ready (their history is pushed). `down`
deletes what `up` made: the namespace when `up` created it, else only objects carrying its labels.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from replaybed.artifacts import bundle
from replaybed.artifacts.locator import locate
from replaybed.artifacts.store import Store
from replaybed.k8s import render
from replaybed.k8s.cluster import KubeCluster
from replaybed.k8s.cluster import field as get
from replaybed.k8s.errors import ClusterError, DeployConfigError
from replaybed.k8s.spec import DEFAULT_IMAGE, DEFAULT_PROMETHEUS, DeploySpec, PodSpec
from replaybed.schemas.scenario_id import ScenarioId

SELECTOR = "app.kubernetes.io/managed-by=replaybed"


def build_spec(
    store: Store,
    scenario: str,
    namespace: str | None = None,
    image: str = DEFAULT_IMAGE,
    prometheus: str = DEFAULT_PROMETHEUS,
    anchor: str | None = None,
    expires_s: int = 7 * 86400,
) -> DeploySpec:
    sid = ScenarioId.parse(scenario)
    _, manifest = bundle.resolve(store, sid)
    loc = locate(store, sid, expires_s)
    store_path = None
    if store.url.startswith("file://"):
        store_path = str(Path(store.url[len("file://") :]))
    return DeploySpec(
        scenario=str(sid),
        namespace=namespace or manifest.namespace,
        anchor=anchor or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        locator_json=loc.to_json().decode(),
        pods=tuple(PodSpec(p.name, p.service) for p in manifest.pods),
        traces=manifest.counts.traces,
        image=image,
        prometheus=prometheus,
        store_path=store_path,
    )


@dataclass
class UpResult:
    namespace: str
    scenario: str
    anchor: str
    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    seconds: float = 0.0
    ready: dict[str, bool] = field(default_factory=dict)


def _name(obj: dict) -> str:
    return f"{obj['kind']}/{obj['metadata']['name']}"


def existing_anchor(cluster: KubeCluster, spec: DeploySpec) -> str | None:
    """The anchor of a deploy already in the namespace, refusing a namespace that holds something else."""
    ns = cluster.read("Namespace", spec.namespace)
    if ns is None:
        return None
    annotations = get(ns, "metadata", "annotations", default={}) or {}
    owner = annotations.get("replaybed.io/scenario-id")
    if owner is None:
        raise DeployConfigError(
            f"namespace {spec.namespace} exists and was not created by replaybed; "
            f"choose another with --namespace"
        )
    if owner != spec.scenario:
        raise DeployConfigError(
            f"namespace {spec.namespace} already runs scenario {owner}; "
            f"run `replaybed deploy down --namespace {spec.namespace}` first"
        )
    return annotations.get("replaybed.io/anchor")


def up(
    cluster: KubeCluster,
    spec: DeploySpec,
    timeout_s: float = 600,
    wait: bool = True,
    clock=time.monotonic,
    sleep=time.sleep,
) -> UpResult:
    began = clock()
    previous = existing_anchor(cluster, spec)
    if previous and previous != spec.anchor:
        spec = DeploySpec(**{**spec.__dict__, "anchor": previous})
    result = UpResult(spec.namespace, spec.scenario, spec.anchor)
    for obj in render.objects(spec):
        (result.created if cluster.create(obj) else result.existing).append(_name(obj))
    if wait:
        result.ready = wait_ready(cluster, spec, began + timeout_s, clock, sleep)
    result.seconds = round(clock() - began, 3)
    return result


def _ready_condition(obj) -> bool:
    conditions = get(obj, "status", "conditions", default=[]) or []
    return any(get(c, "type") == "Ready" and get(c, "status") == "True" for c in conditions)


def readiness(cluster: KubeCluster, spec: DeploySpec) -> dict[str, bool]:
    state: dict[str, bool] = {}
    for p in spec.pods:
        pod = cluster.read("Pod", p.name, spec.namespace)
        state[f"pod/{p.name}"] = get(pod, "status", "phase") == "Running" and _ready_condition(pod)
    dep = cluster.read("Deployment", "jaeger", spec.namespace)
    state["deployment/jaeger"] = (
        get(dep, "status", "ready_replicas", default=0)
        or get(dep, "status", "readyReplicas", default=0)
    ) >= 1
    for kind in ("metrics", "traces"):
        pods = cluster.list("Pod", spec.namespace, f"replaybed.io/job={kind}")
        job = cluster.read("Job", f"replaybed-{kind}", spec.namespace)
        done = (get(job, "status", "succeeded", default=0) or 0) >= 1
        failed = (get(job, "status", "failed", default=0) or 0) >= 4
        if failed:
            raise ClusterError(
                f"job replaybed-{kind} in {spec.namespace} failed; "
                f"see `kubectl logs -n {spec.namespace} job/replaybed-{kind}`"
            )
        state[f"job/replaybed-{kind}"] = done or any(_ready_condition(p) for p in pods)
    return state


def wait_ready(
    cluster: KubeCluster, spec: DeploySpec, deadline: float, clock, sleep
) -> dict[str, bool]:
    while True:
        state = readiness(cluster, spec)
        if all(state.values()):
            return state
        if clock() >= deadline:
            missing = [k for k, v in state.items() if not v]
            raise ClusterError(
                f"{spec.namespace}: not ready before the timeout: {', '.join(missing[:8])}"
                f"{' ...' if len(missing) > 8 else ''}"
            )
        sleep(2)


def down(cluster: KubeCluster, namespace: str) -> list[str]:
    ns = cluster.read("Namespace", namespace)
    if ns is None:
        return []
    labels = get(ns, "metadata", "labels", default={}) or {}
    if labels.get("app.kubernetes.io/managed-by") == "replaybed":
        cluster.delete("Namespace", namespace)
        return [f"Namespace/{namespace}"]
    removed = []
    for kind in ("Job", "Pod", "Deployment", "Service", "ConfigMap"):
        for obj in cluster.list(kind, namespace, SELECTOR):
            name = get(obj, "metadata", "name")
            if cluster.delete(kind, name, namespace):
                removed.append(f"{kind}/{name}")
    return removed


def status(cluster: KubeCluster, namespace: str) -> dict:
    ns = cluster.read("Namespace", namespace)
    if ns is None:
        return {"namespace": namespace, "deployed": False}
    annotations = get(ns, "metadata", "annotations", default={}) or {}
    pods = cluster.list("Pod", namespace, SELECTOR)

    def job_of(p):
        return (get(p, "metadata", "labels", default={}) or {}).get("replaybed.io/job")

    return {
        "namespace": namespace,
        "deployed": True,
        "scenario": annotations.get("replaybed.io/scenario-id"),
        "anchor": annotations.get("replaybed.io/anchor"),
        "pods": {
            get(p, "metadata", "name"): {
                "phase": get(p, "status", "phase"),
                "ready": _ready_condition(p),
            }
            for p in pods
            if not job_of(p)
        },
        "backfill": {
            job_of(p): {"phase": get(p, "status", "phase"), "history_pushed": _ready_condition(p)}
            for p in pods
            if job_of(p)
        },
    }
