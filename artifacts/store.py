"""A content-addressed store on top of one backend: write-once blobs, verified reads, refs."""

from __future__ import annotations

from collections.abc import Iterator

from replaybed.artifacts import digest as digests
from replaybed.artifacts import layout
from replaybed.artifacts.backends import Backend, ObjectInfo, open_backend
from replaybed.artifacts.config import StoreConfig
from replaybed.artifacts.errors import ObjectNotFound, StoreError
from replaybed.schemas.scenario_id import ScenarioId


class Store:
    def __init__(self, backend: Backend):
        self.backend = backend

    @classmethod
    def open(cls, url: str | None = None, **config) -> Store:
        return cls(open_backend(StoreConfig.resolve(url, **config)))

    @property
    def url(self) -> str:
        return self.backend.url

    def close(self) -> None:
        self.backend.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # blobs ---------------------------------------------------------------------------------------

    def put_blob(self, data: bytes) -> tuple[str, bool]:
        """Store `data` write-once under its digest. Returns (digest, whether it was new)."""
        digest = digests.of(data)
        created = self.backend.put(layout.blob_key(digest), data, if_absent=True)
        return digest, created

    def put_verified(self, digest: str, data: bytes) -> bool:
        """Store bytes the caller has just verified against `digest` (copying between stores)."""
        return self.backend.put(layout.blob_key(digest), data, if_absent=True)

    def has_blob(self, digest: str, size: int | None = None) -> bool:
        info = self.backend.stat(layout.blob_key(digest))
        return info is not None and (size is None or info.size == size)

    def get_blob(self, digest: str) -> bytes:
        """The blob's bytes, verified against the digest (DigestMismatch otherwise)."""
        key = layout.blob_key(digest)
        try:
            data = self.backend.get(key)
        except ObjectNotFound:
            raise ObjectNotFound(self.url, key, "blob") from None
        digests.verify(data, digest, f"{self.url}/{key}")
        return data

    def blobs(self) -> Iterator[ObjectInfo]:
        return self.backend.list(layout.BLOBS)

    def blob_sizes(self) -> dict[str, int]:
        """digest -> stored size of every blob, from one listing (cheaper than a stat per blob)."""
        return {layout.digest_of_key(info.key): info.size for info in self.blobs()}

    def delete_blob(self, digest: str) -> None:
        self.backend.delete(layout.blob_key(digest))

    # refs ----------------------------------------------------------------------------------------

    def set_ref(self, scenario: ScenarioId, digest: str) -> bool:
        """Point the scenario's ref at a manifest digest. Returns False if it already did."""
        digests.check(digest)
        key = layout.ref_key(scenario)
        try:
            if self.get_ref(scenario) == digest:
                return False
        except ObjectNotFound:
            pass
        self.backend.put(key, f"{digest}\n".encode(), if_absent=False)
        return True

    def get_ref(self, scenario: ScenarioId) -> str:
        key = layout.ref_key(scenario)
        try:
            text = self.backend.get(key).decode("ascii", "replace").strip()
        except ObjectNotFound:
            raise ObjectNotFound(self.url, key, f"scenario {scenario}") from None
        try:
            return digests.check(text)
        except StoreError:
            raise StoreError(
                f"{self.url}/{key}: ref holds {text[:80]!r}, expected a sha256 manifest digest"
            ) from None

    def delete_ref(self, scenario: ScenarioId) -> None:
        self.backend.delete(layout.ref_key(scenario))

    def refs(self, prefix: str = "") -> Iterator[tuple[ScenarioId, str]]:
        """(scenario, manifest digest) for every ref under `refs/<prefix>`, in key order."""
        for info in self.backend.list(layout.REFS + prefix):
            scenario = layout.scenario_of_ref(info.key)
            yield scenario, self.get_ref(scenario)
