"""ls, verify, cp, gc and url on the memory and file backends (the S3 runs are integration tests)."""

import os
import threading
import time

import pytest
from support.bundles import fill, manifest_for, scenario_ids, snapshot

from replaybed.artifacts import (
    bundle,
    durations,
    gc,
    layout,
    listing,
    locator,
    reach,
    transfer,
    verify,
)
from replaybed.artifacts.backends.memory import MemoryBackend
from replaybed.artifacts.errors import ObjectNotFound, StoreConfigError, StoreUnavailable
from replaybed.artifacts.store import Store
from replaybed.schemas import media_types
from replaybed.schemas.manifest import PartRef
from replaybed.schemas.scenario_id import ScenarioId


def flip_byte(store: Store, digest: str) -> None:
    key = layout.blob_key(digest)
    data = bytearray(store.backend.get(key))
    data[len(data) // 2] ^= 0x01
    store.backend.put(key, bytes(data), if_absent=False)


def test_ls_sizes_count_shared_parts_once(any_store):
    fill(any_store, scenarios=3, parts=4, part_bytes=1000, shared=2)
    rows, totals = listing.size_rows(reach.load(any_store))
    assert [r["id"] for r in rows] == [str(s) for s in scenario_ids(3)]
    part = rows[0]["referenced_bytes"]
    assert all(r["raw_bytes"] == 4000 for r in rows)
    # 3 scenarios x 4 parts, consecutive ones share 2: 8 distinct parts
    assert totals["blobs"] == 8 + 3
    assert totals["referenced_bytes"] == sum(r["referenced_bytes"] for r in rows)
    assert totals["dedup_ratio"] > 1.3
    assert rows[0]["unique_bytes"] < part and rows[1]["unique_bytes"] < rows[0]["unique_bytes"]


def test_scenario_rows_show_fault_time_and_origin_in_dataset_zone(memory_store):
    part = bundle.put_part(memory_store, b"x" * 10)
    ref = PartRef("metrics", media_types.METRICS, part.digest, part.size, part.raw_size, 0, 1, 1)
    fault_free = manifest_for(
        ScenarioId("openrca-market", "cloudbed-1", "ff-001"), [ref], origin_s=0, fault=False
    )
    bundle.publish(memory_store, fault_free)
    bundle.publish(memory_store, manifest_for(scenario_ids(1)[0], [ref]))
    rows = {r["id"]: r for r in map(listing.scenario_row, reach.load(memory_store))}
    ff = rows["openrca-market/cloudbed-1/ff-001"]
    assert (ff["time"], ff["epoch"], ff["fault_free"], ff["reason"]) == (
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


def test_verify_reports_missing_and_corrupt_blobs_with_keys(any_store):
    published = fill(any_store, scenarios=2, parts=3, part_bytes=2000, shared=1)
    assert verify.verify(any_store).ok
    first = bundle.resolve(any_store, scenario_ids(2)[0])[1]
    corrupt, missing = first.parts[0].digest, first.parts[2].digest
    flip_byte(any_store, corrupt)
    any_store.backend.delete(layout.blob_key(missing))
    report = verify.verify(any_store)
    problems = {p.key: p for p in report.problems}
    assert set(problems) == {layout.blob_key(corrupt), layout.blob_key(missing)}
    assert problems[layout.blob_key(corrupt)].kind == "corrupt"
    assert (
        corrupt in problems[layout.blob_key(corrupt)].detail
        and "actual sha256:" in problems[layout.blob_key(corrupt)].detail
    )
    assert problems[layout.blob_key(missing)].kind == "missing"
    # the shared part (slot 0 of scenario 1 is slot 2 of scenario 0) names both users
    assert len(problems[layout.blob_key(missing)].scenarios) == 2
    only_second = verify.verify(any_store, [str(scenario_ids(2)[1])])
    assert [p.key for p in only_second.problems] == [layout.blob_key(missing)]
    assert published


def test_cp_copies_byte_identical_then_skips_everything(any_store, tmp_path):
    fill(any_store, scenarios=3, parts=3, part_bytes=3000)
    dst = Store.open(str(tmp_path / "dst"))
    first = transfer.copy(any_store, dst)
    assert first.copied == len(list(any_store.blobs())) and first.skipped == 0
    assert snapshot(dst) == snapshot(any_store)
    again = transfer.copy(any_store, dst)
    assert (again.copied, again.skipped, len(again.scenarios)) == (0, first.copied, 3)
    only = transfer.copy(any_store, Store(MemoryBackend("cp-only")), [str(scenario_ids(3)[1])])
    assert only.scenarios == [str(scenario_ids(3)[1])]


class FailingAfter(MemoryBackend):
    """A destination that goes away after `budget` blob writes, like a server killed mid-copy."""

    def __init__(self, name, budget):
        super().__init__(name)
        self.budget = budget

    def put(self, key, data, *, if_absent):
        if key.startswith(layout.BLOBS):
            if self.budget <= 0:
                raise StoreUnavailable(f"{self.url}: gone")
            self.budget -= 1
        return super().put(key, data, if_absent=if_absent)


def test_interrupted_cp_leaves_no_ref_to_missing_blobs_and_rerun_completes(memory_store):
    fill(memory_store, scenarios=4, parts=5, part_bytes=1000, shared=1)
    dst_backend = FailingAfter("cp-fail", budget=9)
    dst = Store(dst_backend)
    with pytest.raises(StoreUnavailable):
        transfer.copy(memory_store, dst, jobs=1)
    assert verify.verify(dst).ok  # every ref written so far reaches only stored blobs
    dst_backend.budget = 10**6
    transfer.copy(memory_store, dst)
    assert snapshot(dst) == snapshot(memory_store)


def test_gc_deletes_only_old_unreferenced_blobs_and_leftovers(tmp_path):
    store = Store.open(str(tmp_path / "store"))
    fill(store, scenarios=2, parts=2, part_bytes=500, shared=0)
    orphan_old, _ = store.put_blob(b"orphan old")
    orphan_new, _ = store.put_blob(b"orphan new")
    old = time.time() - 7200
    os.utime(store.backend.root / layout.blob_key(orphan_old), (old, old))
    tmp = store.backend.root / "blobs" / "sha256" / ".half-written.123.abcd.tmp"
    tmp.write_bytes(b"partial")
    os.utime(tmp, (old, old))
    dry = gc.collect(store, 3600, dry_run=True)
    assert (
        dry.deleted == [layout.blob_key(orphan_old)] and dry.young == 1 and len(dry.leftovers) == 1
    )
    assert store.has_blob(orphan_old) and tmp.exists()
    done = gc.collect(store, 3600)
    assert done.deleted == [layout.blob_key(orphan_old)] and not tmp.exists()
    assert not store.has_blob(orphan_old) and store.has_blob(orphan_new)
    assert verify.verify(store).ok
    assert gc.collect(store, 0).deleted == [layout.blob_key(orphan_new)]


def test_gc_refuses_to_guess_when_a_manifest_is_unreadable(memory_store):
    published = fill(memory_store, scenarios=1, parts=1, part_bytes=100)
    memory_store.backend.delete(layout.blob_key(next(iter(published.values()))))
    with pytest.raises(Exception, match="gc deletes nothing"):
        gc.collect(memory_store, 0)


def test_locator_of_a_file_store_reads_every_part(tmp_path):
    store = Store.open(str(tmp_path / "store"))
    fill(store, scenarios=1, parts=3, part_bytes=700)
    scenario = scenario_ids(1)[0]
    found = locator.locate(store, scenario, 3600)
    parsed = locator.Locator.from_json(found.to_json())
    assert all(url.startswith("file://") for url in parsed.urls.values())
    source = locator.LocatorSource(parsed)
    manifest = bundle.read_manifest(source, parsed.manifest_digest)
    assert [bundle.read_part(source, p) for p in manifest.parts] == [
        bundle.read_part(store, p) for p in manifest.parts
    ]
    with pytest.raises(ObjectNotFound):
        locator.locate(store, scenario_ids(2)[1], 60)


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
