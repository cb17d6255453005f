"""The compile image (`runtime/build-image.sh --variant compile`), built and run for real.

The compiler with pyarrow, numpy, zstandard and boto3 on the same Debian base as the runtime
image, plus `sh` and `cut` for the Indexed Job's one-line script. Inside it, as uid 10001: the
rendered parts Job's exact command for each index (one shard per day of a cloudbed of the tiny
dataset), then the manifests Job's, give the host's one-process compile byte for byte (manifests,
refs and every part; same pinned zstandard), and the root stays untouched. ~2 min on a first
run (100 MB of wheels to download, 300 MB to compress).
"""

from __future__ import annotations

import filecmp
import json
import subprocess

import pytest
from click.testing import CliRunner
from support.image import Buildah, build, files

from replaybed.artifacts.store import Store
from replaybed.k8s.compile_job import ShardRef, compile_jobs
from replaybed.main import cli

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def compile_image(tmp_path_factory):
    return build(tmp_path_factory.mktemp("compile-image"), "compile")


def _same_tree(a, b) -> list[str]:
    """Paths that differ between two folders (missing on either side or different bytes)."""
    cmp = filecmp.dircmp(a, b)
    out = [f"{a}/{n}" for n in cmp.left_only + cmp.right_only + cmp.diff_files + cmp.funny_files]
    for sub in cmp.common_dirs:
        out += _same_tree(a / sub, b / sub)
    return out


def test_the_compile_job_runs_in_the_image_and_writes_the_hosts_bytes(
    compile_image, tiny_dataset, tiny_store, tmp_path
):
    s = compile_image.summary
    print(
        f"\ncompile image {s['digest']}: {s['compressed_bytes'] / 1e6:.1f} MB compressed, "
        f"{s['unpacked_bytes'] / 1e6:.1f} MB unpacked; layers "
        + ", ".join(
            f"{lr['name']} {lr['compressed'] / 1e6:.1f}/{lr['unpacked'] / 1e6:.1f} MB"
            for lr in s["layers"]
        )
    )
    assert compile_image.name == "ghcr.io/replaybed/replaybed:0.1.0"  # compile-job's default
    buildah = Buildah(tmp_path / "buildah")
    buildah.pull(compile_image)
    container = buildah.container(compile_image.name)
    root = buildah.mount(container)
    before = files(root)
    out = tmp_path / "out"
    out.mkdir(mode=0o777)
    out.chmod(0o777)  # the job runs as uid 10001
    listed = CliRunner().invoke(
        cli, ["compile", str(tiny_dataset), "--system", "cloudbed-1", "--list-shards", "--json"]
    )
    assert listed.exit_code == 0, listed.output
    shards = [ShardRef.from_dict(d, "--list-shards") for d in json.loads(listed.output)]
    assert len(shards) == 2  # cloudbed-1's two days
    parts_job, manifests_job = compile_jobs(
        namespace="replaybed",
        image=compile_image.name,
        store_url="/out/store",
        dataset_claim="claim",
        credentials_secret="secret",
        shards=shards,
        run="r1",
    )
    assert parts_job["spec"]["completions"] == len(shards)

    def run_job(job: dict, index: int | None) -> dict:
        command = job["spec"]["template"]["spec"]["containers"][0]["command"]
        env = [] if index is None else [f"--env=JOB_COMPLETION_INDEX={index}"]
        done = subprocess.run(
            [
                *buildah.base,
                "run",
                "--isolation=chroot",
                "--user=10001:10001",
                *env,
                f"--volume={tiny_dataset}:/dataset:ro",
                f"--volume={out}:/out",
                container,
                "--",
                *command,
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout)

    try:
        # every index of the Indexed Job, as Kubernetes would run them, then the manifests Job
        for index, shard in enumerate(shards):
            summary = run_job(parts_job, index)
            assert summary["shards"] == [shard.name] and summary["scenarios"] == []
        summary = run_job(manifests_job, None)
        assert summary["refs_changed"] == len(summary["scenarios"]) == len(list(tiny_store.refs()))
        assert files(root) == before, "the compile wrote into the image's root"
        heavy = buildah.run(
            container,
            ["python3", "-c", "import pyarrow, numpy, zstandard, boto3; print('ok')"],
            text=True,
        )
        assert heavy.stdout.strip() == "ok", heavy.stderr
    finally:
        buildah.remove_all()
    # the host's one-process compile: the same manifests and refs byte for byte, the same parts
    # (the shards pack their parts apart, so the packs themselves differ; docs/compiler.md)
    host = tiny_store.backend.root
    for folder in ("manifests", "refs"):
        assert _same_tree(out / "store" / folder, host / folder) == []
    staged = Store.open(str(out / "store"))
    assert set(staged.catalog().parts) == set(tiny_store.catalog().parts)
    wanted = sorted(tiny_store.catalog().parts)
    assert dict(staged.read_part_blobs(wanted)) == dict(tiny_store.read_part_blobs(wanted))
