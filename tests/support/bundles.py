"""Small, fast stand-ins for compiled stores: scenarios whose parts overlap like the compiler's do.

Part payloads are pseudo-random (barely compressible), so stored sizes are close to raw sizes and
a few parts make a store of predictable size for transfer tests.
"""

from __future__ import annotations

import random

from replaybed.artifacts import bundle, layout
from replaybed.artifacts.store import Store
from replaybed.artifacts.writer import PackWriter
from replaybed.schemas import media_types
from replaybed.schemas.manifest import Counts, Fault, Manifest, PartRef, Window
from replaybed.schemas.scenario_id import ScenarioId

MINUTE_MS = 60_000


def payload(seed: int, size: int) -> bytes:
    return random.Random(seed).randbytes(size)


def scenario_ids(count: int, system: str = "cloudbed-1") -> list[ScenarioId]:
    return [ScenarioId("openrca-market", system, f"{index:03d}") for index in range(count)]


def manifest_for(
    scenario: ScenarioId,
    parts: list[PartRef],
    origin_s: int = 1_647_738_546,
    fault: bool = True,
    label: str = "",
) -> Manifest:
    record = (
        Fault(
            int(scenario.name),
            origin_s,
            "2022-03-20 09:09:06",
            "pod",
            "shippingservice-1",
            "container read I/O load",
        )
        if fault
        else None
    )
    return Manifest(
        dataset=scenario.dataset,
        system=scenario.system,
        scenario=scenario.name,
        fault_free=not fault,
        origin_ms=origin_s * 1000,
        window=Window.around(origin_s * 1000, 60 * MINUTE_MS, 30 * MINUTE_MS),
        chunk_ms=5 * MINUTE_MS,
        namespace="market",
        parts=tuple(parts),
        pods=(),
        services=(),
        nodes=(),
        counts=Counts(series=len(parts), samples=10 * len(parts)),
        fault=record,
        tz="+08:00",
        compiler={"label": label} if label else {},
    )


def fill(
    store: Store,
    scenarios: int = 3,
    parts: int = 4,
    part_bytes: int = 64 * 1024,
    shared: int = 2,
    system: str = "cloudbed-1",
    label: str = "",
    pack_bytes: int | None = None,
) -> dict[ScenarioId, str]:
    """Publish `scenarios` scenarios of `parts` parts each; consecutive ones share `shared` parts.

    One PackWriter session, like one compile. Returns scenario -> manifest digest.
    """
    published = {}
    with PackWriter(store, pack_bytes=pack_bytes) as writer:
        for index, scenario in enumerate(scenario_ids(scenarios, system)):
            refs = []
            for slot in range(parts):
                # slot < shared: the previous scenario's slot+parts-shared (overlapping windows)
                seed = index * (parts - shared) + slot
                stored = bundle.put_part(writer, payload(seed, part_bytes), level=1)
                refs.append(
                    PartRef(
                        "metrics",
                        media_types.METRICS,
                        stored.digest,
                        stored.size,
                        stored.raw_size,
                        slot * 5 * MINUTE_MS,
                        (slot + 1) * 5 * MINUTE_MS,
                        10,
                    )
                )
            # windows slide by the parts they do not share, like overlapping fault windows
            origin_s = 1_647_738_546 + index * (parts - shared) * 300
            digest, _ = writer.publish(manifest_for(scenario, refs, origin_s, label=label))
            published[scenario] = digest
    return published


def snapshot(store: Store) -> dict[str, bytes]:
    """Every object of a store but its locks, key -> bytes, for byte-identity checks."""
    return {
        info.key: store.backend.get(info.key)
        for info in store.backend.list("")
        if not info.key.startswith(layout.LOCKS)
    }
