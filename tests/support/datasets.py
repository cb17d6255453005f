"""Session-wide synthetic datasets and compiled stores, built once and shared read-only by tests."""

from __future__ import annotations

import csv
from pathlib import Path

from replaybed.artifacts.store import Store
from replaybed.compile import pipeline
from replaybed.compile.datasets.openrca_market.synth.generate import Request, generate
from replaybed.schemas.scenario_id import ScenarioId


def make_tiny(root: Path, **kw) -> Path:
    out = root / "tiny"
    generate(Request(out, "tiny", **kw))
    return out


def compile_into(dataset: Path, store_dir: Path, systems=("cloudbed-1",), scenarios=()) -> Store:
    store = Store.open(str(store_dir))
    ids = tuple(ScenarioId.parse(s) for s in scenarios)
    pipeline.run(pipeline.CompileRequest(dataset, systems=systems, scenarios=ids), store)
    return store


def rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        next(reader)
        return list(reader)


def day_file(dataset: Path, cloudbed: str, day: str, rel: str) -> Path:
    return dataset / "Market" / cloudbed / "telemetry" / day / rel
