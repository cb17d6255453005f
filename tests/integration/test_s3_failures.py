"""S3 failure cases against a real Ceph RGW: server down, server killed mid-copy, bad credentials,
missing bucket. Each must end in a clear error and a store with nothing half-published."""

import json
import time

import pytest
from click.testing import CliRunner
from support.bundles import fill, snapshot
from support.rgw import free_port, open_store

from replaybed.artifacts import layout
from replaybed.artifacts.errors import BucketMissing, CredentialsRejected, StoreUnavailable
from replaybed.artifacts.packs import MIN_PACK_BYTES
from replaybed.artifacts.store import Store
from replaybed.artifacts.tools import copy, verify
from replaybed.main import cli

pytestmark = pytest.mark.integration


def test_server_down_at_start_fails_fast_naming_the_endpoint(rgw_env):
    endpoint = f"http://127.0.0.1:{free_port()}"
    store = open_store(rgw_env, "bundles", endpoint_url=endpoint)
    started = time.monotonic()
    with pytest.raises(StoreUnavailable, match=f"S3 endpoint {endpoint} unreachable"):
        list(store.refs())
    assert time.monotonic() - started < 15
    result = CliRunner().invoke(cli, ["store", "ls", "s3://bundles/x", "--endpoint-url", endpoint])
    assert (
        result.exit_code == 1
        and f"error: s3://bundles/x/refs/: cannot list: S3 endpoint {endpoint}" in result.output
    )


def test_wrong_credentials_are_named_as_such(rgw_env, monkeypatch):
    bucket = rgw_env.new_bucket()
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
    with pytest.raises(
        CredentialsRejected, match="rejected the credentials.*SignatureDoesNotMatch"
    ):
        open_store(rgw_env, bucket).put_pack(b"x")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "nobody")
    with pytest.raises(CredentialsRejected, match="InvalidAccessKeyId"):
        list(open_store(rgw_env, bucket).refs())


def test_missing_bucket_says_how_to_create_it(rgw_env, tmp_path):
    with pytest.raises(
        BucketMissing,
        match=r"bucket 'no-such-bucket' does not exist.*aws s3 mb s3://no-such-bucket",
    ):
        list(open_store(rgw_env, "no-such-bucket").refs())
    src = str(tmp_path / "src")
    fill(Store.open(src), scenarios=1, parts=1, part_bytes=100)
    result = CliRunner().invoke(
        cli, ["store", "cp", src, "s3://no-such-bucket/b", "--endpoint-url", rgw_env.endpoint]
    )
    assert (
        result.exit_code == 1
        and "does not exist" in result.output
        and "Traceback" not in result.output
    )


class KillAfter:
    """Progress hook that kills radosgw once `packs` packs have been copied."""

    def __init__(self, server, packs):
        self.server, self.left = server, packs

    def start(self, total_bytes):
        pass

    def advance(self, nbytes):
        self.left -= 1
        if self.left == 0:
            self.server.kill_rgw()


def test_server_killed_mid_copy_then_rerun_completes(rgw_env, tmp_path):
    src = Store.open(str(tmp_path / "src"), pack_bytes=MIN_PACK_BYTES * 4)
    fill(src, scenarios=6, parts=4, part_bytes=200_000, shared=1)
    packs = len([i for i in src.backend.list(layout.PACKS)])
    assert packs >= 6
    bucket = rgw_env.new_bucket()
    dst = open_store(rgw_env, bucket, retries=2, connect_timeout_s=2)
    try:
        with pytest.raises(StoreUnavailable, match="unreachable"):
            copy.copy(src, dst, jobs=2, progress=KillAfter(rgw_env, 3))
    finally:
        if "rgw" not in rgw_env.procs:
            rgw_env.start_rgw()
    dst = open_store(rgw_env, bucket)
    partial = verify.verify(dst)
    # packs, maybe their indexes, but no manifest and no ref: nothing half-published
    assert partial.ok and partial.scenarios == 0 and 3 <= len(list(dst.backend.list(layout.PACKS)))
    assert not list(dst.backend.list(layout.MANIFESTS))
    again = copy.copy(src, dst)
    assert again.skipped_parts + again.copied_parts == 19 and len(again.scenarios) == 6
    assert snapshot(dst) == snapshot(src)
    result = CliRunner().invoke(
        cli,
        ["store", "verify", f"s3://{bucket}/bundles", "--json", "--endpoint-url", rgw_env.endpoint],
    )
    assert result.exit_code == 0 and json.loads(result.output)["scenarios"] == 6
