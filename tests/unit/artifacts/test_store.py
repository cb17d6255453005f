import pytest

from replaybed.artifacts import bundle, layout
from replaybed.artifacts.config import StoreConfig
from replaybed.artifacts.errors import (
    CorruptBlob,
    DigestMismatch,
    IncompleteScenario,
    ObjectNotFound,
    StoreConfigError,
)
from replaybed.artifacts.store import Store
from replaybed.schemas import media_types
from replaybed.schemas.manifest import Counts, Manifest, PartRef, Window
from replaybed.schemas.scenario_id import ScenarioId

SID = ScenarioId("openrca-market", "cloudbed-1", "000")


def manifest_with(parts) -> Manifest:
    return Manifest(
        dataset=SID.dataset,
        system=SID.system,
        scenario=SID.name,
        fault_free=True,
        origin_ms=0,
        window=Window.around(0, 60_000, 60_000),
        chunk_ms=300_000,
        namespace="ns",
        parts=tuple(parts),
        pods=(),
        services=(),
        nodes=(),
        counts=Counts(),
    )


def part_ref(stored: bundle.StoredPart) -> PartRef:
    return PartRef(
        "metrics", media_types.METRICS, stored.digest, stored.size, stored.raw_size, 0, 1, 1
    )


def test_blobs_are_write_once(any_store: Store):
    digest, created = any_store.put_blob(b"hello")
    assert created
    assert any_store.put_blob(b"hello") == (digest, False)
    assert any_store.get_blob(digest) == b"hello"


def test_corrupted_blob_is_caught_with_key_and_both_digests(any_store: Store):
    digest, _ = any_store.put_blob(b"hello")
    key = layout.blob_key(digest)
    any_store.backend.put(key, b"jello", if_absent=False)
    with pytest.raises(DigestMismatch) as info:
        any_store.get_blob(digest)
    message = str(info.value)
    assert key in message and digest in message and "actual sha256:" in message


def test_part_round_trip_and_capped_decompression(any_store: Store):
    raw = b"x" * 10_000
    stored = bundle.put_part(any_store, raw)
    ref = part_ref(stored)
    assert bundle.read_part(any_store, ref) == raw
    lying = PartRef("metrics", media_types.METRICS, stored.digest, stored.size, 100, 0, 1, 1)
    with pytest.raises(CorruptBlob, match="declares 10000 raw bytes, manifest says 100"):
        bundle.read_part(any_store, lying)


def test_publish_writes_ref_last_and_only_when_complete(any_store: Store):
    stored = bundle.put_part(any_store, b"payload")
    absent = PartRef("metrics", media_types.METRICS, "sha256:" + "0" * 64, 5, 5, 0, 1, 1)
    with pytest.raises(IncompleteScenario, match="the ref was not written"):
        bundle.publish(any_store, manifest_with([part_ref(stored), absent]))
    with pytest.raises(ObjectNotFound):
        any_store.get_ref(SID)
    digest, changed = bundle.publish(any_store, manifest_with([part_ref(stored)]))
    assert changed and any_store.get_ref(SID) == digest
    assert bundle.publish(any_store, manifest_with([part_ref(stored)])) == (digest, False)
    assert bundle.resolve(any_store, SID)[1] == manifest_with([part_ref(stored)])
    assert list(any_store.refs()) == [(SID, digest)]


def test_file_store_leaves_no_partial_objects(tmp_path):
    store = Store.open(f"file://{tmp_path}/s")
    digest, _ = store.put_blob(b"abc")
    files = sorted(
        p.relative_to(tmp_path / "s").as_posix() for p in (tmp_path / "s").rglob("*") if p.is_file()
    )
    assert files == [layout.blob_key(digest)]


def test_config_precedence():
    env = {"REPLAYBED_STORE": "/from/env", "AWS_ENDPOINT_URL": "http://generic", "HOME": "/home/u"}
    assert StoreConfig.resolve("/flag", env=env).url == "/flag"
    assert StoreConfig.resolve(None, env=env).url == "/from/env"
    assert (
        StoreConfig.resolve(None, env={"HOME": "/home/u"}).url
        == "/home/u/.local/share/replaybed/store"
    )
    assert StoreConfig.resolve(None, env=env).endpoint_url == "http://generic"
    assert (
        StoreConfig.resolve(None, endpoint_url="http://flag", env=env).endpoint_url == "http://flag"
    )
    with pytest.raises(StoreConfigError, match="addressing 'sideways'"):
        StoreConfig.resolve(None, addressing="sideways", env=env)


def test_unknown_scheme_is_a_config_error():
    with pytest.raises(StoreConfigError, match="unsupported scheme 'ftp'"):
        Store.open("ftp://host/x")
