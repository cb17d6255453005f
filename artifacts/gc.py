"""`replaybed store gc`: delete blobs no ref reaches, and debris of interrupted writers.

Only objects older than the grace period go: a compiler stores parts before it publishes the ref
that reaches them, so a young unreferenced blob may belong to a publish in progress. If a ref's
manifest cannot be read, gc cannot know what it reaches and deletes nothing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from replaybed.artifacts import layout
from replaybed.artifacts.errors import StoreError
from replaybed.artifacts.reach import load, reachable
from replaybed.artifacts.store import Store


@dataclass
class GcReport:
    dry_run: bool
    kept: int = 0
    young: int = 0  # unreferenced but inside the grace period
    deleted: list[str] = field(default_factory=list)  # keys
    deleted_bytes: int = 0
    leftovers: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "dry_run": self.dry_run,
            "kept": self.kept,
            "young": self.young,
            "deleted": len(self.deleted),
            "deleted_bytes": self.deleted_bytes,
            "leftovers": len(self.leftovers),
            "keys": self.deleted,
        }


def collect(
    store: Store, grace_s: float, dry_run: bool = False, jobs: int = 8, now: float | None = None
) -> GcReport:
    now = time.time() if now is None else now
    reached = load(store, (), jobs)
    broken = [item for item in reached if item.error is not None]
    if broken:
        raise StoreError(
            f"{store.url}: scenario {broken[0].scenario}: {broken[0].error}; "
            "gc deletes nothing while a manifest is unreadable (fix or delete that ref first)"
        )
    live = reachable(reached)
    report = GcReport(dry_run)
    cutoff = now - grace_s
    for info in list(store.blobs()):
        try:
            digest = layout.digest_of_key(info.key)
        except StoreError:
            continue  # not ours: leave foreign objects alone
        if digest in live:
            report.kept += 1
        elif info.modified > cutoff:
            report.young += 1
        else:
            report.deleted.append(info.key)
            report.deleted_bytes += info.size
            if not dry_run:
                store.delete_blob(digest)
    for leftover in list(store.backend.leftovers()):
        if leftover.modified <= cutoff:
            report.leftovers.append(leftover.key)
            if not dry_run:
                store.backend.remove_leftover(leftover)
    return report
