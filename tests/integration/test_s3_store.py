"""The S3 backend and the store tools against a real Ceph RGW (see support/rgw.py)."""

import threading
import urllib.request

import pytest
from support.bundles import fill, payload, scenario_ids, snapshot
from support.rgw import open_store
from support.s3proxy import NoConditionalPutProxy

from replaybed.artifacts import bundle, gc, layout, listing, locator, reach, transfer, verify
from replaybed.artifacts.errors import DigestMismatch
from replaybed.artifacts.store import Store

pytestmark = pytest.mark.integration
MIB = 1024 * 1024


@pytest.fixture
def s3(rgw_env):
    store = open_store(rgw_env, rgw_env.new_bucket())
    yield store
    store.close()


def raw_key(store: Store, key: str) -> str:
    return store.backend.prefix + key


def test_layout_put_get_and_server_side_conditional_put(s3, rgw_env):
    digest, created = s3.put_blob(b"hello")
    assert created and s3.put_blob(b"hello") == (digest, False)
    assert s3.backend.conditional_puts  # RGW honours If-None-Match: *, no fallback needed
    client = rgw_env.client()
    key = f"bundles/blobs/sha256/{digest[7:9]}/{digest[7:]}"
    assert client.get_object(Bucket=s3.backend.bucket, Key=key)["Body"].read() == b"hello"
    assert s3.get_blob(digest) == b"hello"
    # a same-key object of another size is damage: the write-once put repairs it
    client.put_object(Bucket=s3.backend.bucket, Key=key, Body=b"hell")
    assert s3.put_blob(b"hello") == (digest, True) and s3.get_blob(digest) == b"hello"


def test_check_then_put_when_the_server_refuses_conditional_puts(rgw_env):
    bucket = rgw_env.new_bucket()
    with NoConditionalPutProxy(rgw_env.endpoint) as proxy:
        store = open_store(rgw_env, bucket, endpoint_url=proxy.endpoint)
        digest, created = store.put_blob(b"first")
        assert created and not store.backend.conditional_puts and proxy.refused == 1
        assert store.put_blob(b"first") == (digest, False) and proxy.refused == 1
        assert store.put_blob(b"second")[1] and store.get_blob(digest) == b"first"
        store.close()


def test_multipart_upload_and_parallel_ranged_read(rgw_env):
    store = open_store(rgw_env, rgw_env.new_bucket(), multipart_bytes=5 * MIB, max_concurrency=4)
    data = payload(7, 12 * MIB + 123)
    digest, created = store.put_blob(data)
    assert created
    head = rgw_env.client().head_object(
        Bucket=store.backend.bucket, Key=raw_key(store, layout.blob_key(digest))
    )
    assert head["ETag"].strip('"').endswith("-3") and head["ContentLength"] == len(data)
    assert store.get_blob(digest) == data
    assert store.put_blob(data) == (digest, False)
    # an upload nobody completed is debris gc removes
    client = rgw_env.client()
    client.create_multipart_upload(
        Bucket=store.backend.bucket, Key=raw_key(store, "blobs/sha256/00/abandoned")
    )
    assert [left.key for left in store.backend.leftovers()] == ["blobs/sha256/00/abandoned"]
    report = gc.collect(store, 0)
    assert report.leftovers == ["blobs/sha256/00/abandoned"] and not list(store.backend.leftovers())
    assert report.deleted == [layout.blob_key(digest)]  # nothing references it
    store.close()


def test_presigned_locator_needs_no_credentials(s3):
    fill(s3, scenarios=1, parts=3, part_bytes=5000)
    scenario = scenario_ids(1)[0]
    found = locator.Locator.from_json(locator.locate(s3, scenario, 600).to_json())
    manifest_url = found.urls[found.manifest_digest]
    assert manifest_url.startswith("http://127.0.0.1:") and "X-Amz-Signature=" in manifest_url
    with urllib.request.urlopen(manifest_url, timeout=10) as resp:
        assert resp.read() == s3.get_blob(found.manifest_digest)
    unsigned = manifest_url.split("?", 1)[0]
    with pytest.raises(urllib.error.HTTPError) as denied:
        urllib.request.urlopen(unsigned, timeout=10)
    assert denied.value.code == 403
    denied.value.close()
    source = locator.LocatorSource(found)
    manifest = bundle.read_manifest(source, found.manifest_digest)
    assert [bundle.read_part(source, p) for p in manifest.parts] == [
        bundle.read_part(s3, p) for p in manifest.parts
    ]


def test_cp_file_to_s3_to_file_is_byte_identical(s3, tmp_path):
    src = Store.open(str(tmp_path / "src"))
    fill(src, scenarios=4, parts=4, part_bytes=40_000, shared=2)
    fill(src, scenarios=2, parts=3, part_bytes=30_000, system="cloudbed-2")
    up = transfer.copy(src, s3)
    assert up.copied == len(snapshot(src)) - 6 and len(up.scenarios) == 6
    assert verify.verify(s3).ok
    assert listing.size_rows(reach.load(s3)) == listing.size_rows(reach.load(src))
    assert [listing.scenario_row(r) for r in reach.load(s3)] == [
        listing.scenario_row(r) for r in reach.load(src)
    ]
    back = Store.open(str(tmp_path / "back"))
    transfer.copy(s3, back)
    assert snapshot(back) == snapshot(src)
    again = transfer.copy(src, s3)
    assert again.copied == 0 and again.skipped == up.copied


def test_gc_on_s3_keeps_reachable_blobs(s3):
    fill(s3, scenarios=2, parts=2, part_bytes=1000, shared=0)
    orphan, _ = s3.put_blob(b"nobody needs me")
    assert gc.collect(s3, 3600).deleted == []  # too young
    dry = gc.collect(s3, 0, dry_run=True)
    assert dry.deleted == [layout.blob_key(orphan)] and s3.has_blob(orphan)
    assert gc.collect(s3, 0).deleted == [layout.blob_key(orphan)]
    assert not s3.has_blob(orphan) and verify.verify(s3).ok


def test_flipped_byte_in_s3_is_caught_by_verify_and_reads(s3, rgw_env):
    fill(s3, scenarios=1, parts=2, part_bytes=3000)
    manifest = bundle.resolve(s3, scenario_ids(1)[0])[1]
    part = manifest.parts[1]
    key = raw_key(s3, layout.blob_key(part.digest))
    client = rgw_env.client()
    data = bytearray(client.get_object(Bucket=s3.backend.bucket, Key=key)["Body"].read())
    data[100] ^= 0x40
    client.put_object(Bucket=s3.backend.bucket, Key=key, Body=bytes(data))
    report = verify.verify(s3)
    assert [(p.kind, p.key) for p in report.problems] == [("corrupt", layout.blob_key(part.digest))]
    assert (
        part.digest in report.problems[0].detail and "actual sha256:" in report.problems[0].detail
    )
    with pytest.raises(DigestMismatch) as info:
        bundle.read_part(s3, part)
    assert info.value.expected == part.digest and layout.blob_key(part.digest) in str(info.value)


def test_concurrent_compilers_leave_a_consistent_s3_store(s3):
    errors = []

    def compile_once(label):
        try:
            fill(s3, scenarios=3, parts=3, part_bytes=20_000, label=label)
        except Exception as exc:  # pragma: no cover - asserted below
            errors.append(exc)

    threads = [threading.Thread(target=compile_once, args=(label,)) for label in "abab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    report = verify.verify(s3)
    assert report.ok and report.scenarios == 3
