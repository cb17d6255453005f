"""Kubernetes names for a dataset's own names (pure).

Pods are named as in the dataset so `kubectl get pods` shows the incident's components, but
Kubernetes allows only lower-case DNS labels for pod and container names (Telecom's `docker_001`,
Bank's `Tomcat01` are not), and label values only `[A-Za-z0-9._-]`. A name that is already valid
stays as it is; any other is mapped by a fixed rule, and the dataset's name travels as the label
`replaybed.io/pod` and the annotation `replaybed.io/dataset-pod`.
"""

from __future__ import annotations

import re

from replaybed.k8s.errors import DeployConfigError

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$")


def dns_label(name: str) -> str:
    """Lower-case; every run of other characters becomes one `-`; ends trimmed; at most 63."""
    if _DNS_LABEL.match(name):
        return name
    mapped = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:63].rstrip("-")
    if not mapped:
        raise DeployConfigError(
            f"name {name!r} has no letter or digit to make a Kubernetes name of"
        )
    return mapped


def label_value(text: str) -> str:
    """A valid label value for `text`: other characters become `-`, ends trimmed, at most 63."""
    if _LABEL_VALUE.match(text):
        return text
    mapped = re.sub(r"[^A-Za-z0-9._-]+", "-", text)[:63]
    return re.sub(r"^[^A-Za-z0-9]+|[^A-Za-z0-9]+$", "", mapped)


def pod_names(pods: list[str]) -> dict[str, str]:
    """dataset pod -> Kubernetes pod name; two pods that would share a name are an error."""
    out: dict[str, str] = {}
    seen: dict[str, str] = {}
    for pod in pods:
        name = dns_label(pod)
        if name in seen and seen[name] != pod:
            raise DeployConfigError(
                f"pods {seen[name]!r} and {pod!r} would both be named {name!r} in Kubernetes"
            )
        out[pod], seen[name] = name, pod
    return out
