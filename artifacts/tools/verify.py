"""`replaybed store verify`: check indexes, packs and every part the refs reach.

- every index: its bytes hash to its name and its table tiles its pack exactly;
- every pack an index names (all of them, or only those holding the selected scenarios' parts):
  read whole, hashed against its name, and every part in it hashed against its digest;
- every part a manifest names: in some index, with the manifest's size, and decompressing to the
  manifest's raw size under that cap (`bundle.check_and_decompress`), i.e. exactly what a
  runtime would hit.

Problems are collected, not raised, so one run lists all of them.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from replaybed.artifacts import bundle, layout, ranges
from replaybed.artifacts import digest as digests
from replaybed.artifacts.errors import ObjectNotFound, StoreError
from replaybed.artifacts.packs import Catalog, Location, PackIndex
from replaybed.artifacts.store import Store
from replaybed.artifacts.tools.progress import SILENT, Progress
from replaybed.artifacts.tools.reach import load
from replaybed.schemas.errors import SchemaError
from replaybed.schemas.manifest import PartRef


@dataclass(frozen=True)
class Problem:
    kind: str  # "missing" or "corrupt"
    key: str  # the object: index, pack, manifest; for a part, its pack (or the digest if none)
    scenarios: tuple[str, ...]
    detail: str
    part: str = ""  # the part's digest when the problem is one part

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "key": self.key,
            "part": self.part,
            "scenarios": list(self.scenarios),
            "detail": self.detail,
        }


@dataclass
class Report:
    scenarios: int = 0
    indexes: int = 0
    packs: int = 0
    parts: int = 0
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
            "indexes": self.indexes,
            "packs": self.packs,
            "parts": self.parts,
            "bytes": self.bytes,
            "seconds": round(self.seconds, 3),
            "problems": [p.to_dict() for p in self.problems],
        }


def verify(
    store: Store, scenarios: Iterable[str] = (), jobs: int = 8, progress: Progress = SILENT
) -> Report:
    started = time.monotonic()
    report = Report()
    selected = tuple(scenarios)
    reached = load(store, selected, jobs)
    report.scenarios = len(reached)
    users: dict[str, tuple[PartRef, list[str]]] = {}
    for item in reached:
        if item.error is not None:
            kind = "missing" if isinstance(item.error, ObjectNotFound) else "corrupt"
            key = layout.manifest_key(item.manifest_digest)
            report.problems.append(Problem(kind, key, (str(item.scenario),), f"{item.error}"))
            continue
        for part in item.manifest.parts if item.manifest else ():
            users.setdefault(part.digest, (part, []))[1].append(str(item.scenario))
    catalog = _indexes(store, report)
    whole = not selected
    checked = _packs(
        store, catalog, users=users, whole=whole, jobs=jobs, progress=progress, report=report
    )
    for digest, (_, names) in users.items():
        if digest not in checked:
            report.problems.append(
                Problem("missing", digest, tuple(names), "no index names this part", digest)
            )
    report.seconds = time.monotonic() - started
    return report


def _indexes(store: Store, report: Report) -> Catalog:
    good: dict[str, PackIndex] = {}
    for digest in store.index_digests():
        report.indexes += 1
        try:
            good[digest] = store.get_index(digest)
        except StoreError as exc:
            report.problems.append(Problem("corrupt", layout.index_key(digest), (), str(exc)))
    return Catalog(good)


def _packs(
    store: Store,
    catalog: Catalog,
    *,
    users: dict[str, tuple[PartRef, list[str]]],
    whole: bool,
    jobs: int,
    progress: Progress,
    report: Report,
) -> set[str]:
    """Read the packs (whole, or the needed parts); returns the digests found intact or not."""
    spans: list[ranges.Span] = []
    for ix in sorted(catalog.indexes.values(), key=lambda ix: ix.pack):
        located = [(e.digest, Location(ix.pack, e.offset, e.length)) for e in ix.entries]
        if whole:
            spans.append(ranges.Span(ix.pack, 0, ix.pack_size, tuple(located)))
        else:
            spans += ranges.coalesce(
                [(d, loc) for d, loc in located if d in users and catalog.get(d) == loc]
            )
    report.packs = len({span.pack for span in spans})
    progress.start(sum(span.length for span in spans))
    found: set[str] = set()

    def read(span: ranges.Span) -> bytes | StoreError:
        try:
            return store.backend.get_range(layout.pack_key(span.pack), span.start, span.length)
        except StoreError as exc:
            return exc

    for span, data in ranges.in_order(read, spans, max(1, min(jobs, 4))):
        progress.advance(span.length)
        key = layout.pack_key(span.pack)
        if isinstance(data, StoreError):
            kind = "missing" if isinstance(data, ObjectNotFound) else "corrupt"
            report.problems.append(Problem(kind, key, _names(span, users), str(data)))
            found.update(d for d, _ in span.parts)
            continue
        report.bytes += len(data)
        if whole:
            try:
                if len(data) != span.length:
                    raise StoreError(
                        f"{store.where(key)}: {len(data)} bytes, index says {span.length}"
                    )
                digests.verify(data, span.pack, store.where(key))
            except StoreError as exc:
                report.problems.append(Problem("corrupt", key, _names(span, users), str(exc)))
        for digest, loc, stored in span.slices(data):
            found.add(digest)
            report.parts += 1
            problem = _part(
                store,
                key,
                digest=digest,
                loc=loc,
                stored=stored,
                user=users.get(digest),
            )
            if problem is not None:
                report.problems.append(problem)
    return found


def _part(
    store: Store,
    key: str,
    *,
    digest: str,
    loc: Location,
    stored: memoryview,
    user: tuple[PartRef, list[str]] | None,
) -> Problem | None:
    names = tuple(user[1]) if user else ()
    try:
        if len(stored) != loc.length:
            raise StoreError(f"{store.where(key)}: pack ends inside part {digest}")
        digests.verify(stored, digest, f"{store.where(key)} at {loc.offset} (part {digest})")
        if user is not None:
            bundle.check_and_decompress(user[0], stored)
    except (StoreError, SchemaError) as exc:
        return Problem("corrupt", key, names, str(exc), digest)
    return None


def _names(span: ranges.Span, users: dict[str, tuple[PartRef, list[str]]]) -> tuple[str, ...]:
    return tuple(sorted({n for d, _ in span.parts if d in users for n in users[d][1]}))
