"""Where things live inside a store (a contract: tests pin it).

blobs/sha256/<first 2 hex>/<64 hex>        write-once, content-addressed
refs/<dataset>/<system>/<scenario>          text: the manifest digest + newline; written last
"""

from __future__ import annotations

from replaybed.artifacts import digest as digests
from replaybed.artifacts.errors import StoreError
from replaybed.schemas.scenario_id import ScenarioId

BLOBS = "blobs/sha256/"
REFS = "refs/"


def blob_key(digest: str) -> str:
    hexdigest = digests.hex_of(digest)
    return f"{BLOBS}{hexdigest[:2]}/{hexdigest}"


def digest_of_key(key: str) -> str:
    if not key.startswith(BLOBS):
        raise StoreError(f"{key!r} is not a blob key (expected {BLOBS}<2 hex>/<64 hex>)")
    fan, _, hexdigest = key[len(BLOBS) :].partition("/")
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
