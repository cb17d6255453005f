"""Sharded and parallel compiles give the one-process bytes; the stages check what they are given."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

from replaybed.artifacts import bundle
from replaybed.artifacts.store import Store
from replaybed.compile import chunk_workers, shard_index, shards
from replaybed.compile.errors import CompileError
from replaybed.compile.manifests import ShardChunks
from replaybed.compile.parts import ChunkIndex
from replaybed.main import cli
from replaybed.schemas import media_types
from replaybed.schemas.manifest import PartRef
from replaybed.schemas.scenario_id import ScenarioId

DAY1, DAY2 = 1_647_705_600_000, 1_647_792_000_000  # 2022-03-20 and -21 00:00 UTC+8
CHUNK = 300_000


def _blobs_and_refs(root):
    """Every blob and ref of a file store (not the shard indexes a parts stage leaves)."""
    return sorted(
        (p.relative_to(root).as_posix(), p.read_bytes())
        for p in root.rglob("*")
        if p.is_file() and not p.relative_to(root).as_posix().startswith("shards/")
    )


def _published(root):
    """What a store publishes, whatever its packs: refs and manifests byte for byte, and every
    part's stored bytes by digest (a staged compile packs its shards apart, so its packs differ
    from a one-process compile's; docs/compiler.md)."""
    files = [f for f in _blobs_and_refs(root) if f[0].startswith(("refs/", "manifests/"))]
    store = Store.open(str(root))
    wanted = sorted(store.catalog().parts)
    return files, sorted((d, bytes(b)) for d, b in store.read_part_blobs(wanted))


def _cli(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result


def _process(*args):
    return subprocess.Popen(
        [sys.executable, "-m", "replaybed", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": "random"},
    )


def test_shards_in_separate_processes_give_the_one_process_bytes(
    tiny_dataset, tiny_store, tmp_path
):
    listed = _cli("compile", tiny_dataset, "--system", "cloudbed-1", "--list-shards", "--json")
    assert listed.exit_code == 0, listed.output
    found = json.loads(listed.output)
    assert [s["shard"] for s in found] == ["cloudbed-1@2022-03-20", "cloudbed-1@2022-03-21"]
    assert {s["format"] for s in found} == {"openrca-market"} and all(s["chunks"] for s in found)
    store = tmp_path / "sharded"
    # both shards at once into one store, with different worker counts
    procs = [
        _process(
            "compile",
            tiny_dataset,
            "--store",
            store,
            # no --system, as the compile Job runs it: the shard alone decides what is built
            "--stage",
            "parts",
            "--shard",
            s["shard"],
            "--run",
            "r1",
            "--jobs",
            jobs,
            "--json",
        )
        for s, jobs in zip(found, (1, 3))
    ]
    for p, shard in zip(procs, found):
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err
        summary = json.loads(out)
        assert summary["stage"] == "parts" and summary["shards"] == [shard["shard"]]
        assert summary["scenarios"] == [] and summary["parts"] > 0
    assert not list(Store.open(str(store)).refs()), "the parts stage publishes nothing"
    done = _cli(
        "compile",
        tiny_dataset,
        "--store",
        store,
        "--system",
        "cloudbed-1",
        "--stage",
        "manifests",
        "--run",
        "r1",
        "--json",
    )
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["refs_changed"] == len(list(tiny_store.refs())) > 70
    staged, one = _published(store), _published(tiny_store.backend.root)
    assert len(staged[0]) > 140 and len(staged[1]) > 1000
    assert staged == one


def test_the_worker_count_changes_no_byte(tiny_dataset, tmp_path):
    pick = ("--scenario", "cloudbed-1/003", "--scenario", "cloudbed-1/ff-001")
    for jobs in (1, 2, 5):
        result = _cli(
            "compile", tiny_dataset, "--store", tmp_path / f"j{jobs}", *pick, "--jobs", jobs
        )
        assert result.exit_code == 0, result.output
    one = _blobs_and_refs(tmp_path / "j1")
    names = [name for name, _ in one]
    assert sum(n.startswith("refs/") for n in names) == 2 and any(
        n.startswith("packs/") for n in names
    )
    assert _blobs_and_refs(tmp_path / "j2") == one == _blobs_and_refs(tmp_path / "j5")


@pytest.mark.parametrize("chunk", ["7m", "1h", "90m"])
def test_chunks_that_do_not_divide_an_hour_hold_every_row(
    tiny_dataset, tiny_store, tmp_path, chunk
):
    # a chunk that crosses an hour reads both hours of the spill; counts are the window's, so
    # they do not depend on the chunk length
    pick = ("--scenario", "cloudbed-1/003", "--scenario", "cloudbed-1/ff-000")
    result = _cli("compile", tiny_dataset, "--store", tmp_path, *pick, "--chunk", chunk, "--json")
    assert result.exit_code == 0, result.output
    got = {s["id"]: s["counts"] for s in json.loads(result.output)["scenarios"]}
    for sid, counts in got.items():
        _, reference = bundle.resolve(tiny_store, ScenarioId.parse(sid))
        assert counts == vars(reference.counts), sid


def test_the_manifests_stage_names_a_shard_that_has_not_run(tiny_dataset, tmp_path):
    pick = ("--scenario", "cloudbed-1/003")
    result = _cli("compile", tiny_dataset, "--store", tmp_path, *pick, "--stage", "manifests")
    assert result.exit_code == 1
    assert "shard cloudbed-1@2022-03-20 is missing" in result.output
    assert "--stage parts --shard cloudbed-1@2022-03-20" in result.output
    assert not list(Store.open(str(tmp_path)).refs())


def test_the_manifests_stage_takes_only_its_run_and_chunk_length(tiny_dataset, tmp_path):
    pick = ("--scenario", "cloudbed-1/003")
    parts = _cli(
        "compile", tiny_dataset, "--store", tmp_path, *pick, "--stage", "parts", "--run", "a"
    )
    assert parts.exit_code == 0, parts.output
    other_run = _cli(
        "compile", tiny_dataset, "--store", tmp_path, *pick, "--stage", "manifests", "--run", "b"
    )
    assert other_run.exit_code == 1 and "is from run 'a', expected run 'b'" in other_run.output
    other_chunk = _cli(
        "compile",
        tiny_dataset,
        "--store",
        tmp_path,
        *pick,
        "--stage",
        "manifests",
        "--chunk",
        "10m",
    )
    assert other_chunk.exit_code == 1 and "was built with --chunk 300000 ms" in other_chunk.output
    more = _cli(
        "compile",
        tiny_dataset,
        "--store",
        tmp_path,
        "--scenario",
        "cloudbed-1/020",
        "--stage",
        "manifests",
    )
    assert more.exit_code == 1 and "that these scenarios need" in more.output
    assert not list(Store.open(str(tmp_path)).refs())
    ok = _cli(
        "compile", tiny_dataset, "--store", tmp_path, *pick, "--stage", "manifests", "--run", "a"
    )
    assert ok.exit_code == 0, ok.output
    assert [str(s) for s, _ in Store.open(str(tmp_path)).refs()] == [
        "openrca-market/cloudbed-1/003"
    ]


def test_an_unknown_shard_lists_the_known_ones(tiny_dataset, tmp_path):
    result = _cli(
        "compile",
        tiny_dataset,
        "--store",
        tmp_path,
        "--system",
        "cloudbed-1",
        "--stage",
        "parts",
        "--shard",
        "cloudbed-1@2022-03-22",
    )
    assert result.exit_code == 1
    assert "unknown shard(s) cloudbed-1@2022-03-22" in result.output
    assert "cloudbed-1@2022-03-20, cloudbed-1@2022-03-21" in result.output


def test_shard_plan_owns_each_chunk_once_and_names_spans():
    coverage = [(DAY2, DAY2 + 86_400_000), (DAY1, DAY1 + 86_400_000)]
    needed = [DAY1 - CHUNK, DAY1, DAY2 - CHUNK, DAY2, DAY2 + 86_400_000]
    plan = shards.plan("cb", "+08:00", coverage, needed)
    assert [s.name for s in plan] == ["cb@2022-03-20", "cb@2022-03-21"]
    # before the first span: the first shard; after the last: the last
    assert plan[0].chunks == (DAY1 - CHUNK, DAY1, DAY2 - CHUNK)
    assert plan[1].chunks == (DAY2, DAY2 + 86_400_000)
    assert shards.shard_name("cb", DAY1 + 90 * 60_000, "+08:00") == "cb@2022-03-20T0130"
    assert shards.shard_name("cb", DAY1, "+00:00") == "cb@2022-03-19T1600"
    with pytest.raises(CompileError, match="covers no time"):
        shards.plan("cb", "+08:00", [], needed)


def test_a_shard_index_round_trips(tmp_path):
    idx = ChunkIndex.empty(DAY1, DAY1 + CHUNK, 11)
    idx.samples[:] = [1, 2, 3, 4, 5]
    idx.series[2] = [0b1010_0000, 0b0010_0000]
    idx.traces = np.array([1, 2**64 - 1, 7], np.uint64)
    idx.trace_at = np.array([0, 2, 2, 3, 3, 3])
    idx.log_lines = {"pod-a": np.arange(5), "pöd-b": np.ones(5, np.int64)}
    idx.parts = [
        PartRef(
            "logs",
            media_types.for_kind("logs"),
            "sha256:" + "ab" * 32,
            10,
            20,
            DAY1,
            DAY1 + CHUNK,
            3,
            "pod-a",
        )
    ]
    built = ShardChunks({DAY1: idx}, [("t", "e", "kpi")], [True], [("pod-a", "node-1")])
    back, meta = shard_index.decode(shard_index.encode(built, {"run": "x"}), "here")
    assert meta == {"run": "x"} and back.keys == built.keys and back.placements == built.placements
    got = back.chunks[DAY1]
    for name in ("samples", "series", "spans", "traces", "trace_at"):
        assert np.array_equal(getattr(got, name), getattr(idx, name)), name
        assert getattr(got, name).dtype == getattr(idx, name).dtype, name
    assert {k: v.tolist() for k, v in got.log_lines.items()} == {
        k: v.tolist() for k, v in idx.log_lines.items()
    }
    assert got.parts == idx.parts and (got.first_minute, got.minutes) == (idx.first_minute, 5)
    with pytest.raises(CompileError, match="here: not a shard index"):
        shard_index.decode(b"not zstd", "here")


class _DiesWhenUnpickled:
    """A chunk input whose unpickling ends the worker process that loads it."""

    def __reduce__(self):
        return (os._exit, (3,))


def test_a_worker_that_dies_fails_the_compile_instead_of_hanging(tmp_path):
    # multiprocessing.Pool silently replaces a dead worker and waits forever for its task (it
    # did, in the compile image, whose entry script ran main() in every spawned worker)
    work = chunk_workers.tasks([0, 3_600_000], CHUNK)
    with chunk_workers.Builders(tmp_path, level=3, jobs=2, tasks=len(work)) as builders:
        with pytest.raises(CompileError, match="worker process building parts died"):
            list(builders.build(_DiesWhenUnpickled(), work))  # type: ignore[arg-type]


def test_a_missing_day_folder_is_reported_before_any_shard_is_built(tiny_dataset, tmp_path):
    # cloudbed-1 with its first day only: the second day's shard cannot be read, and the compile
    # says so before it reads (and builds) the first day, as it did before there were shards
    one_day = tmp_path / "one-day" / "Market" / "cloudbed-1"
    (one_day / "telemetry").mkdir(parents=True)
    source = tiny_dataset / "Market" / "cloudbed-1"
    for name in ("record.csv", "query.csv"):
        (one_day / name).symlink_to(source / name)
    (one_day / "telemetry" / "2022_03_20").symlink_to(source / "telemetry" / "2022_03_20")
    result = _cli("compile", tmp_path / "one-day", "--store", tmp_path / "store")
    assert result.exit_code != 0
    assert "missing day folder 2022_03_21" in result.output
    assert "read " not in result.output, "a shard was read before the error"
    assert not (tmp_path / "store" / "refs").exists()
