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

import cramjam

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
    # compression stays on zstandard (the compile extra): compiled bytes must not change; only
    # the compiler writes, so the runtime image does not carry it
    import zstandard

    # content size in the frame header lets readers allocate once and cap the output
    return zstandard.ZstdCompressor(level=level, write_content_size=True).compress(raw)


_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
MANIFEST_MAX_BYTES = 64 * 1024 * 1024


def declared_size(stored: bytes, where: str) -> int | None:
    """The raw size a zstd frame header declares (RFC 8878 3.1.1.1), None if it declares none."""
    if len(stored) < 5 or stored[:4] != _ZSTD_MAGIC:
        raise CorruptBlob(
            f"{where}: not a zstd frame (starts with {stored[:4].hex() or 'nothing'})"
        )
    descriptor = stored[4]
    single_segment = descriptor >> 5 & 1
    size_bytes = (single_segment, 2, 4, 8)[descriptor >> 6]
    start = 5 + (1 - single_segment) + (0, 1, 2, 4)[descriptor & 3]
    if not size_bytes:
        return None
    if len(stored) < start + size_bytes:
        raise CorruptBlob(f"{where}: zstd frame header cut short ({len(stored)} bytes)")
    value = int.from_bytes(stored[start : start + size_bytes], "little")
    return value + 256 if size_bytes == 2 else value


def decompress(stored: bytes, raw_size: int, where: str) -> bytes:
    declared = declared_size(stored, where)
    if declared not in (raw_size, None):
        raise CorruptBlob(f"{where}: frame declares {declared} raw bytes, manifest says {raw_size}")
    # decompress_into streams into this fixed buffer and fails once it is full, so the output is
    # capped at the declared size whatever the frame says (decompress's output_len only presizes
    # a buffer that still grows)
    raw = bytearray(raw_size)
    try:
        written = cramjam.zstd.decompress_into(stored, raw)
    except cramjam.DecompressionError as exc:
        raise CorruptBlob(
            f"{where}: cannot decompress ({exc}); expected a zstd frame of {raw_size} raw bytes"
        ) from exc
    if written != raw_size:
        raise CorruptBlob(f"{where}: decompressed to {written} bytes, expected {raw_size}")
    return bytes(raw)


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
    where = f"manifest {digest}"
    size = declared_size(stored, where)
    if size is None or size > MANIFEST_MAX_BYTES:
        raise CorruptBlob(
            f"{where}: the zstd frame must declare its size, at most {MANIFEST_MAX_BYTES} bytes (declares {size})"
        )
    return Manifest.from_json(decompress(stored, size, where), where=where)


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
