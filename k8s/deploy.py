"""`deploy up|down|status` logic over a `KubeCluster` (the shell around `render`).

Episodes run back to back in one namespace and one Prometheus, so `up` first takes over a
namespace an earlier replay left (deletes it and waits until it is gone) and makes sure the
Prometheus window it is about to fill holds no series of the namespace (refusing, or with
`replace` deleting them); then it renders, creates what is missing (a second `up` of the same
scenario changes nothing and reuses the first anchor) and waits until every log pod is Running and
Ready (its history is printed), Jaeger answers, and both backfill Jobs report Ready (their history
is pushed). `down` deletes the namespace's series, then what `up` made (the namespace when `up`
created it, else only objects carrying its labels), and waits until the namespace is gone.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from replaybed.artifacts import bundle
from replaybed.artifacts.locator import locate
from replaybed.artifacts.store import Store
from replaybed.k8s import render
from replaybed.k8s.cluster import KubeCluster
from replaybed.k8s.cluster import field as get
from replaybed.k8s.errors import ClusterError, DeployConfigError, DeployError
from replaybed.k8s.names import pod_names
from replaybed.k8s.render import ANNOTATIONS
from replaybed.k8s.spec import DEFAULT_IMAGE, DEFAULT_PROMETHEUS, MANAGED_BY, DeploySpec, PodSpec
from replaybed.schemas import prometheus_api
from replaybed.schemas.manifest import Manifest
from replaybed.schemas.prometheus_api import Call
from replaybed.schemas.scenario_id import ScenarioId

SELECTOR = "app.kubernetes.io/managed-by=replaybed"


def build_spec(
    store: Store,
    scenario: str,
    *,
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
        # a pod per dataset pod prints its logs; a dataset without logs gets no such pods
        pods=log_pods(manifest),
        traces=manifest.counts.traces,
        window_start_ms=manifest.window.start_ms,
        window_end_ms=manifest.window.end_ms,
        image=image,
        prometheus=prometheus,
        store_path=store_path,
    )


def log_pods(manifest: Manifest) -> tuple[PodSpec, ...]:
    """A pod per dataset pod, printing its logs; a recording without logs gets none."""
    if "logs" not in manifest.signals:
        return ()
    kube = pod_names([p.name for p in manifest.pods])
    return tuple(PodSpec(p.name, p.service, kube[p.name]) for p in manifest.pods)


@dataclass
class UpResult:
    namespace: str
    scenario: str
    anchor: str
    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    seconds: float = 0.0
    ready: dict[str, bool] = field(default_factory=dict)
    took_over: str | None = None  # scenario of an earlier replay whose namespace was replaced
    replaced_series: int = 0  # series of another episode deleted from the window first


@dataclass(frozen=True)
class Timing:
    """When to give up, and how time passes (injected so tests need not wait)."""

    timeout_s: float = 600
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep


def _name(obj: dict) -> str:
    return f"{obj['kind']}/{obj['metadata']['name']}"


def _annotations(ns) -> dict:
    return get(ns, "metadata", "annotations", default={}) or {}


def _terminating(ns) -> bool:
    return (
        get(ns, "status", "phase") == "Terminating"
        or get(ns, "metadata", "deletion_timestamp") is not None
        or get(ns, "metadata", "deletionTimestamp") is not None
    )


def existing_anchor(
    cluster: KubeCluster, spec: DeploySpec, timing: Timing
) -> tuple[str | None, str | None]:
    """(anchor of this very scenario already deployed, scenario of an earlier replay taken over).

    A namespace replaybed did not create is refused. One that holds another scenario, or is still
    being deleted, is a leftover of an earlier episode (e.g. AIOpsLab skips cleanup when the agent
    raises): it is removed and waited for, so this deploy starts in an empty namespace.
    """
    ns = cluster.read("Namespace", spec.namespace)
    if ns is None:
        return None, None
    owner = _annotations(ns).get(ANNOTATIONS["scenario"])
    labels = get(ns, "metadata", "labels", default={}) or {}
    if owner is None or labels.get("app.kubernetes.io/managed-by") != MANAGED_BY:
        raise DeployConfigError(
            f"namespace {spec.namespace} exists and was not created by replaybed; "
            f"choose another with --namespace"
        )
    if owner == spec.scenario and not _terminating(ns):
        return _annotations(ns).get(ANNOTATIONS["anchor"]), None
    if not _terminating(ns):
        cluster.delete("Namespace", spec.namespace)
    wait_gone(cluster, spec.namespace, timing)
    return None, owner


def up(
    cluster: KubeCluster,
    spec: DeploySpec,
    *,
    prometheus: Call | None = None,
    replace: bool = False,
    wait: bool = True,
    timing: Timing = Timing(),
) -> UpResult:
    """Deploy the scenario; `prometheus` (how to reach spec.prometheus) enables the window check."""
    began = timing.clock()
    previous, took_over = existing_anchor(cluster, spec, timing)
    if previous and previous != spec.anchor:
        spec = DeploySpec(**{**spec.__dict__, "anchor": previous})
    result = UpResult(spec.namespace, spec.scenario, spec.anchor, took_over=took_over)
    if prometheus is not None and not previous:
        start, end = spec.window_ms
        state = prometheus_api.clear_window(
            prometheus,
            url=spec.prometheus,
            namespace=spec.namespace,
            start_ms=start,
            end_ms=end,
            replace=replace,
        )
        if state.problem:
            raise DeployConfigError(state.problem)
        result.replaced_series = state.found
    for obj in render.objects(spec):
        (result.created if cluster.create(obj) else result.existing).append(_name(obj))
    if wait:
        deadline = began + timing.timeout_s
        result.ready = wait_ready(cluster, spec, deadline, timing.clock, timing.sleep)
    result.seconds = round(timing.clock() - began, 3)
    return result


def wait_gone(cluster: KubeCluster, namespace: str, timing: Timing) -> None:
    """Wait until the namespace no longer exists (its finalizers run after the delete call)."""
    deadline = timing.clock() + timing.timeout_s
    while cluster.read("Namespace", namespace) is not None:
        if timing.clock() >= deadline:
            raise ClusterError(
                f"namespace {namespace} still exists {timing.timeout_s:.0f} s after it was deleted "
                f"(stuck finalizers? `kubectl get namespace {namespace} -o yaml`)"
            )
        timing.sleep(1)


def _ready_condition(obj) -> bool:
    conditions = get(obj, "status", "conditions", default=[]) or []
    return any(get(c, "type") == "Ready" and get(c, "status") == "True" for c in conditions)


def readiness(cluster: KubeCluster, spec: DeploySpec) -> dict[str, bool]:
    state: dict[str, bool] = {}
    for p in spec.pods:
        pod = cluster.read("Pod", p.object_name, spec.namespace)
        ready = get(pod, "status", "phase") == "Running" and _ready_condition(pod)
        state[f"pod/{p.object_name}"] = ready
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


@dataclass
class DownResult:
    namespace: str
    removed: list[str] = field(default_factory=list)
    prometheus: str | None = None  # where the namespace's series were deleted
    series_left: int = 0  # series Prometheus could not delete (out-of-order samples)
    warning: str | None = None
    seconds: float = 0.0


def down(
    cluster: KubeCluster,
    namespace: str,
    *,
    connect: Callable[[str], Call] | None = None,
    prometheus: str | None = None,
    wait: bool = True,
    timing: Timing = Timing(),
) -> DownResult:
    """Remove the episode: its series in Prometheus (so the next episode starts clean), then what
    `up` created, waiting until the namespace is gone.

    `prometheus` defaults to the URL `up` recorded on the namespace; `connect` turns a URL into a
    way to reach it (None: leave Prometheus alone).
    """
    began = timing.clock()
    result = DownResult(namespace)
    ns = cluster.read("Namespace", namespace)
    if ns is None:
        return result
    annotations = _annotations(ns)
    url = prometheus or annotations.get(ANNOTATIONS["prometheus"])
    failure = None
    if connect is not None and url:
        call = connect(url)
        failure = prometheus_api.delete_namespace(call, url=url, namespace=namespace)
        if failure is None:
            result.prometheus = url
            result.series_left, result.warning = _leftovers(call, url, namespace, annotations)
    labels = get(ns, "metadata", "labels", default={}) or {}
    if labels.get("app.kubernetes.io/managed-by") == MANAGED_BY:
        if not _terminating(ns):
            cluster.delete("Namespace", namespace)
        result.removed.append(f"Namespace/{namespace}")
        if wait:
            wait_gone(cluster, namespace, timing)
    else:
        for kind in ("Job", "Pod", "Deployment", "Service", "ConfigMap"):
            for obj in cluster.list(kind, namespace, SELECTOR):
                name = get(obj, "metadata", "name")
                if cluster.delete(kind, name, namespace):
                    result.removed.append(f"{kind}/{name}")
    result.seconds = round(timing.clock() - began, 3)
    if failure:
        raise DeployError(f"{namespace} was removed, but its series were not: {failure}")
    return result


def _leftovers(call: Call, url: str, namespace: str, annotations: dict) -> tuple[int, str | None]:
    """Series of the episode's window still in Prometheus after the delete (out-of-order data)."""
    try:
        anchor = annotations[ANNOTATIONS["anchor"]]
        start_rel, end_rel = (int(v) for v in annotations[ANNOTATIONS["window"]].split(","))
        at = int(datetime.fromisoformat(anchor.replace("Z", "+00:00")).timestamp() * 1000)
    except (KeyError, ValueError):
        return 0, None  # a namespace from an older replaybed: nothing to recount against
    start, end = at + start_rel, at + end_rel - 1
    status, body = call(
        "GET", prometheus_api.QUERY, prometheus_api.count_params(namespace, start, end)
    )
    left = prometheus_api.parse_count(status, body, url + prometheus_api.QUERY)
    if not left:
        return 0, None
    return left, (
        f"{left} series of {namespace} keep samples in {prometheus_api.window_text(start, end)}: "
        "Prometheus cannot delete samples it ingested out of order (prometheus/prometheus#11790); "
        "the next episode in this namespace needs a fresh TSDB (see k8s/manifests/prometheus-values.yaml)"
    )


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
