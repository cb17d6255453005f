"""Dataset names that Kubernetes does not allow become valid object names; the data keeps its own."""

from __future__ import annotations

import dataclasses

import kubernetes_validate
import pytest
from hypothesis import given
from hypothesis import strategies as st

from replaybed.k8s import render
from replaybed.k8s.deploy import build_spec
from replaybed.k8s.errors import DeployConfigError
from replaybed.k8s.names import _DNS_LABEL, _LABEL_VALUE, dns_label, label_value, pod_names
from replaybed.k8s.spec import PodSpec


@pytest.mark.parametrize(
    "name, expected",
    [
        ("adservice2-0", "adservice2-0"),  # already valid: unchanged (Market)
        ("docker_001", "docker-001"),  # OpenRCA Telecom
        ("Tomcat01", "tomcat01"),  # OpenRCA Bank
        ("ts-order-service-5f8c9d7b6-x2v9k", "ts-order-service-5f8c9d7b6-x2v9k"),  # Nezha
        ("__Weird..Name__", "weird-name"),
    ],
)
def test_dns_labels(name, expected):
    assert dns_label(name) == expected


@given(st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1))
def test_any_name_with_a_letter_or_digit_maps_to_a_valid_label(name):
    if not any(c.isascii() and c.isalnum() for c in name):
        with pytest.raises(DeployConfigError):
            dns_label(name)
        return
    assert _DNS_LABEL.match(dns_label(name))
    assert _LABEL_VALUE.match(label_value(name))


def test_two_pods_that_would_share_a_name_are_refused():
    assert pod_names(["docker_001", "db_003"]) == {"docker_001": "docker-001", "db_003": "db-003"}
    with pytest.raises(DeployConfigError, match="'docker_001' and 'docker-001' would both"):
        pod_names(["docker_001", "docker-001"])


def test_pods_with_invalid_names_render_valid_objects_that_keep_the_dataset_name(tiny_store):
    spec = build_spec(tiny_store, "cloudbed-1/000", anchor="2026-11-22T10:00:00.000Z")
    spec = dataclasses.replace(
        spec,
        pods=(
            PodSpec("Tomcat01", "Tomcat", "tomcat01"),
            PodSpec("docker_001", "db_003", "docker-001"),
        ),
    )
    pods = [o for o in render.objects(spec) if o["kind"] == "Pod"]
    for obj in pods:
        kubernetes_validate.validate(obj, "1.33.0", strict=True)
    tomcat = pods[0]
    assert tomcat["metadata"]["name"] == "tomcat01"
    assert tomcat["metadata"]["labels"]["replaybed.io/pod"] == "Tomcat01"
    assert tomcat["metadata"]["labels"]["app"] == "Tomcat"
    assert tomcat["metadata"]["annotations"]["replaybed.io/dataset-pod"] == "Tomcat01"
    command = tomcat["spec"]["containers"][0]["command"]
    assert command[command.index("--pod") + 1] == "Tomcat01", "the replay reads the dataset's pod"
    assert pods[1]["spec"]["containers"][0]["name"] == "db-003"


def test_a_recording_without_logs_gets_no_log_pods():
    from support.aiopslab_manifests import real_manifests

    from replaybed.k8s.deploy import log_pods

    market = real_manifests("cloudbed-1")[0]
    assert len(log_pods(market)) == len(market.pods) > 0
    telecom_like = dataclasses.replace(market, signals=("metrics", "traces"))
    assert log_pods(telecom_like) == ()
