"""What one deploy needs, resolved once: scenario facts, images, URLs, the common anchor."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_IMAGE = "ghcr.io/replaybed/replaybed-runtime:0.1.0"
# last all-in-one line that still serves the v1 query API (/api/services, /api/traces) AIOpsLab reads
JAEGER_IMAGE = "jaegertracing/all-in-one:1.57.0"
DEFAULT_PROMETHEUS = "http://prometheus-server.observe.svc.cluster.local:80"
LOCATOR_PATH = "/etc/replaybed/locator.json"
MANAGED_BY = "replaybed"


@dataclass(frozen=True)
class PodSpec:
    name: str
    service: str


@dataclass(frozen=True)
class DeploySpec:
    scenario: str  # full scenario id
    namespace: str
    anchor: str  # RFC 3339: the fault happens at this instant, in every container
    locator_json: str  # what the pods read instead of store credentials
    pods: tuple[PodSpec, ...]
    traces: int  # spans' distinct traces in the window: sizes Jaeger's memory store
    image: str = DEFAULT_IMAGE
    prometheus: str = DEFAULT_PROMETHEUS
    jaeger_image: str = JAEGER_IMAGE
    store_path: str | None = None  # a file store's directory, mounted read-only at the same path

    @property
    def scenario_label(self) -> str:
        """The scenario id as a label value (labels allow no '/')."""
        return self.scenario.replace("/", ".")[-63:]
