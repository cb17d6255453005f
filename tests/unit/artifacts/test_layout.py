import pytest

from replaybed.artifacts import layout
from replaybed.artifacts.errors import StoreError
from replaybed.schemas.scenario_id import ScenarioId

DIGEST = "sha256:" + "12" + "34" * 31


def test_blob_layout_is_pinned():
    assert layout.blob_key(DIGEST) == "blobs/sha256/12/12" + "34" * 31
    assert layout.digest_of_key(layout.blob_key(DIGEST)) == DIGEST


def test_ref_layout_is_pinned():
    sid = ScenarioId("openrca-market", "cloudbed-1", "017")
    assert layout.ref_key(sid) == "refs/openrca-market/cloudbed-1/017"
    assert layout.scenario_of_ref("refs/openrca-market/cloudbed-1/017") == sid


@pytest.mark.parametrize(
    "key", ["blobs/sha256/99/" + "12" + "34" * 31, "blobs/md5/ab/cd", "refs/x"]
)
def test_malformed_keys_are_refused(key):
    with pytest.raises(StoreError):
        layout.digest_of_key(key) if key.startswith("blobs") else layout.scenario_of_ref(key)
