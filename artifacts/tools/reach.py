"""What a store's refs reach: each scenario's manifest and the parts it names.

The store tools (ls, verify, cp, gc) all start here. Manifests are read in parallel (one GET each
on S3); a scenario whose manifest cannot be read is reported with its error instead of aborting
the whole walk, so `verify` can list every problem and `gc` can refuse to guess.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from replaybed.artifacts.bundle import decode_manifest
from replaybed.artifacts.errors import StoreError
from replaybed.artifacts.store import Store
from replaybed.schemas.errors import SchemaError
from replaybed.schemas.manifest import Manifest
from replaybed.schemas.scenario_id import ScenarioId


@dataclass(frozen=True)
class Reached:
    scenario: ScenarioId
    manifest_digest: str
    manifest_size: int = 0
    manifest: Manifest | None = None
    error: StoreError | SchemaError | None = None
    stored: bytes = b""  # the manifest as stored (copies keep these bytes)

    def parts(self) -> dict[str, int]:
        """digest -> stored size of every part this scenario needs (its manifest not included)."""
        if self.manifest is None:
            return {}
        return {part.digest: part.size for part in self.manifest.parts}


def select(store: Store, scenarios: Iterable[str] = ()) -> list[tuple[ScenarioId, str]]:
    """(scenario, manifest digest) for the named scenarios, or for every ref when none is named."""
    wanted = [ScenarioId.parse(text) for text in scenarios]
    if not wanted:
        return list(store.refs())
    return [(scenario, store.get_ref(scenario)) for scenario in dict.fromkeys(wanted)]


def load(store: Store, scenarios: Iterable[str] = (), jobs: int = 8) -> list[Reached]:
    """Every selected scenario with its manifest (or the error that kept it from being read)."""
    selected = select(store, scenarios)

    def one(item: tuple[ScenarioId, str]) -> Reached:
        scenario, digest = item
        try:
            stored = store.read_manifest_blob(digest)
            return Reached(
                scenario, digest, len(stored), decode_manifest(stored, digest), None, stored
            )
        except (StoreError, SchemaError) as exc:
            return Reached(scenario, digest, error=exc)

    with ThreadPoolExecutor(max(1, jobs)) as pool:
        return list(pool.map(one, selected))


def reachable(reached: Iterable[Reached]) -> dict[str, int]:
    """digest -> size of every part any of the scenarios needs (each part once)."""
    found: dict[str, int] = {}
    for item in reached:
        found.update(item.parts())
    return found
