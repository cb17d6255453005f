"""Benchmark data: a synthetic cloudbed-day (default `small`), generated once and kept in the temp dir."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from replaybed.compile.datasets.openrca_market.synth.generate import Request, generate


@pytest.fixture(scope="session")
def small_day() -> Path:
    """cloudbed-1, 2022_03_20 at REPLAYBED_BENCH_SCALE (default small; `full` is the real volume)."""
    scale = os.environ.get("REPLAYBED_BENCH_SCALE", "small")
    root = Path(
        os.environ.get("REPLAYBED_BENCH_DIR", Path(tempfile.gettempdir()) / "replaybed-bench")
    )
    out = root / f"{scale}-cloudbed-1-2022_03_20"
    if not (out / "Market").exists():
        generate(Request(out, scale, 0, ("cloudbed-1",), ("2022_03_20",)))
    return out
