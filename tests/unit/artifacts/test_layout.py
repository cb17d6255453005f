import pytest

from replaybed.artifacts import layout
from replaybed.artifacts.errors import StoreError
from replaybed.schemas.scenario_id import ScenarioId

HEX = "12" + "34" * 31
DIGEST = "sha256:" + HEX


def test_pack_index_and_manifest_layout_is_pinned():
    assert layout.pack_key(DIGEST) == f"packs/{HEX}.pack"
    assert layout.index_key(DIGEST) == f"indexes/{HEX}.idx"
    assert layout.manifest_key(DIGEST) == f"manifests/{HEX}.zst"
    assert layout.digest_of_pack(layout.pack_key(DIGEST)) == DIGEST
    assert layout.digest_of_index(layout.index_key(DIGEST)) == DIGEST
    assert layout.digest_of_manifest(layout.manifest_key(DIGEST)) == DIGEST


def test_ref_and_legacy_layout_is_pinned():
    sid = ScenarioId("openrca-market", "cloudbed-1", "017")
    assert layout.ref_key(sid) == "refs/openrca-market/cloudbed-1/017"
    assert layout.scenario_of_ref("refs/openrca-market/cloudbed-1/017") == sid
    assert layout.legacy_blob_key(DIGEST) == f"blobs/sha256/12/{HEX}"
    assert layout.digest_of_legacy_blob(f"blobs/sha256/12/{HEX}") == DIGEST


@pytest.mark.parametrize(
    "parse, key",
    [
        (layout.digest_of_pack, f"packs/{HEX}.idx"),
        (layout.digest_of_pack, f"indexes/{HEX}.pack"),
        (layout.digest_of_index, f"indexes/{HEX[:-1]}.idx"),
        (layout.digest_of_manifest, "manifests/x.zst"),
        (layout.digest_of_legacy_blob, f"blobs/sha256/99/{HEX}"),
        (layout.scenario_of_ref, "refs/x"),
    ],
)
def test_malformed_keys_are_refused(parse, key):
    with pytest.raises(StoreError):
        parse(key)
