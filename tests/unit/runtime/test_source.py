"""Fetching a scenario for replay: every part read ahead per stream, verified, in few requests."""

from __future__ import annotations

from replaybed.artifacts import bundle, locator
from replaybed.runtime import replay
from replaybed.runtime.source import Source
from replaybed.schemas.framing import MetricFrame, TraceFrame
from replaybed.schemas.scenario_id import ScenarioId

SCENARIO = ScenarioId.parse("cloudbed-1/000")


def episode_source(store, found: locator.Locator) -> tuple[Source, locator.LocatorSource]:
    """What one pod does: a LocatorSource from the locator, and the manifest through it."""
    parts = locator.LocatorSource(found)
    return Source(parts, bundle.read_manifest(parts, found.manifest_digest)), parts


def test_one_episode_reads_every_part_in_few_requests(tiny_store):
    found = locator.locate(tiny_store, SCENARIO, 600)
    _, manifest = bundle.resolve(tiny_store, SCENARIO)
    requests = {}
    for kind, frame_type in (("metrics", MetricFrame), ("traces", TraceFrame)):
        src, parts = episode_source(tiny_store, found)
        frames = [f for ref in manifest.parts_of(kind) for f in src.frames(ref, frame_type)]
        assert sum(f.count for f in frames) >= getattr(
            manifest.counts, {"metrics": "samples"}.get(kind, "spans")
        )
        requests[kind] = parts.requests
    for pod in manifest.pods:
        src, parts = episode_source(tiny_store, found)
        lines = list(replay.log_lines(src, pod.name))
        assert len(lines) == pod.log_lines
        requests[pod.name] = parts.requests
    # the manifest, then each stream's parts from one place: one ranged read, two at a pack edge
    assert all(n <= 3 for n in requests.values()), requests
    loose = 1 + len(manifest.parts)  # what one GET per part cost the whole episode before packs
    total = sum(requests.values())
    assert total <= 100 < len(manifest.parts), (total, loose)
    assert len(found.to_json()) < 16 * 1024


def test_read_ahead_is_bounded_and_every_part_still_verified(tiny_store):
    found = locator.locate(tiny_store, SCENARIO, 600)
    parts = locator.LocatorSource(found)
    manifest = bundle.read_manifest(parts, found.manifest_digest)
    metrics = manifest.parts_of("metrics")
    src = Source(parts, manifest, read_ahead_bytes=sum(p.size for p in metrics[:3]))
    for ref in metrics:
        assert src.frames(ref, MetricFrame)
    # three parts per batch: a request per batch after the manifest
    assert parts.requests == 1 + -(-len(metrics) // 3)
