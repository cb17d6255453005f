"""The tiny synthetic OpenRCA Telecom dataset and stores compiled from it, for tests."""

from __future__ import annotations

import csv
from pathlib import Path

from replaybed.artifacts.store import Store
from replaybed.compile import pipeline
from replaybed.compile.datasets.openrca_telecom.synth.generate import Request, generate
from replaybed.schemas.scenario_id import ScenarioId

FORMAT = "openrca-telecom"


def make_tiny(root: Path, **kw) -> Path:
    out = root / "telecom-tiny"
    generate(Request(out, "tiny", **kw))
    return out


def compile_into(dataset: Path, store_dir: Path, scenarios: tuple[str, ...] = ()) -> Store:
    """Compile the whole twin, or only `scenarios` (short ids like `telecom/000`)."""
    store = Store.open(str(store_dir))
    ids = tuple(ScenarioId.parse(s, default_dataset=FORMAT) for s in scenarios)
    pipeline.run(pipeline.CompileRequest(dataset, FORMAT, (), ids), store)
    return store


def day_file(dataset: Path, day: str, rel: str) -> Path:
    return dataset / "Telecom" / "telemetry" / day / rel


def rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        next(reader)
        return list(reader)
