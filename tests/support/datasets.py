"""Session-wide synthetic datasets and compiled stores, built once and shared read-only by tests."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from replaybed.artifacts import bundle
from replaybed.artifacts.store import Store
from replaybed.compile import pipeline
from replaybed.compile.datasets.openrca_market.synth.generate import Request, generate
from replaybed.schemas.framing import Part, decode_part
from replaybed.schemas.manifest import Manifest, PartRef
from replaybed.schemas.scenario_id import ScenarioId


def make_tiny(root: Path, **kw) -> Path:
    out = root / "tiny"
    generate(Request(out, "tiny", **kw))
    return out


def compile_into(
    dataset: Path, store_dir: Path, systems=("cloudbed-1",), scenarios=(), format=None
) -> Store:
    """Compile `systems` (or `scenarios`, short ids of the dataset's format) into a file store."""
    store = Store.open(str(store_dir))
    req = pipeline.CompileRequest(dataset, format, systems)
    name = pipeline.resolve_format(req).name
    ids = tuple(ScenarioId.parse(s, default_dataset=name) for s in scenarios)
    pipeline.run(pipeline.CompileRequest(dataset, name, systems, ids), store)
    return store


def decoded_parts(store: Store, manifest: Manifest, kind: str) -> Iterator[tuple[PartRef, Part]]:
    """(ref, decoded part) of every part of one kind the scenario uses, oldest first."""
    for ref in manifest.parts_of(kind):
        yield ref, decode_part(bundle.read_part(store, ref))


def rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        next(reader)
        return list(reader)


def day_file(dataset: Path, cloudbed: str, day: str, rel: str) -> Path:
    return dataset / "Market" / cloudbed / "telemetry" / day / rel
