"""The packed store on a compiled cloudbed-day against a real Ceph RGW, side by side in one run.

    REPLAYBED_BENCH_SCALE=full .venv/bin/pytest -m bench tests/bench/bench_store.py -s

Figures (medians of REPLAYBED_BENCH_RUNS rounds, default 3), each against its target:
- `store cp` file -> RGW and RGW -> file in MB/s (>= 50 each way), and S3 requests per stored MB;
- the locator of every scenario (<= 16 KB) and the requests of one whole episode through it:
  metrics, traces and every pod's logs, with presigned URLs (<= 100);
- disk use of the local file store (<= 1.1 x its bytes) and stored bytes vs the day's CSV (<= 8 %);
- `run metrics --locator` of one scenario from the packed RGW store vs the same scenario from a
  loose-blob RGW store written and replayed by the replaybed before packs (no slower). That one
  needs the old version: REPLAYBED_BENCH_BASELINE=<its python>, e.g. a venv of `git archive
  441b322` installed with `pip install -e '.[compile,s3]'`; without it the comparison is skipped.

The packed store is compiled from the benchmark day (`conftest.small_day`) unless
REPLAYBED_BENCH_PACKED_STORE names one already compiled from it. The machine is shared: only
figures of one run side by side mean anything; `uptime` is printed with them.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support.rgw import open_store

from replaybed.artifacts import bundle, layout, locator
from replaybed.artifacts.store import Store
from replaybed.artifacts.tools import copy, listing, reach
from replaybed.runtime import replay
from replaybed.runtime.source import Source
from replaybed.schemas.framing import MetricFrame, TraceFrame

pytestmark = pytest.mark.bench
RUNS = int(os.environ.get("REPLAYBED_BENCH_RUNS", "3"))
CLOUDBED, DAY = "cloudbed-1", "2022_03_20"


def day_scenarios() -> list[str]:
    """The fault scenarios whose window lies inside the benchmark day (as bench_compile.py)."""
    from replaybed.compile.datasets.openrca_market import catalog
    from replaybed.compile.datasets.openrca_market.records import vendored

    lo, hi = catalog.day_start(DAY), catalog.day_start(DAY) + 86400
    return [
        f"{CLOUDBED}/{r.row:03d}"
        for r, _ in vendored(CLOUDBED)
        if lo <= r.timestamp - 3600 and r.timestamp + 1800 < hi
    ]


def csv_bytes(dataset: Path) -> int:
    from replaybed.compile.datasets.openrca_market import catalog

    folder = dataset / "Market" / CLOUDBED / "telemetry" / DAY
    return sum((folder / rel).stat().st_size for rel in catalog.FILES.values())


def _load() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def _disk(root: Path) -> tuple[int, int]:
    """(bytes in files, bytes of disk blocks they take) under root."""
    files = [p for p in root.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files), sum(p.stat().st_blocks * 512 for p in files)


@pytest.fixture(scope="module")
def packed(small_day, tmp_path_factory) -> tuple[Path, Store]:
    given = os.environ.get("REPLAYBED_BENCH_PACKED_STORE")
    if given:
        return small_day, Store.open(given)
    from replaybed.compile import pipeline
    from replaybed.schemas.scenario_id import ScenarioId

    store = Store.open(str(tmp_path_factory.mktemp("bench-store") / "packed"))
    ids = tuple(ScenarioId.parse(s) for s in day_scenarios())
    pipeline.run(pipeline.CompileRequest(small_day, systems=(CLOUDBED,), scenarios=ids), store)
    return small_day, store


def _empty(rgw_env, bucket: str) -> None:
    """Free the bucket's RAM in the memstore OSD between rounds."""
    client = rgw_env.client()
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        objects = [{"Key": o["Key"]} for o in page.get("Contents", ())]
        if objects:
            client.delete_objects(Bucket=bucket, Delete={"Objects": objects})


@pytest.mark.timeout(7200)
def test_cp_disk_and_stored_bytes(packed, rgw_env, tmp_path):
    dataset, src = packed
    _, totals = listing.size_rows(reach.load(src))
    csv = csv_bytes(dataset)
    files, blocks = _disk(Path(src.backend.root))
    packs = sum(i.size for i in src.backend.list(layout.PACKS))
    up, down, raw_up, raw_down = [], [], [], []
    for run in range(RUNS):
        bucket = rgw_env.new_bucket("bench-cp")
        s3 = open_store(rgw_env, bucket)
        began = s3.backend.requests
        up.append(copy.copy(src, s3))
        up_requests = s3.backend.requests - began
        back = Store.open(str(tmp_path / f"back-{run}"))
        began = s3.backend.requests
        down.append(copy.copy(s3, back))
        down_requests = s3.backend.requests - began
        assert up[-1].bytes == down[-1].bytes == packs
        assert len(down[-1].scenarios) == totals["scenarios"]
        s3.close()
        _empty(rgw_env, bucket)
        # the ceiling: boto3's own managed transfer (what `aws s3 cp` uses) of the same pack files
        seconds_up, seconds_down = _managed_transfer(
            rgw_env, bucket, Path(src.backend.root), tmp_path / f"raw-{run}"
        )
        raw_up.append(packs / 1e6 / seconds_up)
        raw_down.append(packs / 1e6 / seconds_down)
        _empty(rgw_env, bucket)
    mb = up[0].bytes / 1e6
    figures = {
        "scenarios": totals["scenarios"],
        "parts": totals["parts"],
        "packs": up[0].packs,
        "stored_mb": round(files / 1e6, 1),
        "csv_mb": round(csv / 1e6, 1),
        "stored_vs_csv_pct": round(100 * files / csv, 2),
        "dedup_ratio": totals["dedup_ratio"],
        "disk_vs_stored": round(blocks / files, 4),
        "file_to_s3_mb_s": round(statistics.median(r.to_dict()["mb_per_s"] for r in up), 1),
        "s3_to_file_mb_s": round(statistics.median(r.to_dict()["mb_per_s"] for r in down), 1),
        "boto3_managed_up_mb_s": round(statistics.median(raw_up), 1),
        "boto3_managed_down_mb_s": round(statistics.median(raw_down), 1),
        "file_to_s3_s": round(statistics.median(r.seconds for r in up), 2),
        "s3_to_file_s": round(statistics.median(r.seconds for r in down), 2),
        "requests_per_mb_up": round(up_requests / mb, 3),
        "requests_per_mb_down": round(down_requests / mb, 3),
        "runs": RUNS,
        "load": _load(),
    }
    print(f"\nstore bench (cp, disk, stored bytes): {json.dumps(figures)}")


def _managed_transfer(rgw_env, bucket: str, root: Path, into: Path) -> tuple[float, float]:
    """Seconds to upload, then download, every pack file with boto3's managed transfer
    (s3transfer: 8 MiB multipart chunks, 10 threads per file) and 8 files at a time."""
    from concurrent.futures import ThreadPoolExecutor

    client = rgw_env.client()
    files = sorted((root / "packs").iterdir())
    into.mkdir()
    began = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda f: client.upload_file(str(f), bucket, f"raw/{f.name}"), files))
    up = time.perf_counter() - began
    began = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        list(
            pool.map(
                lambda f: client.download_file(bucket, f"raw/{f.name}", str(into / f.name)), files
            )
        )
    return up, time.perf_counter() - began


def _episode(found: locator.Locator) -> dict[str, int]:
    """Requests of every runtime process of one episode: metrics, traces, each pod's logs."""
    requests = {}

    def source() -> tuple[Source, locator.LocatorSource]:
        parts = locator.LocatorSource(found)
        return Source(parts, bundle.read_manifest(parts, found.manifest_digest)), parts

    src, parts = source()
    for kind, frame_type in (("metrics", MetricFrame), ("traces", TraceFrame)):
        src, parts = source()
        for ref in src.manifest.parts_of(kind):
            src.frames(ref, frame_type)
        requests[kind] = parts.requests
    for pod in src.manifest.pods:
        src, parts = source()
        for _ in replay.log_lines(src, pod.name):
            pass
        requests[pod.name] = parts.requests
    return requests


@pytest.mark.timeout(3600)
def test_locators_and_one_episodes_requests(packed, rgw_env):
    _, src = packed
    bucket = rgw_env.new_bucket("bench-loc")
    s3 = open_store(rgw_env, bucket)
    copy.copy(src, s3)
    refs = list(s3.refs())
    sizes = [len(locator.locate(s3, sid, 3600).to_json()) for sid, _ in refs]
    fault = next(sid for sid, _ in refs if not sid.fault_free)
    found = locator.locate(s3, fault, 3600)
    manifest = bundle.resolve(s3, fault)[1]
    began = time.perf_counter()
    requests = _episode(found)
    seconds = time.perf_counter() - began
    figures = {
        "scenarios": len(refs),
        "locator_bytes_max": max(sizes),
        "locator_bytes_median": int(statistics.median(sizes)),
        "episode_scenario": str(fault),
        "episode_parts": len(manifest.parts),
        "episode_packs": len(found.packs),
        "episode_processes": len(requests),
        "episode_requests": sum(requests.values()),
        "episode_requests_max_per_process": max(requests.values()),
        "episode_fetch_s": round(seconds, 2),
        "load": _load(),
    }
    print(f"\nstore bench (locators, episode): {json.dumps(figures)}")
    s3.close()
    _empty(rgw_env, bucket)


# what the store changes in a replay, timed inside one interpreter (either version): read the
# manifest and every metrics part through the locator, verify, decompress and decode the frames
FETCH = """
import statistics, sys, time
from replaybed.runtime.source import open_source
from replaybed.schemas.framing import MetricFrame
times = []
for _ in range(int(sys.argv[2])):
    began = time.perf_counter()
    src = open_source(None, None, sys.argv[1])
    for ref in src.manifest.parts_of("metrics"):
        src.frames(ref, MetricFrame)
    times.append(time.perf_counter() - began)
print(statistics.median(times))
"""


def _fetch_metrics(python: str, locator_file: Path) -> float:
    done = subprocess.run(
        [python, "-c", FETCH, str(locator_file), "7"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return float(done.stdout)


def _run_metrics(python: str, locator_file: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one `run metrics` process: on a shared machine the wall
    time mostly measures waiting for a core, the CPU time what the process itself did."""
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    done = subprocess.run(
        [
            python,
            "-m",
            "replaybed",
            "run",
            "metrics",
            "--locator",
            str(locator_file),
            "--out",
            os.devnull,
            "--anchor",
            "end",
            "--json",
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - cpu.ru_utime + after.ru_stime - cpu.ru_stime


@pytest.mark.timeout(7200)
def test_run_metrics_packed_vs_loose(packed, rgw_env, tmp_path):
    baseline = os.environ.get("REPLAYBED_BENCH_BASELINE")
    if not baseline:
        pytest.skip("REPLAYBED_BENCH_BASELINE (python of a pre-pack replaybed) not set")
    dataset, src = packed
    loose_dir = tmp_path / "loose"
    old = [baseline, "-m", "replaybed"]
    chosen = [a for s in day_scenarios() for a in ("--scenario", s)]
    subprocess.run(
        [*old, "compile", str(dataset), "--store", str(loose_dir), *chosen, "--json"],
        check=True,
        capture_output=True,
    )
    packed_bucket, loose_bucket = rgw_env.new_bucket("bench-rp"), rgw_env.new_bucket("bench-rl")
    s3 = open_store(rgw_env, packed_bucket)
    copy.copy(src, s3)
    loose_url = f"s3://{loose_bucket}/bundles"
    began = time.perf_counter()
    subprocess.run(
        [*old, "store", "cp", str(loose_dir), loose_url, "--endpoint-url", rgw_env.endpoint],
        check=True,
        capture_output=True,
    )
    loose_cp_s = time.perf_counter() - began
    fault = next(sid for sid, _ in s3.refs() if not sid.fault_free)
    packed_loc, loose_loc = tmp_path / "packed.json", tmp_path / "loose.json"
    packed_loc.write_bytes(locator.locate(s3, fault, 7200).to_json())
    loose_loc.write_text(
        subprocess.run(
            [
                *old,
                "store",
                "url",
                loose_url,
                "--scenario",
                str(fault),
                "--expires",
                "2h",
                "--endpoint-url",
                rgw_env.endpoint,
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    new_times, old_times, new_fetch, old_fetch = [], [], [], []
    for _ in range(3 * RUNS):  # the replay is short and the machine shared: more rounds
        new_times.append(_run_metrics(sys.executable, packed_loc))
        old_times.append(_run_metrics(baseline, loose_loc))
    for _ in range(RUNS):
        new_fetch.append(_fetch_metrics(sys.executable, packed_loc))
        old_fetch.append(_fetch_metrics(baseline, loose_loc))
    new, was = (
        statistics.median(w for w, _ in new_times),
        statistics.median(w for w, _ in old_times),
    )
    loose_bytes, _ = _disk(loose_dir)
    figures = {
        "scenario": str(fault),
        "packed_run_metrics_s": round(new, 2),
        "loose_run_metrics_s": round(was, 2),
        "loose_over_packed": round(was / new, 2),
        "packed_run_metrics_cpu_s": round(statistics.median(c for _, c in new_times), 2),
        "loose_run_metrics_cpu_s": round(statistics.median(c for _, c in old_times), 2),
        "packed_fetch_metrics_s": round(statistics.median(new_fetch), 3),
        "loose_fetch_metrics_s": round(statistics.median(old_fetch), 3),
        "packed_locator_bytes": len(packed_loc.read_bytes()),
        "loose_locator_bytes": len(loose_loc.read_bytes()),
        "loose_store_mb": round(loose_bytes / 1e6, 1),
        "loose_cp_file_to_s3_s": round(loose_cp_s, 1),
        "loose_cp_file_to_s3_mb_s": round(loose_bytes / 1e6 / loose_cp_s, 2),
        "runs": 3 * RUNS,
        "load": _load(),
    }
    print(f"\nstore bench (run metrics packed vs loose): {json.dumps(figures)}")
    s3.close()
