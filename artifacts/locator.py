"""Locators: what a reader without store credentials needs to fetch one scenario.

    {"locator": 2, "scenario": ..., "expires": ...,
     "manifest": {"digest": "sha256:...", "url": ...},
     "packs": [url, ...],                             # one (presigned) URL per pack it reads
     "runs": [[pack number, offset, [i, j, ...]], ...]}

A run says that the manifest's parts i, j, ... lie back to back in that pack from `offset`; their
lengths are the sizes the manifest gives. This is the scenario's slice of the packs' indexes,
small enough to travel with every pod (a few KB where one URL per part took hundreds of KB) and
needing no extra request. `replaybed store url` writes one (presigned https URLs for S3, file://
URLs for a local or mounted store). `LocatorSource` reads through it with plain HTTP `Range`
GETs (or `pread`), coalescing neighbouring parts into one request, and verifies the manifest and
every part against their digests: a locator is trusted for reachability, never for content.
"""

from __future__ import annotations

import json
import os
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote, urlparse

from replaybed.artifacts import bundle, layout, ranges
from replaybed.artifacts import digest as digests
from replaybed.artifacts.errors import CorruptBlob, ObjectNotFound, StoreError, StoreUnavailable
from replaybed.artifacts.packs import Location
from replaybed.artifacts.store import Store
from replaybed.schemas.manifest import Manifest, canonical_json
from replaybed.schemas.scenario_id import ScenarioId

LOCATOR_VERSION = 2


@dataclass(frozen=True)
class Run:
    pack: int  # position in Locator.packs
    offset: int
    parts: tuple[int, ...]  # positions in the manifest's parts, back to back from offset


@dataclass(frozen=True)
class Locator:
    scenario: str
    manifest_digest: str
    manifest_url: str
    packs: tuple[str, ...]
    runs: tuple[Run, ...]
    expires: str | None = None  # RFC 3339, informational

    def to_json(self) -> bytes:
        return canonical_json(
            {
                "locator": LOCATOR_VERSION,
                "scenario": self.scenario,
                "manifest": {"digest": self.manifest_digest, "url": self.manifest_url},
                "packs": list(self.packs),
                "runs": [[r.pack, r.offset, list(r.parts)] for r in self.runs],
                "expires": self.expires,
            }
        )

    @classmethod
    def from_json(cls, data: bytes | str, where: str = "locator") -> Locator:
        try:
            obj = json.loads(data)
            if obj.get("locator") != LOCATOR_VERSION:
                raise StoreError(
                    f"{where}: locator version {obj.get('locator')!r}, expected {LOCATOR_VERSION} "
                    "(write a new one with `replaybed store url`)"
                )
            packs = tuple(str(url) for url in obj["packs"])
            runs = tuple(
                Run(int(p), int(o), tuple(int(i) for i in parts)) for p, o, parts in obj["runs"]
            )
            for r in runs:
                if not 0 <= r.pack < len(packs) or r.offset < 0:
                    raise ValueError(f"run {r} names no pack of the locator")
            return cls(
                obj["scenario"],
                digests.check(obj["manifest"]["digest"]),
                str(obj["manifest"]["url"]),
                packs,
                runs,
                obj.get("expires"),
            )
        except (ValueError, KeyError, AttributeError, TypeError) as exc:
            raise StoreError(f"{where}: not a replaybed locator ({exc!r})") from None


def locate(store: Store, scenario: ScenarioId, expires_s: int) -> Locator:
    """A locator for one scenario of `store` whose URLs stay valid for `expires_s` seconds."""
    digest, manifest = bundle.resolve(store, scenario)
    catalog = store.catalog()
    first: dict[str, int] = {}
    for i, part in enumerate(manifest.parts):
        first.setdefault(part.digest, i)
    placed: list[tuple[Location, int]] = []
    for part_digest, i in first.items():
        loc = catalog.get(part_digest)
        if loc is None:
            raise ObjectNotFound(store.url, part_digest, f"part of {scenario}")
        placed.append((loc, i))
    placed.sort(key=lambda item: (item[0].pack, item[0].offset))
    numbers: dict[str, int] = {}
    runs: list[Run] = []
    current: list[int] = []
    start = end = 0
    pack = ""
    for loc, i in placed:
        if current and (loc.pack != pack or loc.offset != end):
            runs.append(Run(numbers[pack], start, tuple(current)))
            current = []
        if not current:
            pack, start, end = loc.pack, loc.offset, loc.offset
            numbers.setdefault(pack, len(numbers))
        current.append(i)
        end += loc.length
    if current:
        runs.append(Run(numbers[pack], start, tuple(current)))
    urls = tuple(store.backend.locate(layout.pack_key(p), expires_s) for p in numbers)
    until = datetime.now(UTC) + timedelta(seconds=expires_s)
    return Locator(
        str(scenario),
        digest,
        store.backend.locate(layout.manifest_key(digest), expires_s),
        urls,
        tuple(runs),
        until.strftime("%Y-%m-%dT%H:%M:%SZ"),
    )


class LocatorSource:
    """Reads a locator's manifest and parts over file:// or http(s):// URLs, verifying each."""

    def __init__(self, locator: Locator, timeout_s: float = 30.0, attempts: int = 4, jobs: int = 4):
        self.locator = locator
        self.timeout_s, self.attempts, self.jobs = timeout_s, attempts, jobs
        self.requests = 0  # GETs issued (the benchmark counts them)
        self._manifest: Manifest | None = None
        self._where: dict[str, Location] | None = None

    def manifest(self) -> Manifest:
        """The scenario's manifest, verified against the locator's digest (read once)."""
        if self._manifest is None:
            self.read_manifest_blob(self.locator.manifest_digest)
        assert self._manifest is not None
        return self._manifest

    # PartSource ----------------------------------------------------------------------------------

    def read_manifest_blob(self, digest: str) -> bytes:
        if digest != self.locator.manifest_digest:
            raise ObjectNotFound(f"locator for {self.locator.scenario}", digest, "manifest")
        data = self._fetch(self.locator.manifest_url, 0, None)
        digests.verify(data, digest, _redact(self.locator.manifest_url))
        if self._manifest is None:
            self._manifest = bundle.decode_manifest(data, digest)
            self._where = self._placements(self._manifest)
        return data

    def read_part_blobs(self, wanted: Iterable[str]) -> Iterator[tuple[str, memoryview]]:
        if self._where is None:
            self.read_manifest_blob(self.locator.manifest_digest)
        where = self._where or {}
        located = []
        for digest in dict.fromkeys(wanted):
            if digest not in where:
                raise ObjectNotFound(f"locator for {self.locator.scenario}", digest, "part")
            located.append((digest, where[digest]))
        spans = ranges.coalesce(located)
        for span, data in ranges.in_order(self._read_span, spans, self.jobs):
            for digest, loc, part in span.slices(data):
                digests.verify(
                    part, digest, f"{_redact(span.pack)} at {loc.offset} (part {digest})"
                )
                yield digest, part

    # plumbing ----------------------------------------------------------------------------------

    def _placements(self, manifest: Manifest) -> dict[str, Location]:
        where: dict[str, Location] = {}
        count = len(manifest.parts)
        for run in self.locator.runs:
            offset = run.offset
            for i in run.parts:
                if not 0 <= i < count:
                    raise StoreError(
                        f"locator for {self.locator.scenario}: part {i} of a {count}-part manifest"
                    )
                part = manifest.parts[i]
                where[part.digest] = Location(self.locator.packs[run.pack], offset, part.size)
                offset += part.size
        return where

    def _read_span(self, span: ranges.Span) -> bytes:
        data = self._fetch(span.pack, span.start, span.length)
        if len(data) != span.length:
            raise CorruptBlob(
                f"{_redact(span.pack)}: bytes {span.start}-{span.end - 1} asked, {len(data)} read"
            )
        return data

    def _fetch(self, url: str, start: int, length: int | None) -> bytes:
        """Bytes [start, start+length) of the object (all of it when length is None)."""
        self.requests += 1
        parsed = urlparse(url)
        if parsed.scheme == "file":
            path = unquote(parsed.path)
            try:
                with open(path, "rb") as fh:
                    if length is None:
                        return fh.read()
                    return os.pread(fh.fileno(), length, start)
            except FileNotFoundError:
                raise ObjectNotFound("locator", path, "file") from None
        headers = {} if length is None else {"Range": f"bytes={start}-{start + length - 1}"}
        last: Exception | None = None
        for attempt in range(self.attempts):
            try:
                request = urllib.request.Request(url, headers=headers)
                with urllib.request.urlopen(request, timeout=self.timeout_s) as resp:
                    data = resp.read()
                    if length is not None and resp.status == 200:
                        data = data[start : start + length]  # a server that ignored the Range
                    return data
            except urllib.error.HTTPError as exc:
                body = exc.read().decode("utf-8", "replace")
                exc.close()
                if exc.code in (403, 404):
                    code = _s3_code(body)
                    raise StoreUnavailable(
                        f"{_redact(url)}: HTTP {exc.code}{f' {code}' if code else ''} "
                        "(expired or revoked URL? write a new locator with `replaybed store url`)"
                    ) from None
                last = exc
            except (urllib.error.URLError, OSError) as exc:
                last = exc
            time.sleep(min(2.0, 0.2 * 2**attempt))
        raise StoreUnavailable(
            f"{_redact(url)}: unreachable after {self.attempts} attempts ({last})"
        )


def _s3_code(body: str) -> str:
    found = re.search(r"<Code>([^<]{1,64})</Code>", body)
    return found.group(1) if found else ""


def _redact(url: str) -> str:
    # presigned query strings carry signatures; keep them out of messages and logs
    return url.split("?", 1)[0]
