"""Bundles: zstd parts, a manifest blob, and the ref that publishes them, in that order.

Write side (compiler): `put_part` for every part (write-once, shared between scenarios), then
`publish`, which checks that every part the manifest reaches is stored, stores the manifest and
only then moves the ref. A crash at any point leaves either the old ref or the new one, never a
ref to something incomplete.

Read side (runtime, store tools): `read_part` verifies the digest before decompressing and caps
decompression at the declared raw size.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import cramjam

from replaybed.artifacts.errors import CorruptBlob, IncompleteScenario
from replaybed.artifacts.store import Store
from replaybed.schemas import media_types
from replaybed.schemas.manifest import Manifest, PartRef
from replaybed.schemas.scenario_id import ScenarioId

# measured on a small cloudbed-day: level 9 stores ~12 % less than 3 at about the same compile
# time; 19 saves another ~8 % for 7x the time
DEFAULT_LEVEL = 9
# manifests are small and read on every deploy; they get a stronger level
MANIFEST_LEVEL = 19


class BlobSource(Protocol):
    """Anything that returns a blob's verified bytes by digest: a Store, a presigned-URL locator."""

    def get_blob(self, digest: str) -> bytes: ...


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


def put_part(store: Store, raw: bytes, level: int = DEFAULT_LEVEL) -> StoredPart:
    stored = compress(raw, level)
    digest, created = store.put_blob(stored)
    return StoredPart(digest, len(stored), len(raw), created)


def read_part(source: BlobSource, part: PartRef) -> bytes:
    """The part's raw (decompressed) bytes, digest-verified."""
    media_types.check(part.media_type)
    stored = source.get_blob(part.digest)
    if len(stored) != part.size:
        raise CorruptBlob(
            f"blob {part.digest}: {len(stored)} bytes stored, manifest says {part.size}"
        )
    return decompress(stored, part.raw_size, f"blob {part.digest}")


def put_manifest(store: Store, manifest: Manifest) -> tuple[str, bool]:
    return store.put_blob(compress(manifest.to_json(), MANIFEST_LEVEL))


def read_manifest(source: BlobSource, digest: str) -> Manifest:
    return decode_manifest(source.get_blob(digest), digest)


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
    """Store the manifest and point its scenario's ref at it. Returns (digest, ref changed)."""
    missing = [p.digest for p in manifest.parts if not store.has_blob(p.digest, p.size)]
    if missing:
        raise IncompleteScenario(
            f"{store.url}: scenario {manifest.id} reaches {len(missing)} part(s) the store does not hold "
            f"(first: {missing[0]}); the ref was not written"
        )
    digest, _ = put_manifest(store, manifest)
    changed = store.set_ref(manifest.id, digest)
    return digest, changed


def resolve(store: Store, scenario: ScenarioId) -> tuple[str, Manifest]:
    digest = store.get_ref(scenario)
    return digest, read_manifest(store, digest)
