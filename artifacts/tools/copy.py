"""`replaybed store cp`: copy scenarios, their packs and indexes from one store to another.

What DST holds already (its indexes say which parts) is skipped. A source pack whose every part
is wanted and missing in DST is copied whole, byte for byte, with its index: read with parallel
ranged GETs, hashed against its name, written as a parallel multipart upload (its parts are
hashed again by every reader and by `verify`). Wanted parts of other packs (a `--scenario`
selection, or DST holding some of them) are read with coalesced ranged GETs and packed anew in
DST. Then the manifests (byte for
byte) and last the refs, so an interrupted copy leaves no ref to anything missing and re-running
it finishes the job. The copy holds a publish lock on DST (artifacts/locks.py).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from replaybed.artifacts.errors import IncompleteScenario, StoreError
from replaybed.artifacts.packs import PackIndex
from replaybed.artifacts.store import Store
from replaybed.artifacts.tools.progress import SILENT, Progress
from replaybed.artifacts.tools.reach import load, reachable
from replaybed.artifacts.writer import PackWriter


@dataclass
class CopyReport:
    scenarios: list[str] = field(default_factory=list)  # refs written or already up to date
    packs: int = 0  # packs copied whole
    repacked_parts: int = 0  # parts copied into new packs
    new_packs: int = 0  # packs written for them
    copied_parts: int = 0
    skipped_parts: int = 0  # wanted parts DST had already
    bytes: int = 0  # part bytes copied
    skipped_bytes: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict:
        mb_s = self.bytes / 1e6 / self.seconds if self.seconds > 0 else 0.0
        return {
            "scenarios": len(self.scenarios),
            "packs": self.packs,
            "new_packs": self.new_packs,
            "copied": self.copied_parts,
            "repacked": self.repacked_parts,
            "skipped": self.skipped_parts,
            "bytes": self.bytes,
            "skipped_bytes": self.skipped_bytes,
            "seconds": round(self.seconds, 3),
            "mb_per_s": round(mb_s, 2),
        }


def copy(
    src: Store,
    dst: Store,
    scenarios: Iterable[str] = (),
    jobs: int = 8,
    progress: Progress = SILENT,
) -> CopyReport:
    started = time.monotonic()
    report = CopyReport()
    reached = load(src, scenarios, jobs)
    broken = [item for item in reached if item.error is not None]
    if broken:
        raise StoreError(
            f"{src.url}: cannot copy {broken[0].scenario}: {broken[0].error}; "
            f"nothing was copied (run `replaybed store verify {src.url}`)"
        )
    wanted = reachable(reached)
    catalog = src.catalog()
    lost = [d for d in wanted if d not in catalog]
    if lost:
        raise IncompleteScenario(
            f"{src.url}: {len(lost)} part(s) the refs reach are in no index (first: {lost[0]}); "
            f"nothing was copied (run `replaybed store verify {src.url}`)"
        )
    with PackWriter(
        dst, jobs=jobs, placement_hints=[i.manifest for i in reached if i.manifest]
    ) as writer:
        present = dst.catalog(refresh=True)
        todo = {
            d: s for d, s in wanted.items() if (loc := present.get(d)) is None or loc.length != s
        }
        report.skipped_parts = len(wanted) - len(todo)
        report.skipped_bytes = sum(wanted.values()) - sum(todo.values())
        by_pack: dict[str, set[str]] = {}
        for d in todo:
            by_pack.setdefault(catalog.parts[d].pack, set()).add(d)
        whole = [
            catalog.pack_index(pack)
            for pack, members in sorted(by_pack.items())
            if {e.digest for e in catalog.pack_index(pack).entries} == members
        ]
        loose = [d for pack, members in sorted(by_pack.items()) for d in sorted(members)]
        loose = [d for d in loose if catalog.parts[d].pack not in {ix.pack for ix in whole}]
        progress.start(sum(todo.values()))
        lock = threading.Lock()

        def one(ix: PackIndex) -> None:
            # hashed against its name: byte for byte what the writer stored, whose index (also
            # hashed against its name) says which part is where; readers hash every part again
            data = src.get_pack(ix.pack)
            dst.put_pack(data, ix.pack)
            dst.put_index(ix)  # only once its pack is there
            with lock:
                report.packs += 1
                report.copied_parts += len(ix.entries)
                report.bytes += len(data)
            progress.advance(len(data))

        with ThreadPoolExecutor(1) as aside:
            # where DST's refs point now, looked up while the packs travel
            current = aside.submit(dst.current_refs, (item.scenario for item in reached))
            _run(one, whole, jobs)
        dst.catalog(refresh=True)
        raw_sizes = {p.digest: p.raw_size for i in reached if i.manifest for p in i.manifest.parts}
        for digest, stored in src.read_part_blobs(loose):
            writer.put_stored(stored, raw_sizes[digest])
            report.repacked_parts += 1
            report.copied_parts += 1
            report.bytes += len(stored)
            progress.advance(len(stored))
        # broken ones were refused above
        writer.publish_all(
            ((item.manifest, item.stored) for item in reached if item.manifest), current.result()
        )
        committed = writer.commit()
    report.new_packs = committed.packs
    report.scenarios = committed.scenarios
    report.seconds = time.monotonic() - started
    return report


def _run(fn: Callable[[PackIndex], None], items: list[PackIndex], jobs: int) -> None:
    """Run fn over items in parallel; on the first failure stop starting new ones and re-raise."""
    if not items:
        return
    with ThreadPoolExecutor(max(1, min(jobs, len(items)))) as pool:
        futures = [pool.submit(fn, item) for item in items]
        done, pending = wait(futures, return_when=FIRST_EXCEPTION)
        for future in pending:
            future.cancel()
        for future in done:
            error = future.exception()
            if error is not None:
                raise error
