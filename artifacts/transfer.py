"""`replaybed store cp`: copy scenarios with all their blobs from one store to another.

Blobs DST already holds (same digest, same size, from one listing) are skipped; every other blob
is read from SRC with its digest verified and written write-once to DST, in parallel. A
scenario's ref is written to DST only after every blob it reaches is there, so an interrupted
copy leaves no ref pointing at a missing blob, and re-running it finishes the job.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from replaybed.artifacts.errors import StoreError
from replaybed.artifacts.progress import SILENT, Progress
from replaybed.artifacts.reach import Reached, load
from replaybed.artifacts.store import Store


@dataclass
class CopyReport:
    scenarios: list[str] = field(default_factory=list)  # refs written or already up to date
    copied: int = 0
    skipped: int = 0
    bytes: int = 0  # bytes copied
    skipped_bytes: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict:
        mb_s = self.bytes / 1e6 / self.seconds if self.seconds > 0 else 0.0
        return {
            "scenarios": len(self.scenarios),
            "copied": self.copied,
            "skipped": self.skipped,
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
    present = dst.blob_sizes()
    needed: dict[str, int] = {}
    waiting: dict[str, set[str]] = {}  # scenario -> digests not yet in DST
    for item in reached:
        missing = {d: s for d, s in item.blobs().items() if present.get(d) != s}
        waiting[str(item.scenario)] = set(missing)
        needed.update(missing)
        report.skipped_bytes += sum(s for d, s in item.blobs().items() if d not in missing)
    report.skipped = len({d for item in reached for d in item.blobs()} - set(needed))
    by_id = {str(item.scenario): item for item in reached}
    _publish_ready(dst, by_id, waiting, report)
    lock = threading.Lock()

    def one(digest: str) -> None:
        data = src.get_blob(digest)  # verified against its digest
        if len(data) != needed[digest]:
            raise StoreError(
                f"{src.url}: blob {digest} has {len(data)} bytes, its manifest says {needed[digest]}"
            )
        dst.put_verified(digest, data)
        with lock:
            report.copied += 1
            report.bytes += len(data)
            for pending in waiting.values():
                pending.discard(digest)
            _publish_ready(dst, by_id, waiting, report)
        progress.advance(len(data))

    progress.start(sum(needed.values()))
    _run(one, needed, jobs)
    report.seconds = time.monotonic() - started
    return report


def _publish_ready(
    dst: Store, by_id: dict[str, Reached], waiting: dict[str, set[str]], report: CopyReport
) -> None:
    # the manifest blob is among the waited-for digests, so a ref only moves once it is stored too
    for scenario_id in [s for s, pending in waiting.items() if not pending]:
        item = by_id[scenario_id]
        dst.set_ref(item.scenario, item.manifest_digest)
        report.scenarios.append(scenario_id)
        del waiting[scenario_id]


def _run(fn: Callable[[str], None], digests: Iterable[str], jobs: int) -> None:
    """Run fn over digests in parallel; on the first failure stop starting new ones and re-raise it."""
    with ThreadPoolExecutor(max(1, jobs)) as pool:
        futures = [pool.submit(fn, digest) for digest in digests]
        done, pending = wait(futures, return_when=FIRST_EXCEPTION)
        for future in pending:
            future.cancel()
        for future in done:
            error = future.exception()
            if error is not None:
                raise error
