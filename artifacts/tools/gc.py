"""`replaybed store gc`: drop parts no ref reaches by repacking, and debris of interrupted writers.

The rule (see docs/store.md): gc holds the store's exclusive lock (artifacts/locks.py), so no
publisher is between "this part is stored, I will not write it" and "my ref is written" while gc
decides what is garbage; a publisher that starts during gc gets StoreBusy. Within that:

- a pack whose parts are all live stays; one with no live part goes (index first, then pack);
  one with both has its live parts written to new packs (placed like a compile would), then
  its index and the pack are deleted;
- packs whose index is younger than `grace`, and manifests, packs without index and temp files
  younger than `grace`, are left alone: belt and braces for a writer whose lock went stale;
- a part stored in several packs is kept in the one readers use (the first by pack digest);
- if any ref's manifest or any index cannot be read, gc deletes nothing.

Deleting a pack breaks locators written before (their URLs name it): write new ones after gc.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from replaybed.artifacts import layout, locks
from replaybed.artifacts.errors import StoreError
from replaybed.artifacts.store import Store
from replaybed.artifacts.tools.reach import load, reachable
from replaybed.artifacts.writer import PackWriter


@dataclass
class GcReport:
    dry_run: bool
    kept_packs: int = 0
    young_packs: int = 0  # not looked into: their index is inside the grace period
    deleted_packs: list[str] = field(default_factory=list)  # keys of packs deleted or repacked
    repacked_packs: int = 0  # of those, packs whose live parts were moved to new packs
    new_packs: int = 0
    dropped_parts: int = 0
    dropped_bytes: int = 0
    deleted: list[str] = field(default_factory=list)  # other keys: manifests, orphan packs
    leftovers: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "dry_run": self.dry_run,
            "kept_packs": self.kept_packs,
            "young_packs": self.young_packs,
            "deleted_packs": len(self.deleted_packs),
            "repacked_packs": self.repacked_packs,
            "new_packs": self.new_packs,
            "dropped_parts": self.dropped_parts,
            "dropped_bytes": self.dropped_bytes,
            "deleted": len(self.deleted),
            "leftovers": len(self.leftovers),
            "keys": self.deleted_packs + self.deleted,
        }


def collect(
    store: Store, grace_s: float, dry_run: bool = False, jobs: int = 8, now: float | None = None
) -> GcReport:
    lock = None if dry_run else locks.acquire(store.backend, locks.GC)
    try:
        return _collect(store, grace_s, dry_run, jobs, time.time() if now is None else now)
    finally:
        if lock is not None:
            lock.release()


def _collect(store: Store, grace_s: float, dry_run: bool, jobs: int, now: float) -> GcReport:
    reached = load(store, (), jobs)
    broken = [item for item in reached if item.error is not None]
    if broken:
        raise StoreError(
            f"{store.url}: scenario {broken[0].scenario}: {broken[0].error}; "
            "gc deletes nothing while a manifest is unreadable (fix or delete that ref first)"
        )
    live = reachable(reached)
    catalog = store.catalog(refresh=True)  # raises (deleting nothing) if an index is unreadable
    cutoff = now - grace_s
    report = GcReport(dry_run)
    index_age = {
        layout.digest_of_index(i.key): i.modified for i in store.backend.list(layout.INDEXES)
    }
    drop: list[str] = []  # index digests whose pack goes
    moving: set[str] = set()  # live parts to move out of packs that go
    for index_digest, ix in sorted(catalog.indexes.items(), key=lambda kv: kv[1].pack):
        used = {
            e.digest
            for e in ix.entries
            if e.digest in live and catalog.parts[e.digest].pack == ix.pack
        }
        if len(used) == len(ix.entries):
            report.kept_packs += 1
        elif index_age.get(index_digest, now) > cutoff:
            report.young_packs += 1
        else:
            drop.append(index_digest)
            moving.update(used)
            report.repacked_packs += int(bool(used))
            report.dropped_parts += len(ix.entries) - len(used)
            report.dropped_bytes += sum(e.length for e in ix.entries if e.digest not in used)
            report.deleted_packs.append(layout.pack_key(ix.pack))
    if not dry_run and drop:
        gone = frozenset(catalog.indexes[d].pack for d in drop)
        with PackWriter(
            store,
            jobs=jobs,
            lock=False,
            replacing=gone,
            placement_hints=[i.manifest for i in reached if i.manifest],
        ) as writer:
            raw = {p.digest: p.raw_size for i in reached if i.manifest for p in i.manifest.parts}
            for digest, stored in store.read_part_blobs(sorted(moving)):
                writer.put_stored(stored, raw[digest])
            report.new_packs = writer.commit().packs
        # readers stop finding a pack (index gone) before the pack itself goes
        for d in drop:
            store.delete_index(d)
        for d in drop:
            store.delete_pack(catalog.indexes[d].pack)
        store.catalog(refresh=True)
    indexed = {ix.pack for ix in catalog.indexes.values()}
    for info in store.packs():
        if layout.digest_of_pack(info.key) not in indexed and info.modified <= cutoff:
            report.deleted.append(info.key)  # a writer died between pack and index
            if not dry_run:
                store.backend.delete(info.key)
    wanted = {item.manifest_digest for item in reached}
    for info in store.manifests():
        if layout.digest_of_manifest(info.key) not in wanted and info.modified <= cutoff:
            report.deleted.append(info.key)
            if not dry_run:
                store.backend.delete(info.key)
    _, stale = locks.others(store.backend, "", now)
    for held in stale:
        report.leftovers.append(held.key)
        if not dry_run:
            store.backend.delete(held.key)
    for leftover in list(store.backend.leftovers()):
        if leftover.modified <= cutoff:
            report.leftovers.append(leftover.key)
            if not dry_run:
                store.backend.remove_leftover(leftover)
    return report
