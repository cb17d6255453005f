"""Where things live inside a store (a contract: tests/unit/artifacts/test_layout.py pins it).

    packs/<64 hex>.pack          parts (zstd frames) back to back; named by the sha256 of the pack
    indexes/<64 hex>.idx         one pack's table: part digest -> offset, length; named by its sha256
    manifests/<64 hex>.zst       a scenario manifest (zstd canonical JSON); named by its sha256
    refs/<dataset>/<system>/<scenario>   text: the manifest digest + newline; written last
    locks/<publish|gc>-<token>   who is writing or collecting (see artifacts/locks.py)

Everything but refs and locks is write-once and content-addressed. Stores written before packs
kept every part and manifest loose under `blobs/sha256/<2 hex>/<64 hex>` (LEGACY_BLOBS);
`replaybed store repack` moves such a store to this layout.
"""

from __future__ import annotations

from replaybed.artifacts import digest as digests
from replaybed.artifacts.errors import StoreError
from replaybed.schemas.scenario_id import ScenarioId

PACKS = "packs/"
INDEXES = "indexes/"
MANIFESTS = "manifests/"
REFS = "refs/"
LOCKS = "locks/"
LEGACY_BLOBS = "blobs/sha256/"

_SUFFIX = {PACKS: ".pack", INDEXES: ".idx", MANIFESTS: ".zst"}


def _key(folder: str, digest: str) -> str:
    return f"{folder}{digests.hex_of(digest)}{_SUFFIX[folder]}"


def _digest(folder: str, key: str) -> str:
    suffix = _SUFFIX[folder]
    if not (key.startswith(folder) and key.endswith(suffix)):
        raise StoreError(f"{key!r} is not a {folder} key (expected {folder}<64 hex>{suffix})")
    return digests.check("sha256:" + key[len(folder) : -len(suffix)])


def pack_key(digest: str) -> str:
    return _key(PACKS, digest)


def index_key(digest: str) -> str:
    return _key(INDEXES, digest)


def manifest_key(digest: str) -> str:
    return _key(MANIFESTS, digest)


def digest_of_pack(key: str) -> str:
    return _digest(PACKS, key)


def digest_of_index(key: str) -> str:
    return _digest(INDEXES, key)


def digest_of_manifest(key: str) -> str:
    return _digest(MANIFESTS, key)


def legacy_blob_key(digest: str) -> str:
    hexdigest = digests.hex_of(digest)
    return f"{LEGACY_BLOBS}{hexdigest[:2]}/{hexdigest}"


def digest_of_legacy_blob(key: str) -> str:
    if not key.startswith(LEGACY_BLOBS):
        raise StoreError(f"{key!r} is not a loose blob key (expected {LEGACY_BLOBS}<2>/<64 hex>)")
    fan, _, hexdigest = key[len(LEGACY_BLOBS) :].partition("/")
    digest = digests.check(f"sha256:{hexdigest}")
    if fan != hexdigest[:2]:
        raise StoreError(f"blob key {key!r}: fan-out folder {fan!r} does not match the digest")
    return digest


def ref_key(scenario: ScenarioId) -> str:
    return f"{REFS}{scenario.dataset}/{scenario.system}/{scenario.name}"


def scenario_of_ref(key: str) -> ScenarioId:
    if not key.startswith(REFS):
        raise StoreError(f"{key!r} is not a ref key (expected {REFS}<dataset>/<system>/<scenario>)")
    parts = key[len(REFS) :].split("/")
    if len(parts) != 3:
        raise StoreError(f"ref key {key!r}: expected {REFS}<dataset>/<system>/<scenario>")
    return ScenarioId(*parts)
