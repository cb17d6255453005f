"""`replaybed store verify`: re-hash everything the refs reach and report missing or corrupt blobs.

Each part is read whole, hashed, size-checked against the manifest and decompressed with the cap
at its declared raw size (`bundle.read_part`), so verify catches exactly what a runtime would hit.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from replaybed.artifacts import layout
from replaybed.artifacts.bundle import read_part
from replaybed.artifacts.errors import ObjectNotFound, StoreError
from replaybed.artifacts.progress import SILENT, Progress
from replaybed.artifacts.reach import load
from replaybed.artifacts.store import Store
from replaybed.schemas.errors import SchemaError
from replaybed.schemas.manifest import PartRef


@dataclass(frozen=True)
class Problem:
    kind: str  # "missing" or "corrupt"
    key: str
    scenarios: tuple[str, ...]
    detail: str

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "key": self.key,
            "scenarios": list(self.scenarios),
            "detail": self.detail,
        }


@dataclass
class Report:
    scenarios: int = 0
    blobs: int = 0
    bytes: int = 0
    seconds: float = 0.0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict:
        return {
            "ok": self.ok,
            "scenarios": self.scenarios,
            "blobs": self.blobs,
            "bytes": self.bytes,
            "seconds": round(self.seconds, 3),
            "problems": [p.to_dict() for p in self.problems],
        }


def verify(
    store: Store, scenarios: Iterable[str] = (), jobs: int = 8, progress: Progress = SILENT
) -> Report:
    started = time.monotonic()
    report = Report()
    reached = load(store, scenarios, jobs)
    report.scenarios = len(reached)
    parts: dict[str, tuple[PartRef, list[str]]] = {}
    for item in reached:
        if item.error is not None:
            kind = "missing" if isinstance(item.error, ObjectNotFound) else "corrupt"
            report.problems.append(
                Problem(
                    kind,
                    layout.blob_key(item.manifest_digest),
                    (str(item.scenario),),
                    f"manifest: {item.error}",
                )
            )
            continue
        report.blobs += 1
        report.bytes += item.manifest_size
        for part in item.manifest.parts if item.manifest else ():
            parts.setdefault(part.digest, (part, []))[1].append(str(item.scenario))

    def check(entry: tuple[PartRef, list[str]]) -> Problem | None:
        part, users = entry
        try:
            read_part(store, part)
        except ObjectNotFound as exc:
            return Problem("missing", layout.blob_key(part.digest), tuple(users), str(exc))
        except (StoreError, SchemaError) as exc:
            return Problem("corrupt", layout.blob_key(part.digest), tuple(users), str(exc))
        finally:
            progress.advance(part.size)
        return None

    progress.start(sum(part.size for part, _ in parts.values()))
    with ThreadPoolExecutor(max(1, jobs)) as pool:
        for (part, _), problem in zip(parts.values(), pool.map(check, parts.values())):
            report.blobs += 1
            report.bytes += part.size
            if problem is not None:
                report.problems.append(problem)
    report.seconds = time.monotonic() - started
    return report
