"""Who may write while gc deletes: shared publish locks, one exclusive gc lock (restic's rule).

A publisher (a compile's PackWriter, `store cp` into a store) holds `locks/publish-<token>` from
before it looks at what the store holds until its last ref is written; gc and repack hold
`locks/gc-<token>` for their whole run. Each side writes its own lock first and only then lists
the others': with read-after-write consistent listings (local disks, AWS S3 since 2020, Ceph
RGW) at least one of two racing sides sees the other and backs off with `StoreBusy`, so gc never
deletes a part that a publisher has decided to reuse instead of writing.

A holder rewrites its lock every REFRESH_S. A lock not rewritten for STALE_S, or written by a
process of this host that no longer runs (a killed compile), is abandoned: it is ignored, and gc
removes it. Readers never lock.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import threading
import time
from dataclasses import dataclass

from replaybed.artifacts import layout
from replaybed.artifacts.backends import Backend
from replaybed.artifacts.errors import ObjectNotFound, StoreBusy, StoreError

PUBLISH, GC = "publish", "gc"
REFRESH_S = 5 * 60
STALE_S = 30 * 60


@dataclass(frozen=True)
class Held:
    key: str
    age_s: float


def others(backend: Backend, mine: str, now: float | None = None) -> tuple[list[Held], list[Held]]:
    """(live locks other than `mine`, stale ones) currently in the store."""
    now = time.time() if now is None else now
    live: list[Held] = []
    stale: list[Held] = []
    for info in backend.list(layout.LOCKS):
        if info.key == mine:
            continue
        held = Held(info.key, now - info.modified)
        (stale if held.age_s > STALE_S or _dead_here(backend, info.key) else live).append(held)
    return live, stale


def _dead_here(backend: Backend, key: str) -> bool:
    """Whether the lock's writer ran on this host and has exited (restic's rule)."""
    try:
        body = json.loads(backend.get(key))
        if body.get("host") != socket.gethostname():
            return False
        os.kill(int(body["pid"]), 0)
    except (ProcessLookupError, ObjectNotFound):
        return True  # exited, or released the lock since the listing
    except (StoreError, ValueError, KeyError, TypeError, PermissionError):
        return False
    return False


class Lock:
    """A held lock; `release` (or leaving the `with` block) deletes it."""

    def __init__(self, backend: Backend, kind: str):
        self.backend, self.kind = backend, kind
        self.key = f"{layout.LOCKS}{kind}-{secrets.token_hex(8)}"
        self._stop = threading.Event()
        self._refresher: threading.Thread | None = None

    def _write(self) -> None:
        body = {"kind": self.kind, "host": socket.gethostname(), "pid": os.getpid()}
        body["written"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self.backend.put(self.key, json.dumps(body, sort_keys=True).encode(), if_absent=False)

    def acquire(self) -> Lock:
        self._write()
        live, _ = others(self.backend, self.key)
        blocking = [h for h in live if self.kind == GC or h.key.startswith(layout.LOCKS + GC)]
        if blocking:
            self.backend.delete(self.key)
            first = blocking[0]
            doing = "gc or repack is running" if GC in first.key else "a publisher is writing"
            raise StoreBusy(
                f"{self.backend.url}: cannot start {self.kind}: {doing} ({first.key}, refreshed "
                f"{first.age_s:.0f} s ago); retry when it ends (a lock not refreshed for "
                f"{STALE_S // 60} min counts as abandoned)"
            )
        self._refresher = threading.Thread(
            target=self._refresh, name=f"lock-{self.kind}", daemon=True
        )
        self._refresher.start()
        return self

    def _refresh(self) -> None:
        while not self._stop.wait(REFRESH_S):
            self._write()

    def release(self) -> None:
        self._stop.set()
        if self._refresher is not None:
            self._refresher.join()
            self._refresher = None
        try:
            self.backend.delete(self.key)
        except StoreError:
            # the store went away (the error that stopped us is already on its way up); the lock
            # counts as abandoned once this process exits or it is STALE_S old
            pass

    def __enter__(self) -> Lock:
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def acquire(backend: Backend, kind: str) -> Lock:
    return Lock(backend, kind).acquire()
