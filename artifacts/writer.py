"""PackWriter: the one way parts and manifests get into a store.

    with PackWriter(store) as writer:                 # takes a publish lock (artifacts/locks.py)
        stored = writer.put_part(raw, level)          # compressed, hashed, spooled unless stored
        digest, changed = writer.publish(manifest)    # queued; its parts must be put or stored
    # leaving the block commits: packs, then indexes, then manifests, then refs

A part already in any pack of the store, or already put in this session, is never written again.
New parts wait in an anonymous temporary file until the commit; there they are ordered by what
the queued manifests say about them (dataset, system, kind, pod, time: `packs.placements`), cut
into packs of about `pack_bytes`, and each pack is written before the index naming it. Only once
every pack and index is stored, and the queued manifests' parts are all found in the store's
indexes again, are manifests and then refs written. A crash (or an exception in the block, which
aborts) before that leaves at most packs and indexes nothing points to; `store gc` removes them.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from replaybed.artifacts import bundle, locks, packs
from replaybed.artifacts import digest as digests
from replaybed.artifacts.errors import IncompleteScenario, StoreError
from replaybed.artifacts.store import Store
from replaybed.schemas.manifest import Manifest
from replaybed.schemas.scenario_id import ScenarioId


@dataclass
class CommitReport:
    packs: int = 0  # packs written by this commit
    pack_bytes: int = 0
    parts: int = 0  # parts in those packs
    manifests: int = 0
    refs_changed: int = 0
    scenarios: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Queued:
    scenario: ScenarioId
    digest: str
    blob: bytes
    manifest: Manifest
    changed: bool  # the ref pointed elsewhere when it was queued


class PackWriter:
    def __init__(
        self,
        store: Store,
        *,
        pack_bytes: int | None = None,
        jobs: int = 4,
        spool_dir: str | None = None,
        lock: bool = True,
        replacing: frozenset[str] = frozenset(),
        placement_hints: Iterable[Manifest] = (),
    ):
        """`lock=False` only for gc and repack, which hold the store's exclusive lock already;
        parts in the `replacing` packs (which gc is about to delete) count as not stored;
        `placement_hints` place parts whose manifests are not published through this writer."""
        pack_bytes = store.pack_bytes if pack_bytes is None else pack_bytes
        if pack_bytes < packs.MIN_PACK_BYTES:
            raise StoreError(
                f"pack size {pack_bytes} bytes: expected at least {packs.MIN_PACK_BYTES}"
            )
        self.store, self.pack_bytes, self.jobs = store, pack_bytes, max(1, jobs)
        self.replacing = replacing
        self._hints = list(placement_hints)
        self._mutex = threading.Lock()
        self._spooled: dict[str, tuple[int, int]] = {}  # digest -> (spool offset, size)
        self._spool_end = 0
        self._queued: dict[ScenarioId, _Queued] = {}
        self._lock = locks.acquire(store.backend, locks.PUBLISH) if lock else None
        self._spool = tempfile.TemporaryFile(prefix="replaybed-spool-", dir=spool_dir)
        self._open = True

    # parts -------------------------------------------------------------------------------------

    def put_part(self, raw: bytes, level: int = bundle.DEFAULT_LEVEL) -> bundle.StoredPart:
        return self.put_stored(bundle.compress(raw, level), len(raw))

    def put_stored(self, stored: bytes | memoryview, raw_size: int) -> bundle.StoredPart:
        """Take an already compressed part (a copy, a repack): stored unless the store has it."""
        digest = digests.of(stored)
        with self._mutex:
            self._check_open()
            created = digest not in self._spooled and not self._stored(digest)
            if created:
                os.pwrite(self._spool.fileno(), stored, self._spool_end)
                self._spooled[digest] = (self._spool_end, len(stored))
                self._spool_end += len(stored)
        return bundle.StoredPart(digest, len(stored), raw_size, created)

    def _stored(self, digest: str, catalog: packs.Catalog | None = None) -> packs.Location | None:
        loc = (catalog or self.store.catalog()).get(digest)
        return None if loc is None or loc.pack in self.replacing else loc

    # manifests ---------------------------------------------------------------------------------

    def publish(self, manifest: Manifest) -> tuple[str, bool]:
        """Queue a manifest (and its ref) for the commit: (manifest digest, whether the ref moves).

        Every part it names must have been put in this session or be stored already, with the
        size it names; otherwise IncompleteScenario, and nothing of it is queued.
        """
        return self.publish_stored(manifest, bundle.encode_manifest(manifest))

    def publish_stored(self, manifest: Manifest, blob: bytes) -> tuple[str, bool]:
        """`publish` with the manifest's stored bytes as they are (a copy keeps its digest)."""
        return self.publish_all([(manifest, blob)])[0]

    def publish_all(
        self,
        items: Iterable[tuple[Manifest, bytes]],
        current: Mapping[ScenarioId, str | None] | None = None,
    ) -> list[tuple[str, bool]]:
        """`publish_stored` for many manifests, their current refs looked up in parallel (or
        given: `Store.current_refs` looked up while something else ran)."""
        self._check_open()
        items = list(items)
        for manifest, _ in items:
            missing = self._missing(manifest)
            if missing:
                raise IncompleteScenario(
                    f"{self.store.url}: scenario {manifest.id} reaches {len(missing)} part(s) that "
                    f"are neither stored nor written by this session (first: {missing[0]}); "
                    "the ref was not written"
                )
        if current is None:
            current = self.store.current_refs(m.id for m, _ in items)
        results = []
        for manifest, blob in items:
            digest = digests.of(blob)
            changed = current.get(manifest.id) != digest
            with self._mutex:
                self._queued[manifest.id] = _Queued(manifest.id, digest, blob, manifest, changed)
            results.append((digest, changed))
        return results

    def _missing(self, manifest: Manifest, catalog: packs.Catalog | None = None) -> list[str]:
        missing = []
        for p in manifest.parts:
            loc = self._stored(p.digest, catalog)
            size = loc.length if loc else self._spooled.get(p.digest, (0, None))[1]
            if size != p.size:
                missing.append(p.digest)
        return missing

    # commit ------------------------------------------------------------------------------------

    def commit(self) -> CommitReport:
        self._check_open()
        report = CommitReport()
        try:
            self._write_packs(report)
            catalog = self.store.catalog(refresh=True)
            for q in self._queued.values():
                missing = self._missing(q.manifest, catalog)
                if missing:
                    # only when another process deleted a reused part, i.e. a gc ignored the lock
                    raise IncompleteScenario(
                        f"{self.store.url}: scenario {q.scenario}: {len(missing)} part(s) vanished "
                        f"from the store while publishing (first: {missing[0]}); no ref was written"
                    )
            queued = list(self._queued.values())
            written = self._map(lambda q: self.store.put_manifest_blob(q.blob)[1], queued)
            report.manifests = sum(written)
            # only once every manifest is stored; a ref already at its manifest is left alone
            # (a re-run, a repeated copy, a repack)
            moving = [q for q in queued if q.changed]
            moved = self._map(
                lambda q: self.store.set_ref(q.scenario, q.digest, check=False), moving
            )
            report.refs_changed = sum(moved)
            report.scenarios = [str(q.scenario) for q in queued]
        finally:
            self._close()
        return report

    def _write_packs(self, report: CommitReport) -> None:
        if not self._spooled:
            return
        where = packs.placements([*self._hints, *(q.manifest for q in self._queued.values())])
        planned = packs.cut(
            ((d, size) for d, (_, size) in self._spooled.items()), where, self.pack_bytes
        )

        def write(members: list[tuple[str, int]]) -> int:
            data = b"".join(
                os.pread(self._spool.fileno(), size, self._spooled[d][0]) for d, size in members
            )
            pack_digest, _ = self.store.put_pack(data)
            # the index only once its pack is stored: an index never names a missing pack
            self.store.put_index(packs.PackIndex.of(members, pack_digest))
            return len(data)

        sizes = self._map(write, planned)
        report.packs, report.pack_bytes = len(planned), sum(sizes)
        report.parts = sum(len(members) for members in planned)

    def _map(self, fn, items: list) -> list:
        if len(items) <= 1:
            return [fn(item) for item in items]
        with ThreadPoolExecutor(min(self.jobs, len(items))) as pool:
            return list(pool.map(fn, items))

    def abort(self) -> None:
        """Drop everything put and queued; nothing is written."""
        if self._open:
            self._close()

    def _close(self) -> None:
        self._open = False
        self._spool.close()
        if self._lock is not None:
            self._lock.release()

    def _check_open(self) -> None:
        if not self._open:
            raise StoreError(f"{self.store.url}: this PackWriter has already committed or aborted")

    def __enter__(self) -> PackWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None and self._open:
            self.commit()
        else:
            self.abort()
