"""ls, verify, cp, gc, repack and url on the memory and file backends (S3: integration tests)."""

import os
import threading
import time

import pytest
from support.bundles import fill, manifest_for, payload, scenario_ids, snapshot

from replaybed.artifacts import bundle, layout, locator
from replaybed.artifacts.backends.memory import MemoryBackend
from replaybed.artifacts.errors import (
    ObjectNotFound,
    StoreConfigError,
    StoreError,
    StoreUnavailable,
)
from replaybed.artifacts.packs import MIN_PACK_BYTES
from replaybed.artifacts.store import Store
from replaybed.artifacts.tools import copy, durations, gc, listing, reach, repack, verify
from replaybed.artifacts.writer import PackWriter
from replaybed.schemas import media_types
from replaybed.schemas.manifest import PartRef
from replaybed.schemas.scenario_id import ScenarioId


def keys(store: Store, prefix: str) -> list[str]:
    return [i.key for i in store.backend.list(prefix)]


def flip(store: Store, key: str, at: int) -> None:
    data = bytearray(store.backend.get(key))
    data[at] ^= 0x01
    store.backend.put(key, bytes(data), if_absent=False)


def test_ls_sizes_count_shared_parts_once(any_store):
    fill(any_store, scenarios=3, parts=4, part_bytes=1000, shared=2)
    rows, totals = listing.size_rows(reach.load(any_store))
    assert [r["id"] for r in rows] == [str(s) for s in scenario_ids(3)]
    assert all(r["raw_bytes"] == 4000 for r in rows)
    # 3 scenarios x 4 parts, consecutive ones share 2: 8 distinct parts
    assert totals["parts"] == 8
    assert totals["referenced_bytes"] == sum(r["referenced_bytes"] for r in rows)
    assert totals["dedup_ratio"] > 1.3
    assert rows[1]["unique_bytes"] < rows[0]["unique_bytes"] < rows[0]["referenced_bytes"]


def test_scenario_rows_show_fault_time_and_origin_in_dataset_zone(memory_store):
    with PackWriter(memory_store) as writer:
        part = bundle.put_part(writer, b"x" * 10)
        ref = PartRef(
            "metrics", media_types.METRICS, part.digest, part.size, part.raw_size, 0, 1, 1
        )
        ff = ScenarioId("openrca-market", "cloudbed-1", "ff-001")
        writer.publish(manifest_for(ff, [ref], origin_s=0, fault=False))
        writer.publish(manifest_for(scenario_ids(1)[0], [ref]))
    rows = {r["id"]: r for r in map(listing.scenario_row, reach.load(memory_store))}
    free = rows["openrca-market/cloudbed-1/ff-001"]
    assert (free["time"], free["epoch"], free["fault_free"], free["reason"]) == (
        "1970-01-01 08:00:00",
        0,
        True,
        "",
    )
    fault = rows["openrca-market/cloudbed-1/000"]
    assert (fault["time"], fault["epoch"], fault["fault_free"]) == (
        "2022-03-20 09:09:06",
        1_647_738_546,
        False,
    )
    assert fault["component"] == "shippingservice-1" and fault["series"] == 1


def test_verify_finds_a_flipped_pack_byte_a_tampered_index_and_a_missing_pack(any_store):
    fill(any_store, scenarios=2, parts=3, part_bytes=2000, shared=1, pack_bytes=MIN_PACK_BYTES)
    clean = verify.verify(any_store)
    assert clean.ok and clean.parts == 5 and clean.packs == clean.indexes == 1
    first = bundle.resolve(any_store, scenario_ids(2)[0])[1]
    corrupt = first.parts[0]
    loc = any_store.catalog().get(corrupt.digest)
    assert loc is not None
    pack = layout.pack_key(loc.pack)
    flip(any_store, pack, loc.offset + 5)
    report = verify.verify(any_store)
    assert {(p.kind, p.key, p.part) for p in report.problems} == {
        ("corrupt", pack, ""),  # the pack no longer hashes to its name
        ("corrupt", pack, corrupt.digest),
    }
    part_problem = next(p for p in report.problems if p.part)
    assert "actual sha256:" in part_problem.detail and part_problem.scenarios == (
        str(scenario_ids(2)[0]),
    )
    # with a selection only the selected parts are read (ranged), and only theirs are reported
    second = bundle.resolve(any_store, scenario_ids(2)[1])[1]
    assert corrupt.digest not in {p.digest for p in second.parts}
    selected = verify.verify(any_store, [str(scenario_ids(2)[1])])
    assert selected.ok and selected.parts == 3
    assert [p.part for p in verify.verify(any_store, [str(scenario_ids(2)[0])]).problems] == [
        corrupt.digest
    ]
    [index] = keys(any_store, layout.INDEXES)
    flip(any_store, index, 60)
    tampered = verify.verify(Store(any_store.backend))
    assert ("corrupt", index) in {(p.kind, p.key) for p in tampered.problems}
    assert {p.kind for p in tampered.problems if p.part} == {"missing"}  # no index names them
    any_store.backend.delete(index)
    any_store.backend.delete(pack)
    gone = verify.verify(Store(any_store.backend))
    assert {p.kind for p in gone.problems} == {"missing"} and len(gone.problems) == 5


def test_verify_finds_a_missing_manifest_and_a_missing_pack(memory_store):
    fill(memory_store, scenarios=2, parts=2, part_bytes=100, shared=0)
    digest = memory_store.get_ref(scenario_ids(2)[0])
    memory_store.backend.delete(layout.manifest_key(digest))
    report = verify.verify(memory_store)
    assert [(p.kind, p.key) for p in report.problems] == [("missing", layout.manifest_key(digest))]
    [pack] = keys(memory_store, layout.PACKS)
    memory_store.backend.delete(pack)
    report = verify.verify(memory_store)
    assert ("missing", pack) in {(p.kind, p.key) for p in report.problems}


def test_cp_copies_packs_whole_byte_identical_then_skips_everything(any_store, tmp_path):
    fill(any_store, scenarios=3, parts=3, part_bytes=30_000, pack_bytes=MIN_PACK_BYTES)
    dst = Store.open(str(tmp_path / "dst"))
    first = copy.copy(any_store, dst)
    packs = len(keys(any_store, layout.PACKS))
    assert first.packs == packs > 1 and first.new_packs == 0 and first.skipped_parts == 0
    assert snapshot(dst) == snapshot(any_store)
    again = copy.copy(any_store, dst)
    assert (again.packs, again.copied_parts, len(again.scenarios)) == (0, 0, 3)
    assert again.skipped_parts == first.copied_parts


def test_cp_of_a_selection_repacks_only_what_it_needs(memory_store):
    fill(memory_store, scenarios=4, parts=4, part_bytes=5000, shared=1)
    one = str(scenario_ids(4)[2])
    dst = Store(MemoryBackend("cp-only"))
    report = copy.copy(memory_store, dst, [one])
    assert report.scenarios == [one] and report.packs == 0 and report.repacked_parts == 4
    assert [str(s) for s, _ in dst.refs()] == [one]
    assert verify.verify(dst).ok
    # the manifest travels byte for byte, so the ref names the same digest
    assert dst.get_ref(scenario_ids(4)[2]) == memory_store.get_ref(scenario_ids(4)[2])
    # a later full copy sends the rest (and repacks, since DST holds part of the packs)
    rest = copy.copy(memory_store, dst)
    assert rest.skipped_parts == 4 and len(rest.scenarios) == 4 and verify.verify(dst).ok


class FailingAfter(MemoryBackend):
    """A destination that goes away after `budget` pack writes, like a server killed mid-copy."""

    def __init__(self, name, budget):
        super().__init__(name)
        self.budget = budget

    def put(self, key, data, *, if_absent):
        if key.startswith(layout.PACKS):
            if self.budget <= 0:
                raise StoreUnavailable(f"{self.url}: gone")
            self.budget -= 1
        return super().put(key, data, if_absent=if_absent)


def test_interrupted_cp_leaves_no_ref_and_rerun_completes(memory_store):
    fill(memory_store, scenarios=4, parts=5, part_bytes=20_000, shared=1, pack_bytes=MIN_PACK_BYTES)
    dst_backend = FailingAfter("cp-fail", budget=2)
    dst = Store(dst_backend)
    with pytest.raises(StoreUnavailable):
        copy.copy(memory_store, dst, jobs=1)
    assert len(keys(dst, layout.PACKS)) == 2 and not list(dst.refs())
    assert not keys(dst, layout.LOCKS)
    dst_backend.budget = 10**6
    again = copy.copy(memory_store, dst)
    assert again.skipped_parts > 0 and len(again.scenarios) == 4
    assert snapshot(dst) == snapshot(memory_store)


def test_gc_repacks_live_parts_and_drops_the_rest(tmp_path):
    store = Store.open(str(tmp_path / "store"))
    fill(store, scenarios=3, parts=3, part_bytes=3000, shared=1)
    # an abandoned scenario: its ref goes, its parts and manifest stay behind
    doomed = scenario_ids(3)[0]
    store.backend.delete(layout.ref_key(doomed))
    live_before = {sid: bundle.resolve(store, sid)[1] for sid, _ in store.refs()}
    old = time.time() - 7200
    for key in keys(store, ""):
        os.utime(store.backend.root / key, (old, old))
    tmp = store.backend.root / "packs" / ".half-written.123.abcd.tmp"
    tmp.write_bytes(b"partial")
    os.utime(tmp, (old, old))
    dry = gc.collect(store, 3600, dry_run=True)
    assert len(dry.deleted_packs) == 1 and dry.repacked_packs == 1 and dry.dropped_parts == 2
    assert tmp.exists() and len(keys(store, layout.MANIFESTS)) == 3
    done = gc.collect(store, 3600)
    assert done.new_packs == 1 and done.dropped_parts == 2 and not tmp.exists()
    assert len(keys(store, layout.MANIFESTS)) == 2 and len(keys(store, layout.PACKS)) == 1
    assert verify.verify(store).ok
    for m in live_before.values():
        assert len(list(bundle.read_parts(store, m.parts))) == 3
    assert gc.collect(store, 0).deleted_packs == []  # nothing left to drop


def test_gc_leaves_young_packs_and_refuses_to_guess(memory_store):
    fill(memory_store, scenarios=2, parts=2, part_bytes=500, shared=0)
    memory_store.backend.delete(layout.ref_key(scenario_ids(2)[0]))
    young = gc.collect(memory_store, 3600)
    assert young.young_packs == 1 and young.deleted_packs == []
    digest = memory_store.get_ref(scenario_ids(2)[1])
    memory_store.backend.delete(layout.manifest_key(digest))
    with pytest.raises(StoreError, match="gc deletes nothing"):
        gc.collect(memory_store, 0)


def test_gc_and_publishers_exclude_each_other(memory_store):
    """The gc rule: a publisher that reused a stored part keeps it until its ref is written."""
    fill(memory_store, scenarios=1, parts=2, part_bytes=500)
    orphan = scenario_ids(1)[0]
    manifest = bundle.resolve(memory_store, orphan)[1]
    memory_store.backend.delete(layout.ref_key(orphan))  # its parts are garbage now...
    writer = PackWriter(memory_store)  # ...but a compile starts that will reuse them
    assert not bundle.put_part(writer, payload(0, 500), level=1).created
    with pytest.raises(StoreError, match="cannot start gc: a publisher is writing"):
        gc.collect(memory_store, 0)
    writer.publish(manifest)
    writer.commit()
    report = gc.collect(memory_store, 0)
    assert report.deleted_packs == [] and verify.verify(memory_store).ok
    # and the other way round: while gc holds the store, a publisher cannot start
    from replaybed.artifacts import locks

    held = locks.acquire(memory_store.backend, locks.GC)
    with pytest.raises(StoreError, match="cannot start publish: gc or repack is running"):
        PackWriter(memory_store)
    held.release()
    PackWriter(memory_store).abort()


def test_abandoned_locks_do_not_block_and_gc_removes_them(memory_store, monkeypatch):
    from replaybed.artifacts import locks

    fill(memory_store, scenarios=1, parts=1, part_bytes=100)
    stale = locks.Lock(memory_store.backend, locks.PUBLISH)
    stale._write()  # a publisher that died without releasing, on another host
    data = memory_store.backend.objects[stale.key][0].replace(
        b'"host"', b'"host": "elsewhere", "x"'
    )
    memory_store.backend.objects[stale.key] = (data, time.time() - locks.STALE_S - 1)
    dead = locks.Lock(memory_store.backend, locks.PUBLISH)
    dead._write()  # one of this host whose process has exited
    memory_store.backend.objects[dead.key] = (
        memory_store.backend.objects[dead.key][0].replace(str(os.getpid()).encode(), b"999999999"),
        time.time(),
    )
    report = gc.collect(memory_store, 0)
    assert sorted(report.leftovers) == sorted([stale.key, dead.key])
    assert keys(memory_store, layout.LOCKS) == []


def test_locator_of_a_file_store_has_one_url_per_pack_and_reads_every_part(tmp_path):
    store = Store.open(str(tmp_path / "store"))
    fill(store, scenarios=2, parts=6, part_bytes=30_000, shared=3, pack_bytes=MIN_PACK_BYTES)
    scenario = scenario_ids(2)[1]
    found = locator.locate(store, scenario, 3600)
    parsed = locator.Locator.from_json(found.to_json())
    assert parsed == found and all(url.startswith("file://") for url in parsed.packs)
    manifest = bundle.resolve(store, scenario)[1]
    packs = {store.catalog().get(p.digest).pack for p in manifest.parts}  # type: ignore[union-attr]
    assert len(parsed.packs) == len(packs) and sum(len(r.parts) for r in parsed.runs) == 6
    source = locator.LocatorSource(parsed)
    manifest = bundle.read_manifest(source, parsed.manifest_digest)
    got = dict(bundle.read_parts(source, manifest.parts))
    assert got == dict(bundle.read_parts(store, manifest.parts))
    # one GET for the manifest, then one per run of neighbouring parts
    assert source.requests == 1 + len(parsed.runs) < 1 + len(manifest.parts)
    with pytest.raises(ObjectNotFound):
        locator.locate(store, scenario_ids(3)[2], 60)
    with pytest.raises(StoreError, match="locator version 1"):
        locator.Locator.from_json(b'{"locator": 1, "urls": {}}')


def test_a_locator_with_a_wrong_offset_fails_verification(tmp_path):
    store = Store.open(str(tmp_path / "store"))
    fill(store, scenarios=1, parts=3, part_bytes=1000)
    found = locator.locate(store, scenario_ids(1)[0], 60)
    run = found.runs[0]
    lying = locator.Locator(
        found.scenario,
        found.manifest_digest,
        found.manifest_url,
        found.packs,
        (locator.Run(run.pack, run.offset + 1, run.parts),),
    )
    source = locator.LocatorSource(lying)
    manifest = bundle.read_manifest(source, lying.manifest_digest)
    with pytest.raises(StoreError, match="does not match its digest|asked"):
        list(bundle.read_parts(source, manifest.parts))


def write_loose_store(store: Store) -> dict[ScenarioId, str]:
    """A store in the pre-pack layout: every part and manifest a loose blob."""
    from replaybed.artifacts import digest as digests

    published = {}
    for index, sid in enumerate(scenario_ids(3)):
        refs = []
        for slot in range(3):
            raw = payload(index * 2 + slot, 2000)
            stored = bundle.compress(raw, 1)
            digest = digests.of(stored)
            store.backend.put(layout.legacy_blob_key(digest), stored, if_absent=True)
            refs.append(
                PartRef(
                    "metrics", media_types.METRICS, digest, len(stored), len(raw), slot, slot + 1, 1
                )
            )
        blob = bundle.encode_manifest(manifest_for(sid, refs))
        digest = digests.of(blob)
        store.backend.put(layout.legacy_blob_key(digest), blob, if_absent=True)
        store.backend.put(layout.ref_key(sid), f"{digest}\n".encode(), if_absent=False)
        published[sid] = digest
    return published


def test_repack_moves_a_loose_store_into_packs(any_store):
    published = write_loose_store(any_store)
    orphan = bundle.compress(b"nobody", 1)
    from replaybed.artifacts import digest as digests

    any_store.backend.put(layout.legacy_blob_key(digests.of(orphan)), orphan, if_absent=True)
    report = repack.repack(any_store, grace_s=3600)
    assert (report.scenarios, report.parts, report.packs) == (3, 7, 1)
    assert report.deleted_loose == 10 and report.kept_loose == 1  # the young orphan stays
    assert dict(any_store.refs()) == published  # same manifests, same refs
    assert verify.verify(any_store).ok
    again = repack.repack(any_store, grace_s=0)
    assert (again.parts, again.packs, again.deleted_loose) == (0, 0, 1)
    assert keys(any_store, layout.LEGACY_BLOBS) == []


def test_concurrent_publishers_of_one_scenario_leave_a_consistent_store(any_store):
    errors = []

    def compile_once(label):
        try:
            fill(any_store, scenarios=3, parts=4, part_bytes=4000, label=label)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [
        threading.Thread(target=compile_once, args=(label,)) for label in ("a", "b", "a", "b")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    report = verify.verify(any_store)
    assert report.ok and report.scenarios == 3
    labels = {
        m.compiler["label"] for _, m in (bundle.resolve(any_store, s) for s in scenario_ids(3))
    }
    assert labels <= {"a", "b"}


@pytest.mark.parametrize(
    "text,expected", [("90", 90), ("90s", 90), ("30m", 1800), ("1h", 3600), ("1.5d", 129600)]
)
def test_durations(text, expected):
    assert durations.seconds(text) == expected


def test_bad_duration_is_a_config_error():
    with pytest.raises(StoreConfigError, match="expected a number"):
        durations.seconds("an hour")
