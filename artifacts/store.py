"""A content-addressed store on one backend: packs and their indexes, manifests, refs.

Readers ask for parts by digest. The store finds them through the union of its indexes (the
`Catalog`, loaded once and refreshed after writes), reads them with as few ranged requests as
the layout allows (`ranges.coalesce`), and checks every part's sha256 before handing it out.
Writing goes through `artifacts.writer.PackWriter`, which keeps the commit order; this class
only moves verified objects.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator

from replaybed.artifacts import digest as digests
from replaybed.artifacts import layout, ranges
from replaybed.artifacts.backends import Backend, ObjectInfo, open_backend
from replaybed.artifacts.config import StoreConfig
from replaybed.artifacts.errors import (
    CorruptBlob,
    LegacyLayout,
    ObjectNotFound,
    StoreError,
)
from replaybed.artifacts.packs import DEFAULT_PACK_BYTES, Catalog, Location, PackIndex
from replaybed.schemas.scenario_id import ScenarioId

DEFAULT_JOBS = 8


class Store:
    def __init__(
        self, backend: Backend, jobs: int = DEFAULT_JOBS, pack_bytes: int = DEFAULT_PACK_BYTES
    ):
        self.backend = backend
        self.jobs = jobs
        self.pack_bytes = pack_bytes  # what writers aim for
        self._indexes: dict[str, PackIndex] = {}  # index digest -> decoded, verified index
        self._catalog: Catalog | None = None
        self._catalog_lock = threading.Lock()

    @classmethod
    def open(cls, url: str | None = None, **config) -> Store:
        resolved = StoreConfig.resolve(url, **config)
        return cls(open_backend(resolved), resolved.max_concurrency, resolved.pack_bytes)

    @property
    def url(self) -> str:
        return self.backend.url

    def close(self) -> None:
        self.backend.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def where(self, key: str) -> str:
        return f"{self.url}/{key}"

    # indexes and the catalog ---------------------------------------------------------------------

    def index_digests(self) -> list[str]:
        return [layout.digest_of_index(info.key) for info in self.backend.list(layout.INDEXES)]

    def get_index(self, digest: str) -> PackIndex:
        """An index, its bytes verified against its name and its table against its own rules."""
        key = layout.index_key(digest)
        data = self._get(key, "index")
        digests.verify(data, digest, self.where(key))
        return PackIndex.decode(data, self.where(key))

    def catalog(self, refresh: bool = False) -> Catalog:
        """Where every part is. Loaded on first use; `refresh` re-lists the indexes (after writes)."""
        with self._catalog_lock:
            if self._catalog is None or refresh:
                listed = self.index_digests()
                new = [d for d in listed if d not in self._indexes]
                for d, ix in zip(new, self._map(self.get_index, new)):
                    self._indexes[d] = ix
                self._indexes = {d: self._indexes[d] for d in listed}
                self._catalog = Catalog(self._indexes)
            return self._catalog

    def has_part(self, digest: str, size: int | None = None) -> bool:
        loc = self.catalog().get(digest)
        return loc is not None and (size is None or loc.length == size)

    # reading parts ------------------------------------------------------------------------------

    def read_part_blobs(self, wanted: Iterable[str]) -> Iterator[tuple[str, memoryview]]:
        """(digest, stored bytes) of every wanted part, each verified; in pack order, each once.

        Parts of one pack that sit close together come from one ranged read; reads run in
        parallel with at most `jobs` spans held in memory at a time.
        """
        catalog = self.catalog()
        located: list[tuple[str, Location]] = []
        for digest in dict.fromkeys(wanted):
            loc = catalog.get(digest)
            if loc is None:
                raise self._missing(digests.check(digest), "part")
            located.append((digest, loc))
        spans = ranges.coalesce(located)
        for span, data in ranges.in_order(self._read_span, spans, self.jobs):
            yield from self._check_span(span, data)

    def _read_span(self, span: ranges.Span) -> bytes:
        key = layout.pack_key(span.pack)
        try:
            data = self.backend.get_range(key, span.start, span.length)
        except ObjectNotFound:
            raise ObjectNotFound(self.url, key, "pack") from None
        if len(data) != span.length:
            raise CorruptBlob(
                f"{self.where(key)}: bytes {span.start}-{span.end - 1} asked, {len(data)} read "
                "(pack shorter than its index says)"
            )
        return data

    def _check_span(
        self, span: ranges.Span, data: bytes | memoryview
    ) -> Iterator[tuple[str, memoryview]]:
        key = layout.pack_key(span.pack)
        for digest, loc, part in span.slices(data):
            digests.verify(part, digest, f"{self.where(key)} at {loc.offset} (part {digest})")
            yield digest, part

    # packs -------------------------------------------------------------------------------------

    def put_pack(self, data: bytes, digest: str | None = None) -> tuple[str, bool]:
        """Store a pack write-once. `digest`: the caller has just verified the bytes against it
        (a copy), so they are not hashed again."""
        digest = digest or digests.of(data)
        return digest, self.backend.put(layout.pack_key(digest), data, if_absent=True)

    def put_index(self, index: PackIndex) -> tuple[str, bool]:
        data = index.encode()
        digest = digests.of(data)
        created = self.backend.put(layout.index_key(digest), data, if_absent=True)
        with self._catalog_lock:
            # the next catalog refresh needs only to list it, not to read it back
            self._indexes.setdefault(digest, index)
        return digest, created

    def get_pack(self, digest: str) -> bytes:
        key = layout.pack_key(digest)
        data = self._get(key, "pack")
        digests.verify(data, digest, self.where(key))
        return data

    def packs(self) -> list[ObjectInfo]:
        return list(self.backend.list(layout.PACKS))

    def delete_index(self, digest: str) -> None:
        self.backend.delete(layout.index_key(digest))

    def delete_pack(self, digest: str) -> None:
        self.backend.delete(layout.pack_key(digest))

    # manifests ---------------------------------------------------------------------------------

    def put_manifest_blob(self, data: bytes) -> tuple[str, bool]:
        digest = digests.of(data)
        return digest, self.backend.put(layout.manifest_key(digest), data, if_absent=True)

    def read_manifest_blob(self, digest: str) -> bytes:
        key = layout.manifest_key(digest)
        try:
            data = self.backend.get(key)
        except ObjectNotFound:
            raise self._missing(digest, "manifest") from None
        digests.verify(data, digest, self.where(key))
        return data

    def manifests(self) -> list[ObjectInfo]:
        return list(self.backend.list(layout.MANIFESTS))

    # refs --------------------------------------------------------------------------------------

    def set_ref(self, scenario: ScenarioId, digest: str, *, check: bool = True) -> bool:
        """Point the scenario's ref at a manifest digest. Returns False if it already did
        (`check=False`: the caller has just looked and knows it did not)."""
        digests.check(digest)
        try:
            if check and self.get_ref(scenario) == digest:
                return False
        except ObjectNotFound:
            pass
        self.backend.put(layout.ref_key(scenario), f"{digest}\n".encode(), if_absent=False)
        return True

    def get_ref(self, scenario: ScenarioId) -> str:
        key = layout.ref_key(scenario)
        text = self._get(key, f"scenario {scenario}").decode("ascii", "replace").strip()
        try:
            return digests.check(text)
        except StoreError:
            raise StoreError(
                f"{self.where(key)}: ref holds {text[:80]!r}, expected a sha256 manifest digest"
            ) from None

    def refs(self, prefix: str = "") -> Iterator[tuple[ScenarioId, str]]:
        """(scenario, manifest digest) for every ref under `refs/<prefix>`, in key order."""
        found = [layout.scenario_of_ref(i.key) for i in self.backend.list(layout.REFS + prefix)]
        yield from zip(found, self._map(self.get_ref, found))

    def current_refs(self, scenarios: Iterable[ScenarioId]) -> dict[ScenarioId, str | None]:
        """Where each scenario's ref points now (None: no ref), looked up in parallel."""
        wanted = list(dict.fromkeys(scenarios))

        def one(scenario: ScenarioId) -> str | None:
            try:
                return self.get_ref(scenario)
            except ObjectNotFound:
                return None

        return dict(zip(wanted, self._map(one, wanted)))

    # plumbing ----------------------------------------------------------------------------------

    def _get(self, key: str, what: str) -> bytes:
        try:
            return self.backend.get(key)
        except ObjectNotFound:
            raise ObjectNotFound(self.url, key, what) from None

    def _missing(self, digest: str, what: str) -> StoreError:
        if self.backend.stat(layout.legacy_blob_key(digest)) is not None:
            return LegacyLayout(
                f"{self.url}: {what} {digest} is a loose blob of the pre-pack layout; "
                f"migrate the store with `replaybed store repack {self.url}`"
            )
        key = layout.manifest_key(digest) if what == "manifest" else digest
        return ObjectNotFound(self.url, key, what)

    def _map(self, fn, items: list) -> list:
        if len(items) <= 1:
            return [fn(item) for item in items]
        from concurrent.futures import ThreadPoolExecutor  # see ranges.in_order

        with ThreadPoolExecutor(min(self.jobs, len(items))) as pool:
            return list(pool.map(fn, items))
