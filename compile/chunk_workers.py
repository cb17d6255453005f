"""Building chunks' parts on every core: one task per hour of spilled rows, results in chunk order.

Framing and zstd are the compile's CPU work and every chunk is independent, so worker processes
(fresh interpreters, not forks of the compile) each load one hour of the spill, build its
chunks' parts and compress them. The parent gets the results in task order (`imap`), so what it
stores, and every byte of it, is the same for any number of workers; with one worker nothing is
started at all.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pyarrow as pa
import zstandard

from replaybed.compile import parts
from replaybed.compile.errors import CompileError
from replaybed.compile.spill import HOUR_MS, SIGNALS, load

# a task: (hours of spilled rows to load, the chunks [start, end) to build from them)
Task = tuple[tuple[int, ...], tuple[tuple[int, int], ...]]


@dataclass(frozen=True)
class CompressedPart:
    """A built part after zstd: what the store keeps, and what a manifest says about it."""

    kind: str
    stored: bytes
    raw_size: int
    start_ms: int
    end_ms: int
    count: int
    pod: str | None


def default_jobs() -> int:
    """The cores this process may use: its CPU affinity, capped by a cgroup v2 CPU limit (a
    container limited to 2 CPUs on a 64-core node gets 2 workers, not 64)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if quota != "max":
            cores = min(cores or 1, max(1, -(-int(quota) // int(period))))
    except (OSError, ValueError):
        pass
    return max(1, cores or 1)


def tasks(chunks: Sequence[int], chunk_ms: int) -> list[Task]:
    """Chunks grouped by the hour they start in; each task names every hour its chunks touch."""
    by_hour: dict[int, list[tuple[int, int]]] = {}
    for c in sorted(chunks):
        by_hour.setdefault(c // HOUR_MS, []).append((c, c + chunk_ms))
    out = []
    for _, spans in sorted(by_hour.items()):
        hours = sorted(
            {h for lo, hi in spans for h in range(lo // HOUR_MS, (hi - 1) // HOUR_MS + 1)}
        )
        out.append((tuple(hours), tuple(spans)))
    return out


class _Worker:
    def __init__(self, ctx: parts.ChunkInput, folder: Path, level: int):
        self.ctx, self.folder = ctx, folder
        self.heads = pa.array(ctx.heads, pa.large_binary())
        self.zstd = zstandard.ZstdCompressor(level=level, write_content_size=True)

    def run(self, task: Task) -> list[tuple[int, list[CompressedPart], parts.ChunkIndex]]:
        hours, spans = task
        tables = {s: _concat([load(self.folder, s, h) for h in hours]) for s in SIGNALS}
        out = []
        for start, end in spans:
            built, idx = parts.build(self.ctx, tables, start, end, heads=self.heads)
            stored = [
                CompressedPart(
                    p.kind,
                    self.zstd.compress(p.raw),
                    len(p.raw),
                    p.start_ms,
                    p.end_ms,
                    p.count,
                    p.pod,
                )
                for p in built
            ]
            out.append((start, stored, idx))
        return out


def _concat(tables: list[pa.Table | None]) -> pa.Table | None:
    present = [t for t in tables if t is not None]
    if not present:
        return None
    return present[0] if len(present) == 1 else pa.concat_tables(present)


CTX_FILE = "chunk-input.pickle"
_worker: _Worker | None = None
_level = 0


def _init(level: int) -> None:
    global _level
    _level = level
    threading.Thread(target=_exit_with, args=(os.getppid(),), daemon=True).start()


def _exit_with(parent: int) -> None:
    """End this worker once the compile that started it is gone: a worker waits on a queue it
    holds both ends of, so a compile killed with SIGKILL would otherwise leave it idle forever."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)


def _run(folder: Path, task: Task) -> list[tuple[int, list[CompressedPart], parts.ChunkIndex]]:
    global _worker
    if _worker is None or _worker.folder != folder:
        with open(folder / CTX_FILE, "rb") as fh:
            _worker = _Worker(pickle.load(fh), folder, _level)
    return _worker.run(task)


class Builders:
    """Worker processes for one shard, started before its files are read (their start-up and
    imports overlap the read) and given the shard's `ChunkInput` once the read is done."""

    def __init__(self, folder: Path, *, level: int, jobs: int, tasks: int):
        self.folder, self.level = folder, level
        self.pool: ProcessPoolExecutor | None = None
        if jobs > 1 and tasks > 1:
            # spawned, not forked: a worker holds its hour and no copy of the compile's pages,
            # and nothing is left behind if the compile is killed (forkserver keeps a socket
            # folder). An executor, not a multiprocessing.Pool: a worker that dies (killed for
            # memory, or exiting while it starts) fails the compile instead of being replaced
            # forever while the compile waits
            self.pool = ProcessPoolExecutor(
                min(jobs, tasks),
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init,
                initargs=(level,),
            )
            self.pool.submit(int)  # starts the workers now, so their imports overlap the read

    def __enter__(self) -> Builders:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def build(
        self, ctx: parts.ChunkInput, work: list[Task]
    ) -> Iterator[tuple[int, list[CompressedPart], parts.ChunkIndex]]:
        """(chunk start, its compressed parts, its index) for every chunk of `work`, in order."""
        if self.pool is None:
            worker = _Worker(ctx, self.folder, self.level)
            for task in work:
                yield from worker.run(task)
            return
        with open(self.folder / CTX_FILE, "wb") as fh:
            pickle.dump(ctx, fh, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            for results in self.pool.map(partial(_run, self.folder), work):
                yield from results
        except BrokenProcessPool as exc:
            raise CompileError(
                f"a worker process building parts died ({exc}); run with --jobs 1 to build "
                "in this process and see the cause"
            ) from exc
