import json

import pytest
from click.testing import CliRunner
from support.aiopslab_manifests import real_manifests

from replaybed.artifacts import bundle
from replaybed.artifacts.store import Store
from replaybed.k8s.aiopslab import registry
from replaybed.k8s.aiopslab.cli import problems as problems_command
from replaybed.k8s.aiopslab.problems import problems_from_manifests
from replaybed.k8s.errors import DeployConfigError


def test_dumps_is_canonical_sorted_and_round_trips():
    found = problems_from_manifests(real_manifests("cloudbed-2", fault_free=2))
    data = registry.dumps(list(reversed(found)))
    assert data == registry.dumps(found)
    obj = json.loads(data)
    assert obj["schema"] == 2
    assert [p["id"] for p in obj["problems"]] == sorted(p.id for p in found)
    assert (
        data == json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    )
    assert registry.loads(data) == found


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b'{"schema": 3, "problems": []}', "expected"),
        (b'{"schema": 1, "problems": []}', "found schema 1; regenerate it"),
        (b'{"schema": 2, "problems": [{"id": "x"}]}', r"problems\[0\]: bad problem 'x'"),
    ],
)
def test_loads_rejects_bad_files_with_where(data, message):
    with pytest.raises(DeployConfigError, match=message):
        registry.loads(data, "p.json")


def test_read_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(DeployConfigError, match="cannot read problems file"):
        registry.read(tmp_path / "nope.json")


def test_problems_from_a_store_written_by_publish(memory_store):
    manifests = real_manifests("cloudbed-1", fault_free=2)
    for m in manifests:
        bundle.publish(memory_store, m)
    found = registry.problems_from_store(memory_store)
    assert len(found) == 70 * 3 + 2
    assert found == problems_from_manifests(manifests)


def test_empty_store_is_an_error(memory_store):
    with pytest.raises(DeployConfigError, match="no compiled scenarios"):
        registry.problems_from_store(memory_store)


def test_compiled_tiny_store_gives_three_problems_per_fault_and_one_per_window(tiny_store):
    found = registry.problems_from_store(tiny_store)
    scenarios = [sid for sid, _ in tiny_store.refs()]
    faults = [s for s in scenarios if not s.fault_free]
    free = [s for s in scenarios if s.fault_free]
    assert len(faults) == 70 and free
    assert len(found) == 3 * len(faults) + len(free)
    for sid in faults:
        _, m = bundle.resolve(tiny_store, sid)
        loc = next(p for p in found if p.id == f"openrca-cb1-localization-{sid.name}")
        assert m.fault.component in loc.answers and loc.namespace == m.namespace


def test_cli_writes_problems_json(tmp_path):
    store = Store.open(str(tmp_path / "store"))
    for m in real_manifests("cloudbed-2", fault_free=1):
        bundle.publish(store, m)
    url = store.url
    out = tmp_path / "problems.json"
    result = CliRunner().invoke(problems_command, ["--store", url, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "wrote 235 problems (79 detection, 78 localization, 78 analysis)" in result.output
    assert len(registry.read(out)) == 235
    printed = CliRunner().invoke(problems_command, ["--store", url])
    assert printed.output.strip().encode() == out.read_bytes()
