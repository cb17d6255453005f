"""Bundles: zstd parts, a manifest, and the ref that publishes them, in that order.

Write side (compiler): a `PackWriter` (artifacts/writer.py) takes every part (`put_part`) and
every manifest (`writer.publish`), then commits packs, indexes, manifests and refs in that order.
`publish(store, manifest)` is the same for a manifest whose parts are all stored already.

Read side (runtime, store tools): `read_parts` verifies every part's digest before decompressing
and caps decompression at the declared raw size; parts come from a `PartSource`, i.e. a `Store`
or a locator (`artifacts/locator.py`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import zstandard

from replaybed.artifacts.errors import CorruptBlob
from replaybed.artifacts.store import Store
from replaybed.schemas import media_types
from replaybed.schemas.manifest import Manifest, PartRef
from replaybed.schemas.scenario_id import ScenarioId

if TYPE_CHECKING:
    from replaybed.artifacts.writer import PackWriter

# measured on a small cloudbed-day: level 9 stores ~12 % less than 3 at about the same compile
# time; 19 saves another ~8 % for 7x the time
DEFAULT_LEVEL = 9
# manifests are small and read on every deploy; they get a stronger level
MANIFEST_LEVEL = 19
# a manifest names every part of a scenario; far below this even for days-long windows
MAX_MANIFEST_RAW = 64 * 1024 * 1024


class PartSource(Protocol):
    """Verified stored bytes of manifests and parts: a Store, or a locator without credentials."""

    def read_manifest_blob(self, digest: str) -> bytes: ...

    def read_part_blobs(self, wanted: Iterable[str]) -> Iterator[tuple[str, memoryview]]: ...


@dataclass(frozen=True)
class StoredPart:
    digest: str
    size: int
    raw_size: int
    created: bool


def compress(raw: bytes, level: int = DEFAULT_LEVEL) -> bytes:
    # content size in the frame header lets readers allocate once and cap the output
    return zstandard.ZstdCompressor(level=level, write_content_size=True).compress(raw)


def decompress(stored: bytes, raw_size: int, where: str) -> bytes:
    try:
        params = zstandard.get_frame_parameters(stored)
        if params.content_size not in (raw_size, zstandard.CONTENTSIZE_UNKNOWN):
            raise CorruptBlob(
                f"{where}: frame declares {params.content_size} raw bytes, manifest says {raw_size}"
            )
        raw = zstandard.ZstdDecompressor().decompress(stored, max_output_size=raw_size)
    except zstandard.ZstdError as exc:
        raise CorruptBlob(
            f"{where}: cannot decompress ({exc}); expected a zstd frame of {raw_size} raw bytes"
        ) from exc
    if len(raw) != raw_size:
        raise CorruptBlob(f"{where}: decompressed to {len(raw)} bytes, expected {raw_size}")
    return raw


def put_part(writer: PackWriter, raw: bytes, level: int = DEFAULT_LEVEL) -> StoredPart:
    """Compress a part and hand it to the writer (stored at its commit, unless already stored)."""
    return writer.put_part(raw, level)


def read_parts(source: PartSource, refs: Iterable[PartRef]) -> Iterator[tuple[PartRef, bytes]]:
    """(ref, raw bytes) of every part, digest-verified and size-checked, fetched together.

    Parts come in the source's order (pack order), each distinct digest once.
    """
    by_digest: dict[str, PartRef] = {}
    for ref in refs:
        media_types.check(ref.media_type)
        by_digest.setdefault(ref.digest, ref)
    for digest, stored in source.read_part_blobs(by_digest):
        ref = by_digest[digest]
        yield ref, check_and_decompress(ref, stored)


def check_and_decompress(ref: PartRef, stored: bytes | memoryview) -> bytes:
    if len(stored) != ref.size:
        raise CorruptBlob(
            f"part {ref.digest}: {len(stored)} bytes stored, manifest says {ref.size}"
        )
    return decompress(bytes(stored), ref.raw_size, f"part {ref.digest}")


def read_part(source: PartSource, ref: PartRef) -> bytes:
    """One part's raw (decompressed) bytes, digest-verified."""
    for _, raw in read_parts(source, [ref]):
        return raw
    raise CorruptBlob(f"part {ref.digest}: the source returned nothing")


def encode_manifest(manifest: Manifest) -> bytes:
    return compress(manifest.to_json(), MANIFEST_LEVEL)


def read_manifest(source: PartSource, digest: str) -> Manifest:
    return decode_manifest(source.read_manifest_blob(digest), digest)


def decode_manifest(stored: bytes, digest: str) -> Manifest:
    """A manifest from its stored (compressed, already digest-verified) bytes."""
    try:
        raw = zstandard.ZstdDecompressor().decompress(stored, max_output_size=MAX_MANIFEST_RAW)
    except zstandard.ZstdError as exc:
        raise CorruptBlob(f"manifest {digest}: cannot decompress ({exc})") from exc
    return Manifest.from_json(raw, where=f"manifest {digest}")


def publish(store: Store, manifest: Manifest) -> tuple[str, bool]:
    """Store the manifest of already-stored parts and point its ref at it: (digest, ref changed).

    Raises IncompleteScenario (and writes nothing) when a part is not in the store.
    """
    from replaybed.artifacts.writer import PackWriter

    with PackWriter(store) as writer:
        return writer.publish(manifest)


def resolve(store: Store, scenario: ScenarioId) -> tuple[str, Manifest]:
    digest = store.get_ref(scenario)
    return digest, read_manifest(store, digest)
