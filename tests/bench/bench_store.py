"""`store cp` throughput file->s3 and s3->file (real Ceph RGW) and the dedup ratio of compiled stores.

    .venv/bin/pytest -m bench tests/bench/bench_store.py -s

Compiled stores come from `replaybed synth --scale tiny|small` + `replaybed compile`; building
them takes minutes (small: the longest), so prebuilt ones can be passed in:

    REPLAYBED_BENCH_TINY_STORE=/path/to/tiny-store REPLAYBED_BENCH_SMALL_STORE=/path/to/small-store

Each direction runs RUNS times into a fresh bucket / directory; the figures are medians. The
machine is shared, so only the medians of one run side by side mean anything.
"""

from __future__ import annotations

import json
import os
import statistics
from pathlib import Path

import pytest
from support.rgw import open_store

from replaybed.artifacts import listing, reach, transfer
from replaybed.artifacts.store import Store

pytestmark = pytest.mark.bench
RUNS = int(os.environ.get("REPLAYBED_BENCH_RUNS", "3"))


def compiled_store(scale: str, scratch: Path) -> Store:
    given = os.environ.get(f"REPLAYBED_BENCH_{scale.upper()}_STORE")
    if given:
        return Store.open(given)
    from replaybed.compile import pipeline
    from replaybed.compile.datasets.openrca_market.synth.generate import Request, generate

    dataset = scratch / scale
    generate(Request(dataset, scale))
    store = Store.open(str(scratch / f"{scale}-store"))
    pipeline.run(pipeline.CompileRequest(dataset, systems=("cloudbed-1", "cloudbed-2")), store)
    return store


@pytest.mark.timeout(3600)  # the small store is ~40k blobs: minutes per direction on a busy RGW
@pytest.mark.parametrize("scale", ["tiny", "small"])
def test_cp_throughput_and_dedup(scale, rgw_env, tmp_path_factory):
    scratch = tmp_path_factory.mktemp(f"bench-{scale}")
    src = compiled_store(scale, scratch)
    _, totals = listing.size_rows(reach.load(src))
    up, down = [], []
    for run in range(RUNS):
        s3 = open_store(rgw_env, rgw_env.new_bucket(f"bench-{scale}"))
        up.append(transfer.copy(src, s3))
        back = Store.open(str(scratch / f"back-{run}"))
        down.append(transfer.copy(s3, back))
        assert up[-1].bytes == down[-1].bytes == totals["unique_bytes"]
        assert down[-1].copied == totals["blobs"] and len(down[-1].scenarios) == totals["scenarios"]
        s3.close()
    figures = {
        "scale": scale,
        "scenarios": totals["scenarios"],
        "blobs": totals["blobs"],
        "unique_mb": round(totals["unique_bytes"] / 1e6, 2),
        "referenced_mb": round(totals["referenced_bytes"] / 1e6, 2),
        "raw_mb": round(totals["raw_bytes"] / 1e6, 2),
        "dedup_ratio": totals["dedup_ratio"],
        "file_to_s3_mb_s": round(statistics.median(r.to_dict()["mb_per_s"] for r in up), 2),
        "s3_to_file_mb_s": round(statistics.median(r.to_dict()["mb_per_s"] for r in down), 2),
        "file_to_s3_blobs_s": round(statistics.median(r.copied / r.seconds for r in up), 1),
        "s3_to_file_blobs_s": round(statistics.median(r.copied / r.seconds for r in down), 1),
        "file_to_s3_s": round(statistics.median(r.seconds for r in up), 2),
        "s3_to_file_s": round(statistics.median(r.seconds for r in down), 2),
        "runs": RUNS,
        "jobs": 8,
    }
    print(f"\nstore cp bench: {json.dumps(figures)}")
