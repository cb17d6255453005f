"""PackWriter and Store on the memory and file backends: commit order, dedup, determinism, reads."""

import os

import pytest
from support.bundles import fill, payload, scenario_ids, snapshot

from replaybed.artifacts import bundle, layout
from replaybed.artifacts.backends.memory import MemoryBackend
from replaybed.artifacts.config import StoreConfig
from replaybed.artifacts.errors import (
    CorruptBlob,
    DigestMismatch,
    IncompleteScenario,
    LegacyLayout,
    ObjectNotFound,
    StoreConfigError,
    StoreUnavailable,
)
from replaybed.artifacts.packs import MIN_PACK_BYTES
from replaybed.artifacts.store import Store
from replaybed.artifacts.writer import PackWriter
from replaybed.schemas import media_types
from replaybed.schemas.manifest import PartRef

SID = scenario_ids(1)[0]


def part_ref(stored: bundle.StoredPart, start: int = 0) -> PartRef:
    return PartRef(
        "metrics", media_types.METRICS, stored.digest, stored.size, stored.raw_size, start, 1, 1
    )


def keys(store: Store, prefix: str = "") -> list[str]:
    return [i.key for i in store.backend.list(prefix)]


def test_parts_go_into_packs_with_an_index_and_read_back_verified(any_store: Store):
    fill(any_store, scenarios=3, parts=4, part_bytes=5000, shared=2)
    [pack] = keys(any_store, layout.PACKS)
    [index] = keys(any_store, layout.INDEXES)
    assert len(keys(any_store, layout.MANIFESTS)) == 3 and len(keys(any_store, layout.REFS)) == 3
    assert not keys(any_store, layout.LOCKS) and not keys(any_store, layout.LEGACY_BLOBS)
    ix = any_store.get_index(layout.digest_of_index(index))
    assert layout.pack_key(ix.pack) == pack and len(ix.entries) == 8  # 3 x 4 parts, 2 shared
    _, manifest = bundle.resolve(any_store, SID)
    raws = [raw for _, raw in bundle.read_parts(any_store, manifest.parts)]
    assert sorted(raws) == sorted(payload(seed, 5000) for seed in range(4))


def test_rerunning_a_compile_writes_nothing_and_two_compiles_are_byte_identical(tmp_path):
    first = Store.open(str(tmp_path / "a"))
    fill(first, scenarios=4, parts=5, part_bytes=20_000, pack_bytes=MIN_PACK_BYTES)
    before = snapshot(first)
    assert len(keys(first, layout.PACKS)) > 1  # several packs, cut at the size
    with PackWriter(first) as writer:
        again = bundle.put_part(writer, payload(0, 20_000), level=1)
    assert not again.created
    fill(first, scenarios=4, parts=5, part_bytes=20_000, pack_bytes=MIN_PACK_BYTES)
    assert snapshot(first) == before
    second = Store(MemoryBackend("twin"), pack_bytes=MIN_PACK_BYTES)
    fill(second, scenarios=4, parts=5, part_bytes=20_000)
    assert snapshot(second) == before


def test_file_store_disk_use_is_close_to_its_stored_bytes(tmp_path):
    store = Store.open(str(tmp_path / "s"))
    fill(store, scenarios=20, parts=12, part_bytes=3000, shared=6)  # 3 KB parts, like small scale
    parts = sum(p.size for sid, _ in store.refs() for p in bundle.resolve(store, sid)[1].parts)
    files = [p for p in (tmp_path / "s").rglob("*") if p.is_file()]
    # 126 distinct parts in one pack and one index (they were 126 files of a 4 KB block each)
    assert len([p for p in files if p.parent.name in ("packs", "indexes")]) == 2
    packed = [p for p in files if p.parent.name == "packs"]
    disk = sum(os.stat(p).st_blocks * 512 for p in packed)
    assert sum(p.stat().st_size for p in packed) <= parts
    assert disk <= 1.1 * sum(p.stat().st_size for p in packed)


def test_publish_refuses_parts_nobody_wrote_and_writes_nothing(any_store: Store):
    with pytest.raises(IncompleteScenario, match="the ref was not written"):
        with PackWriter(any_store) as writer:
            stored = bundle.put_part(writer, b"payload")
            absent = PartRef("metrics", media_types.METRICS, "sha256:" + "0" * 64, 5, 5, 0, 1, 1)
            writer.publish(bundle_manifest([part_ref(stored), absent]))
    assert keys(any_store) == []  # the exception aborted the session: not even the pack


def bundle_manifest(parts):
    from support.bundles import manifest_for

    return manifest_for(SID, parts)


def test_direct_publish_of_stored_parts_and_ref_moves(any_store: Store):
    with PackWriter(any_store) as writer:
        stored = bundle.put_part(writer, b"payload")
    m = bundle_manifest([part_ref(stored)])
    digest, changed = bundle.publish(any_store, m)
    assert changed and any_store.get_ref(SID) == digest
    assert bundle.publish(any_store, m) == (digest, False)
    assert bundle.resolve(any_store, SID)[1] == m
    absent = PartRef("metrics", media_types.METRICS, "sha256:" + "1" * 64, 5, 5, 0, 1, 1)
    with pytest.raises(IncompleteScenario):
        bundle.publish(any_store, bundle_manifest([absent]))
    assert any_store.get_ref(SID) == digest


class FailingPuts(MemoryBackend):
    """A backend that dies at the first write of a key under `prefix`."""

    def __init__(self, name, prefix):
        super().__init__(name)
        self.prefix = prefix

    def put(self, key, data, *, if_absent):
        if key.startswith(self.prefix):
            raise StoreUnavailable(f"{self.url}: gone")
        return super().put(key, data, if_absent=if_absent)


@pytest.mark.parametrize("dies_at", [layout.PACKS, layout.INDEXES, layout.MANIFESTS, layout.REFS])
def test_commit_order_never_exposes_a_half_written_scenario(dies_at):
    backend = FailingPuts(f"dies-{dies_at}", dies_at)
    store = Store(backend)
    with pytest.raises(StoreUnavailable):
        fill(store, scenarios=2, parts=3, part_bytes=1000)
    written = keys(store)
    order = [layout.PACKS, layout.INDEXES, layout.MANIFESTS, layout.REFS]
    later = order[order.index(dies_at) :]
    assert not [k for k in written if k.startswith(tuple(later))]
    assert not keys(store, layout.LOCKS)  # released on the way out
    # what the store shows is consistent: every ref reaches a complete scenario
    assert list(store.refs()) == []
    backend.prefix = "nothing"
    fill(store, scenarios=2, parts=3, part_bytes=1000)
    for sid, _ in store.refs():
        assert len(list(bundle.read_parts(store, bundle.resolve(store, sid)[1].parts))) == 3


def flip_pack_byte(store: Store, at: int) -> None:
    [key] = keys(store, layout.PACKS)
    data = bytearray(store.backend.get(key))
    data[at] ^= 0x01
    store.backend.put(key, bytes(data), if_absent=False)


def test_a_flipped_pack_byte_is_caught_naming_pack_and_part(any_store: Store):
    fill(any_store, scenarios=1, parts=3, part_bytes=700)
    _, manifest = bundle.resolve(any_store, SID)
    loc = any_store.catalog().get(manifest.parts[1].digest)
    assert loc is not None
    flip_pack_byte(any_store, loc.offset + 10)
    with pytest.raises(DigestMismatch) as info:
        list(bundle.read_parts(any_store, manifest.parts))
    message = str(info.value)
    assert layout.pack_key(loc.pack) in message and manifest.parts[1].digest in message
    assert "actual sha256:" in message
    assert bundle.read_part(any_store, manifest.parts[0])  # its neighbours still read


def test_decompression_is_capped_at_the_declared_raw_size(any_store: Store):
    with PackWriter(any_store) as writer:
        stored = bundle.put_part(writer, b"x" * 10_000)
    lying = PartRef("metrics", media_types.METRICS, stored.digest, stored.size, 100, 0, 1, 1)
    with pytest.raises(CorruptBlob, match="declares 10000 raw bytes, manifest says 100"):
        bundle.read_part(any_store, lying)


def test_a_tampered_index_is_caught_by_its_digest(any_store: Store):
    fill(any_store, scenarios=1, parts=2, part_bytes=100)
    [key] = keys(any_store, layout.INDEXES)
    data = bytearray(any_store.backend.get(key))
    data[-1] ^= 0x01  # a part's length
    any_store.backend.put(key, bytes(data), if_absent=False)
    with pytest.raises(DigestMismatch, match=key):
        Store(any_store.backend).catalog()  # a reader opening the tampered store


def test_a_loose_blob_store_asks_for_repack(memory_store: Store):
    digest = "sha256:" + "ab" * 32
    memory_store.backend.put(layout.legacy_blob_key(digest), b"old", if_absent=True)
    memory_store.backend.put(layout.ref_key(SID), f"{digest}\n".encode(), if_absent=False)
    with pytest.raises(LegacyLayout, match="replaybed store repack memory://"):
        bundle.resolve(memory_store, SID)
    with pytest.raises(ObjectNotFound):
        bundle.read_manifest(memory_store, "sha256:" + "cd" * 32)


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
    assert StoreConfig.resolve(None, env=env | {"REPLAYBED_PACK_MB": "16"}).pack_bytes == 16 << 20
    with pytest.raises(StoreConfigError, match="addressing 'sideways'"):
        StoreConfig.resolve(None, addressing="sideways", env=env)
    with pytest.raises(StoreConfigError, match="REPLAYBED_PACK_MB='big'"):
        StoreConfig.resolve(None, env=env | {"REPLAYBED_PACK_MB": "big"})


def test_unknown_scheme_is_a_config_error():
    with pytest.raises(StoreConfigError, match="unsupported scheme 'ftp'"):
        Store.open("ftp://host/x")
