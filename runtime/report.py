"""What a run did: counts per outcome, as text or JSON; lost items make the run fail."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field


@dataclass
class Report:
    kind: str
    scenario: str
    offset_ms: int
    requests: int = 0
    items: int = 0  # samples, spans or lines delivered
    retried: int = 0  # requests repeated: 5xx or 429 answers, a backend not reachable yet
    rejected_requests: int = 0
    rejected_items: int = 0
    bytes: int = 0
    replaced_series: int = 0  # another episode's series deleted first (run metrics --replace)
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    @property
    def lost(self) -> bool:
        return self.rejected_items > 0

    def to_json(self) -> str:
        return json.dumps(asdict(self) | {"lost": self.lost}, sort_keys=True)

    def text(self) -> str:
        unit = {"metrics": "samples", "traces": "spans", "logs": "lines"}[self.kind]
        line = (
            f"{self.kind}: {self.items} {unit} in {self.requests} requests ({self.bytes / 1e6:.1f} MB) in "
            f"{self.seconds:.1f} s; {self.retried} retries; {self.rejected_items} {unit} rejected"
        )
        replaced = (
            [f"  replaced: {self.replaced_series} series of another episode deleted first"]
            if self.replaced_series
            else []
        )
        return "\n".join([line, *replaced, *(f"  rejected: {e}" for e in self.errors[:10])])
