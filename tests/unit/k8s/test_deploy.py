"""Deploy logic against a recording fake of the kubernetes client."""

from __future__ import annotations

import pytest
from support.fake_kube import FakeCluster

from replaybed.k8s import deploy, render
from replaybed.k8s.cluster import KubeCluster
from replaybed.k8s.errors import ClusterError, DeployConfigError


class Ticks:
    def __init__(self):
        self.t = 0.0

    def clock(self):
        return self.t

    def sleep(self, s):
        self.t += s

    def timing(self, timeout_s=600):
        return deploy.Timing(timeout_s=timeout_s, clock=self.clock, sleep=self.sleep)


@pytest.fixture(scope="module")
def spec(tiny_store):
    return deploy.build_spec(tiny_store, "cloudbed-1/000", anchor="2026-11-22T10:00:00.000Z")


def _cluster(fake):
    return KubeCluster(fake.core, fake.apps, fake.batch, "fake")


def test_up_creates_everything_and_waits_for_readiness(spec):
    fake, ticks = FakeCluster(ready_after=3), Ticks()
    result = deploy.up(_cluster(fake), spec, timing=ticks.timing())
    assert len(result.created) == len(render.objects(spec)) == 48 and not result.existing
    assert all(result.ready.values()) and "job/replaybed-metrics" in result.ready
    assert ticks.t > 0, "it must have waited for pods to become ready"
    assert [c[1] for c in fake.calls if c[0] == "create"][0] == "Namespace"


def test_up_twice_is_harmless_and_keeps_the_first_anchor(spec):
    fake = FakeCluster(ready_after=0)
    deploy.up(_cluster(fake), spec, timing=Ticks().timing())
    before = dict(fake.objects)
    later = deploy.DeploySpec(**{**spec.__dict__, "anchor": "2026-11-22T11:00:00.000Z"})
    again = deploy.up(_cluster(fake), later, timing=Ticks().timing())
    assert not again.created and len(again.existing) == 48 and again.anchor == spec.anchor
    assert fake.objects == before


def test_a_namespace_left_by_an_earlier_replay_is_taken_over(spec, tiny_store):
    """AIOpsLab skips cleanup when the agent raises: the next problem's `up` finds the old replay."""
    fake, ticks = FakeCluster(ready_after=0, terminate_after=5), Ticks()
    deploy.up(_cluster(fake), spec, timing=ticks.timing())
    other = deploy.build_spec(tiny_store, "cloudbed-1/001")
    result = deploy.up(_cluster(fake), other, timing=ticks.timing())
    assert result.took_over == spec.scenario and len(result.created) == 48
    ns = fake.objects[("Namespace", None, spec.namespace)]
    assert ns["metadata"]["annotations"]["replaybed.io/scenario-id"] == other.scenario
    creates = [i for i, c in enumerate(fake.calls) if c[0] == "create"]
    deleted = next(i for i, c in enumerate(fake.calls) if c[:2] == ("delete", "Namespace"))
    gone = max(
        i for i, c in enumerate(fake.calls) if c[:2] == ("read", "Namespace") and i < creates[-48]
    )
    assert deleted < gone < creates[-48], "it must wait until the old namespace is gone"


def test_a_namespace_still_terminating_is_waited_for(spec):
    fake, ticks = FakeCluster(ready_after=0, terminate_after=3), Ticks()
    deploy.up(_cluster(fake), spec, timing=ticks.timing())
    _cluster(fake).delete("Namespace", spec.namespace)  # e.g. an interrupted `down`
    result = deploy.up(_cluster(fake), spec, timing=ticks.timing())
    assert len(result.created) == 48 and result.took_over == spec.scenario


def test_a_namespace_that_never_goes_away_times_out_clearly(spec):
    fake, ticks = FakeCluster(ready_after=0, terminate_after=10**9), Ticks()
    deploy.up(_cluster(fake), spec, timing=ticks.timing())
    with pytest.raises(ClusterError, match="still exists 30 s after it was deleted"):
        deploy.down(_cluster(fake), spec.namespace, timing=ticks.timing(timeout_s=30))


def test_a_namespace_replaybed_did_not_create_is_refused(spec):
    fake = FakeCluster(ready_after=0)
    fake.objects[("Namespace", None, spec.namespace)] = {
        "kind": "Namespace",
        "metadata": {"name": spec.namespace, "labels": {}},
    }
    with pytest.raises(DeployConfigError, match="was not created by replaybed"):
        deploy.up(_cluster(fake), spec, timing=Ticks().timing())
    assert list(fake.objects) == [("Namespace", None, spec.namespace)]


def test_down_waits_until_the_namespace_is_gone(spec):
    fake, ticks = FakeCluster(ready_after=0, terminate_after=4), Ticks()
    deploy.up(_cluster(fake), spec, timing=ticks.timing())
    deploy.down(_cluster(fake), spec.namespace, timing=ticks.timing())
    assert ("Namespace", None, spec.namespace) not in fake.objects and not fake.terminating
    assert ticks.t >= 4


def test_down_removes_what_up_made_and_nothing_else(spec):
    fake = FakeCluster(ready_after=0)
    fake.objects[("Namespace", None, "other")] = {
        "kind": "Namespace",
        "metadata": {"name": "other"},
    }
    deploy.up(_cluster(fake), spec, timing=Ticks().timing())
    assert deploy.down(_cluster(fake), spec.namespace).removed == [f"Namespace/{spec.namespace}"]
    assert list(fake.objects) == [("Namespace", None, "other")]
    assert deploy.down(_cluster(fake), spec.namespace).removed == []


def test_down_in_a_foreign_namespace_deletes_only_labelled_objects(spec):
    fake = FakeCluster(ready_after=0)
    fake.objects[("Namespace", None, spec.namespace)] = {
        "kind": "Namespace",
        "metadata": {"name": spec.namespace, "labels": {}},
    }
    fake.objects[("Pod", spec.namespace, "theirs")] = {
        "kind": "Pod",
        "metadata": {"name": "theirs", "labels": {}},
    }
    for obj in render.objects(spec)[1:]:
        _cluster(fake).create(obj)
    removed = deploy.down(_cluster(fake), spec.namespace).removed
    assert len(removed) == 47 and ("Pod", spec.namespace, "theirs") in fake.objects


def test_timeout_names_what_is_not_ready(spec):
    fake, ticks = FakeCluster(ready_after=10**9), Ticks()
    with pytest.raises(ClusterError, match="not ready before the timeout: pod/"):
        deploy.up(_cluster(fake), spec, timing=ticks.timing(timeout_s=30))


def test_api_errors_become_clear_messages(spec):
    fake = FakeCluster(fail={("create", "Pod"): 403})
    with pytest.raises(ClusterError, match="create Pod via fake failed: 403 Forbidden.*RBAC"):
        deploy.up(_cluster(fake), spec)


def test_status_reports_the_scenario_and_pods(spec):
    fake = FakeCluster(ready_after=0)
    deploy.up(_cluster(fake), spec, timing=Ticks().timing())
    state = deploy.status(_cluster(fake), spec.namespace)
    assert state["scenario"] == spec.scenario and state["anchor"] == spec.anchor
    assert len(state["pods"]) == 42 and all(p["ready"] for p in state["pods"].values())
    assert deploy.status(_cluster(fake), "nothing")["deployed"] is False
