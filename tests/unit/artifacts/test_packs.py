"""The index format, placement and pack cutting (pure)."""

import struct

import pytest

from replaybed.artifacts import digest as digests
from replaybed.artifacts import packs
from replaybed.artifacts.errors import CorruptBlob, StoreError
from replaybed.artifacts.packs import Catalog, Location, PackIndex
from replaybed.schemas import media_types
from replaybed.schemas.manifest import Counts, Manifest, PartRef, Window


def d(n: int) -> str:
    return digests.of(str(n).encode())


def index_of(sizes) -> PackIndex:
    return PackIndex.of([(d(i), size) for i, size in enumerate(sizes)], d(999))


def test_index_round_trips_and_tiles_its_pack():
    ix = index_of([10, 20, 5])
    data = ix.encode()
    assert len(data) == 52 + 3 * 44 and data.startswith(b"RBIDX01\n")
    back = PackIndex.decode(data, "ix")
    assert back == ix and back.pack_size == 35
    assert [(e.offset, e.length) for e in back.entries] == [(0, 10), (10, 20), (30, 5)]


def _entry_offset(data: bytes, i: int) -> int:
    return 52 + i * 44 + 32


@pytest.mark.parametrize(
    "tamper, message",
    [
        (lambda b: b"XXIDX01\n" + b[8:], "magic"),
        (lambda b: b[:-1], "expected"),
        (lambda b: b[:-44], "expected"),
        # second entry starts one byte late: a gap
        (
            lambda b: (
                b[: _entry_offset(b, 1)] + struct.pack(">Q", 11) + b[_entry_offset(b, 1) + 8 :]
            ),
            "gap or overlaps",
        ),
        # pack size no longer the sum of the lengths
        (lambda b: b[:40] + struct.pack(">Q", 36) + b[48:], "entries cover 35 bytes"),
        # the third entry names the first part again
        (lambda b: b[: 52 + 2 * 44] + b[52 : 52 + 32] + b[52 + 2 * 44 + 32 :], "twice"),
    ],
)
def test_a_tampered_index_is_refused(tamper, message):
    with pytest.raises(CorruptBlob, match=message):
        PackIndex.decode(tamper(index_of([10, 20, 5]).encode()), "ix")


def test_catalog_reads_a_part_held_twice_from_the_first_pack():
    a = PackIndex.of([(d(1), 4), (d(2), 4)], "sha256:" + "a" * 64)
    b = PackIndex.of([(d(2), 4), (d(3), 4)], "sha256:" + "b" * 64)
    catalog = Catalog({"x": b, "y": a})
    assert catalog.get(d(2)) == Location("sha256:" + "a" * 64, 4, 4)
    assert catalog.get(d(3)) == Location("sha256:" + "b" * 64, 4, 4)
    assert d(4) not in catalog and len(catalog) == 3


def manifest(system: str, parts: list[PartRef]) -> Manifest:
    return Manifest(
        dataset="openrca-market",
        system=system,
        scenario="001",
        fault_free=True,
        origin_ms=1_000_000,
        window=Window.around(1_000_000, 60_000, 60_000),
        chunk_ms=300_000,
        namespace="ns",
        parts=tuple(parts),
        pods=(),
        services=(),
        nodes=(),
        counts=Counts(),
    )


def ref(n: int, kind: str, start: int, pod: str | None = None) -> PartRef:
    return PartRef(kind, media_types.for_kind(kind), d(n), 100, 100, start, start + 1, 1, pod)


def test_placement_puts_one_pods_logs_and_one_systems_metrics_together():
    # arrival order is time-major, as a compile writes chunk after chunk
    parts = [
        ref(1, "metrics", 0),
        ref(2, "logs", 0, "b-pod"),
        ref(3, "logs", 0, "a-pod"),
        ref(4, "metrics", 300),
        ref(5, "logs", 300, "b-pod"),
        ref(6, "logs", 300, "a-pod"),
    ]
    where = packs.placements([manifest("cloudbed-1", parts)])
    arrival = [(p.digest, 100) for p in parts] + [(d(7), 100)]  # d(7): in no manifest
    [one] = packs.cut(arrival, where, pack_bytes=1 << 20)
    assert [digest for digest, _ in one] == [d(3), d(6), d(2), d(5), d(1), d(4), d(7)]


def test_cut_fills_packs_to_the_size_and_is_deterministic():
    parts = [(d(i), 30_000) for i in range(10)]
    cut = packs.cut(parts, {}, pack_bytes=packs.MIN_PACK_BYTES)
    assert [len(p) for p in cut] == [2, 2, 2, 2, 2]  # 65 536 bytes hold two 30 000-byte parts
    assert [digest for p in cut for digest, _ in p] == [digest for digest, _ in parts]
    assert packs.cut(parts, {}, pack_bytes=packs.MIN_PACK_BYTES) == cut
    big = packs.cut([(d(1), 10), (d(2), 10**6), (d(3), 10)], {}, packs.MIN_PACK_BYTES)
    assert [len(p) for p in big] == [1, 1, 1]
    with pytest.raises(StoreError, match="pack size"):
        packs.cut(parts, {}, pack_bytes=1000)
