"""The Bank tiny twin, generated once per session, and its compiled store."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from replaybed.artifacts.store import Store
from replaybed.compile import pipeline
from replaybed.compile.datasets.openrca_bank.synth.generate import Request, generate


@pytest.fixture(scope="session")
def bank_tiny(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bank-synth") / "tiny"
    generate(Request(out, "tiny"))
    return out


@pytest.fixture(scope="session")
def bank_store(bank_tiny, tmp_path_factory) -> Store:
    store = Store.open(str(tmp_path_factory.mktemp("bank-store") / "store"))
    pipeline.run(pipeline.CompileRequest(bank_tiny, "openrca-bank"), store)
    return store


def rows(path: Path) -> list[list[str]]:
    """Data rows of a CSV file (header skipped), with their physical line numbers ignored."""
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        next(reader)
        return list(reader)


def day_file(dataset: Path, day: str, rel: str) -> Path:
    return dataset / "Bank" / "telemetry" / day / rel
