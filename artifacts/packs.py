"""Packs and their indexes (pure: bytes in, bytes out; no I/O).

A pack is parts' stored bytes (each a zstd frame, named by its own sha256) written back to back,
in placement order, and nothing else. Its index is a small binary table, itself named by its
sha256:

    magic      8 bytes   b"RBIDX01\\n"
    pack       32 bytes  sha256 of the pack
    pack size  u64 (big-endian)
    count      u32
    entries    count x (part sha256: 32 bytes, offset: u64, length: u32), in pack order

The entries must tile the pack exactly (first at 0, each starting where the previous ends, the
last ending at the pack size) and name each part once; `PackIndex.decode` refuses anything
else. A reader trusts an index only for where to look: every part read is hashed again.

Placement decides what sits next to what: parts are ordered by (dataset, system, kind, pod,
dataset time), so one pod's logs, or one system's metrics, over a scenario's window are one
contiguous byte range, and packs are cut at `pack_bytes`. The order depends only on the parts
and the manifests naming them, so the same input always gives byte-identical packs.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from replaybed.artifacts import digest as digests
from replaybed.artifacts.errors import CorruptBlob, StoreError
from replaybed.schemas.manifest import Manifest

MAGIC = b"RBIDX01\n"
_HEAD = struct.Struct(">8s32sQI")
_ENTRY = struct.Struct(">32sQI")
# restic and kopia settle on 16-64 MB: big enough that a transfer is bound by bytes, small enough
# that gc rewrites little and one part's pack is not a big download
DEFAULT_PACK_BYTES = 32 * 1024 * 1024
MIN_PACK_BYTES = 64 * 1024


@dataclass(frozen=True)
class Entry:
    digest: str
    offset: int
    length: int


@dataclass(frozen=True)
class Location:
    """Where one part's stored bytes are: a pack and a byte range in it."""

    pack: str
    offset: int
    length: int


@dataclass(frozen=True)
class PackIndex:
    pack: str
    pack_size: int
    entries: tuple[Entry, ...]

    def encode(self) -> bytes:
        out = [_HEAD.pack(MAGIC, digests.to_bytes(self.pack), self.pack_size, len(self.entries))]
        out += [_ENTRY.pack(digests.to_bytes(e.digest), e.offset, e.length) for e in self.entries]
        return b"".join(out)

    @classmethod
    def of(cls, parts: Iterable[tuple[str, int]], pack: str) -> PackIndex:
        """The index of a pack holding `parts` ((digest, stored size)) back to back."""
        entries, offset = [], 0
        for digest, length in parts:
            entries.append(Entry(digest, offset, length))
            offset += length
        return cls(pack, offset, tuple(entries))

    @classmethod
    def decode(cls, data: bytes, where: str) -> PackIndex:
        if len(data) < _HEAD.size:
            raise CorruptBlob(f"{where}: {len(data)} bytes, an index has at least {_HEAD.size}")
        magic, pack, size, count = _HEAD.unpack_from(data)
        if magic != MAGIC:
            raise CorruptBlob(f"{where}: starts with {magic!r}, expected the index magic {MAGIC!r}")
        if len(data) != _HEAD.size + count * _ENTRY.size:
            raise CorruptBlob(
                f"{where}: {len(data)} bytes, expected {_HEAD.size + count * _ENTRY.size} "
                f"for {count} entries"
            )
        entries, seen, offset = [], set(), 0
        for i in range(count):
            raw, start, length = _ENTRY.unpack_from(data, _HEAD.size + i * _ENTRY.size)
            digest = digests.from_bytes(raw)
            if start != offset or digest in seen:
                problem = "names a part twice" if digest in seen else "leaves a gap or overlaps"
                raise CorruptBlob(
                    f"{where}: entry {i} ({digest} at {start}) {problem}; expected offset {offset}"
                )
            seen.add(digest)
            entries.append(Entry(digest, start, length))
            offset += length
        if offset != size:
            raise CorruptBlob(f"{where}: entries cover {offset} bytes, the pack has {size}")
        return cls(digests.from_bytes(pack), size, tuple(entries))


class Catalog:
    """Every part of a store's indexes: part digest -> location (the union of its indexes).

    A part found in several packs (two writers raced, or a partial copy repacked it) is read from
    the pack whose digest sorts first, so every reader makes the same choice.
    """

    def __init__(self, indexes: Mapping[str, PackIndex]):
        self.indexes = dict(indexes)  # index digest -> index
        self.index_of_pack = {ix.pack: digest for digest, ix in self.indexes.items()}
        self.parts: dict[str, Location] = {}
        for ix in sorted(self.indexes.values(), key=lambda ix: ix.pack, reverse=True):
            for e in ix.entries:
                self.parts[e.digest] = Location(ix.pack, e.offset, e.length)

    def __contains__(self, digest: str) -> bool:
        return digest in self.parts

    def __len__(self) -> int:
        return len(self.parts)

    def get(self, digest: str) -> Location | None:
        return self.parts.get(digest)

    def pack_index(self, pack: str) -> PackIndex:
        return self.indexes[self.index_of_pack[pack]]


Placement = tuple[str, str, str, str, int]


def placements(manifests: Iterable[Manifest]) -> dict[str, Placement]:
    """part digest -> (dataset, system, kind, pod, dataset start ms): what is read together."""
    found: dict[str, Placement] = {}
    for m in manifests:
        for p in m.parts:
            key = (m.dataset, m.system, p.kind, p.pod or "", m.origin_ms + p.start_ms)
            if p.digest not in found or key < found[p.digest]:
                found[p.digest] = key
    return found


UNPLACED: Placement = ("\uffff", "", "", "", 0)  # parts no manifest names go last


def cut(
    parts: Iterable[tuple[str, int]],
    where: Mapping[str, Placement],
    pack_bytes: int = DEFAULT_PACK_BYTES,
) -> list[list[tuple[str, int]]]:
    """Parts ((digest, stored size), in arrival order) ordered by placement and cut into packs.

    Arrival order breaks ties (and orders parts no manifest names), so the result depends only
    on the input. A part larger than `pack_bytes` gets a pack of its own.
    """
    if pack_bytes < MIN_PACK_BYTES:
        raise StoreError(f"pack size {pack_bytes} bytes: expected at least {MIN_PACK_BYTES}")
    ordered = sorted(enumerate(parts), key=lambda item: (where.get(item[1][0], UNPLACED), item[0]))
    packs: list[list[tuple[str, int]]] = []
    current: list[tuple[str, int]] = []
    filled = 0
    for _, (digest, size) in ordered:
        if current and filled + size > pack_bytes:
            packs.append(current)
            current, filled = [], 0
        current.append((digest, size))
        filled += size
    if current:
        packs.append(current)
    return packs
