"""What one deploy needs, resolved once: scenario facts, images, URLs, the common anchor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

DEFAULT_IMAGE = "ghcr.io/replaybed/replaybed-runtime:0.1.0"
# last all-in-one line that still serves the v1 query API (/api/services, /api/traces) AIOpsLab reads
JAEGER_IMAGE = "jaegertracing/all-in-one:1.57.0"
DEFAULT_PROMETHEUS = "http://prometheus-server.observe.svc.cluster.local:80"
LOCATOR_PATH = "/etc/replaybed/locator.json"
MANAGED_BY = "replaybed"


@dataclass(frozen=True)
class PodSpec:
    name: str  # as in the dataset (what `run logs --pod` and the agent's answers use)
    service: str
    kube_name: str = ""  # the Pod's Kubernetes name (k8s.names.dns_label of name)

    @property
    def object_name(self) -> str:
        return self.kube_name or self.name


@dataclass(frozen=True)
class DeploySpec:
    scenario: str  # full scenario id
    namespace: str
    anchor: str  # RFC 3339: the fault happens at this instant, in every container
    locator_json: str  # what the pods read instead of store credentials
    pods: tuple[PodSpec, ...]
    traces: int  # spans' distinct traces in the window: sizes Jaeger's memory store
    # the replay window relative to the anchor (ms): where the episode's samples land
    window_start_ms: int = -3_600_000
    window_end_ms: int = 1_800_000
    image: str = DEFAULT_IMAGE
    prometheus: str = DEFAULT_PROMETHEUS
    jaeger_image: str = JAEGER_IMAGE
    store_path: str | None = None  # a file store's directory, mounted read-only at the same path

    @property
    def anchor_ms(self) -> int:
        return int(datetime.fromisoformat(self.anchor.replace("Z", "+00:00")).timestamp() * 1000)

    @property
    def window_ms(self) -> tuple[int, int]:
        """First and last millisecond (epoch) the episode writes."""
        return self.anchor_ms + self.window_start_ms, self.anchor_ms + self.window_end_ms - 1

    @property
    def scenario_label(self) -> str:
        """The scenario id as a label value (labels allow no '/')."""
        return self.scenario.replace("/", ".")[-63:]
