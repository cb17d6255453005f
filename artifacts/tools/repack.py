"""`replaybed store repack`: move a store of loose blobs (the pre-pack layout) into packs.

Stores written before packs kept every part and manifest as its own object under
`blobs/sha256/<2 hex>/<64 hex>`. This version reads only packs, so such a store is migrated once:
under the exclusive lock, every part the refs reach is read (digest-verified) and packed as a
compile would place it, each manifest is stored again byte for byte under `manifests/`, the
refs (whose digests do not change) are rewritten last, and then the loose blobs go: the ones
now packed, and unreferenced ones older than `grace`. Running it again finds nothing to do.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from replaybed.artifacts import bundle, layout, locks
from replaybed.artifacts import digest as digests
from replaybed.artifacts.errors import ObjectNotFound
from replaybed.artifacts.store import Store
from replaybed.artifacts.tools.progress import SILENT, Progress
from replaybed.artifacts.writer import PackWriter
from replaybed.schemas.manifest import Manifest


@dataclass
class RepackReport:
    scenarios: int = 0
    parts: int = 0  # loose parts moved into packs
    packs: int = 0
    pack_bytes: int = 0
    deleted_loose: int = 0
    kept_loose: int = 0  # unreferenced and younger than the grace period
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return {k: round(v, 3) if isinstance(v, float) else v for k, v in vars(self).items()}


def repack(
    store: Store,
    grace_s: float = 3600.0,
    jobs: int = 8,
    progress: Progress = SILENT,
    now: float | None = None,
) -> RepackReport:
    started = time.monotonic()
    now = time.time() if now is None else now
    report = RepackReport()
    with locks.acquire(store.backend, locks.GC):
        refs = list(store.refs())
        loaded = [(sid, digest, *_manifest(store, digest)) for sid, digest in refs]
        manifests = [m for _, _, _, m in loaded]
        with PackWriter(store, jobs=jobs, lock=False) as writer:
            wanted = {p.digest: p for m in manifests for p in m.parts}
            loose = sorted(d for d in wanted if not store.has_part(d, wanted[d].size))
            progress.start(sum(wanted[d].size for d in loose))

            def move(digest: str) -> None:
                key = layout.legacy_blob_key(digest)
                try:
                    data = store.backend.get(key)
                except ObjectNotFound:
                    raise ObjectNotFound(store.url, key, "loose part") from None
                digests.verify(data, digest, store.where(key))
                writer.put_stored(data, wanted[digest].raw_size)
                progress.advance(len(data))

            with ThreadPoolExecutor(max(1, jobs)) as pool:
                list(pool.map(move, loose))
            writer.publish_all((manifest, blob) for _, _, blob, manifest in loaded)
            committed = writer.commit()
        report.scenarios, report.parts = len(refs), len(loose)
        report.packs, report.pack_bytes = committed.packs, committed.pack_bytes
        catalog = store.catalog(refresh=True)
        kept = {digest for _, digest in refs}
        for info in list(store.backend.list(layout.LEGACY_BLOBS)):
            digest = layout.digest_of_legacy_blob(info.key)
            done = digest in catalog or digest in kept
            if done or info.modified <= now - grace_s:
                store.backend.delete(info.key)
                report.deleted_loose += 1
            else:
                report.kept_loose += 1
    report.seconds = time.monotonic() - started
    return report


def _manifest(store: Store, digest: str) -> tuple[bytes, Manifest]:
    """A manifest's stored bytes, from the packed layout or else as a loose blob."""
    key = layout.manifest_key(digest)
    if store.backend.stat(key) is None:
        key = layout.legacy_blob_key(digest)
    try:
        data = store.backend.get(key)
    except ObjectNotFound:
        raise ObjectNotFound(store.url, key, "manifest") from None
    digests.verify(data, digest, store.where(key))
    return data, bundle.decode_manifest(data, digest)
