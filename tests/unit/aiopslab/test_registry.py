import json

import pytest
from click.testing import CliRunner
from support.aiopslab_manifests import bank_manifests, real_manifests, telecom_manifests

from replaybed.artifacts import bundle
from replaybed.artifacts.store import Store
from replaybed.k8s.aiopslab import registry
from replaybed.k8s.aiopslab.cli import problems as problems_command
from replaybed.k8s.aiopslab.problems import problem_set
from replaybed.k8s.errors import DeployConfigError


def test_dumps_is_canonical_sorted_and_round_trips():
    found = problem_set(real_manifests("cloudbed-2", fault_free=2) + telecom_manifests())
    reordered = problem_set(telecom_manifests() + real_manifests("cloudbed-2", fault_free=2))
    data = registry.dumps(found)
    assert data == registry.dumps(reordered)
    obj = json.loads(data)
    assert obj["schema"] == 3
    assert [p["id"] for p in obj["problems"]] == sorted(p.id for p in found.problems)
    assert (
        data == json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    )
    assert registry.loads(data) == found


def test_components_are_not_repeated_per_problem():
    """The whole Market set (148 faults, 3 fault-free windows): schema 2 copied the 41 pods into
    each of its 447 problems (about 1.6 MB); schema 3 stores them once."""
    found = problem_set(
        real_manifests("cloudbed-1", fault_free=2) + real_manifests("cloudbed-2", fault_free=1)
    )
    data = registry.dumps(found)
    assert len(found.problems) == 447
    assert data.count(b'"name":"adservice2-0"') == 1
    assert len(data) < 250_000, len(data)


def _doc(**changes):
    obj = json.loads(registry.dumps(problem_set(bank_manifests())))
    obj.update(changes)
    return json.dumps(obj).encode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b'{"schema": 4, "problems": []}', "found schema 4; regenerate it"),
        (b'{"schema": 2, "problems": []}', "found schema 2; regenerate it"),
        (b"[]", "found schema 'list'"),
        (b'{"schema": 3, "problems": []}', "environments, systems missing"),
        (_doc(problems=[{"id": "x"}]), r"problems\[0\]: bad problem 'x'"),
        (_doc(environments={}), "environment 'env-[0-9a-f]+' is not in the set"),
        (_doc(systems={}), "system 'openrca-bank/bank' is not in the set"),
    ],
)
def test_loads_rejects_bad_files_with_where(data, message):
    with pytest.raises(DeployConfigError, match=message):
        registry.loads(data, "p.json")


def test_an_edited_environment_is_refused():
    obj = json.loads(_doc())
    [env] = obj["environments"].values()
    env["nodes"] = ["node-9"]
    with pytest.raises(DeployConfigError, match="the file was edited: regenerate it"):
        registry.loads(json.dumps(obj), "p.json")
    obj = json.loads(_doc())
    obj["systems"]["openrca-bank/bank"]["system"] = "bank-2"
    with pytest.raises(DeployConfigError, match="describes 'openrca-bank/bank-2'; regenerate"):
        registry.loads(json.dumps(obj), "p.json")


def test_read_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(DeployConfigError, match="cannot read problems file"):
        registry.read(tmp_path / "nope.json")


def test_problems_from_a_store_written_by_publish(memory_store):
    manifests = real_manifests("cloudbed-1", fault_free=2) + bank_manifests()
    for m in manifests:
        bundle.publish(memory_store, m)
    found = registry.problems_from_store(memory_store)
    assert len(found.problems) == 70 * 3 + 2 + 9
    assert found == problem_set(manifests)


def test_empty_store_is_an_error(memory_store):
    with pytest.raises(DeployConfigError, match="no compiled scenarios"):
        registry.problems_from_store(memory_store)


def test_compiled_tiny_store_gives_three_problems_per_fault_and_one_per_window(tiny_store):
    found = registry.problems_from_store(tiny_store).problems
    scenarios = [sid for sid, _ in tiny_store.refs()]
    faults = [s for s in scenarios if not s.fault_free]
    free = [s for s in scenarios if s.fault_free]
    assert len(faults) == 70 and free
    assert len(found) == 3 * len(faults) + len(free)
    for sid in faults:
        _, m = bundle.resolve(tiny_store, sid)
        loc = next(p for p in found if p.id == f"openrca-market-cloudbed-1-localization-{sid.name}")
        assert m.fault.component in loc.answers and loc.namespace == m.namespace
        assert loc.answers == m.fault.accepted


def test_cli_writes_problems_json(tmp_path):
    store = Store.open(str(tmp_path / "store"))
    for m in real_manifests("cloudbed-2", fault_free=1):
        bundle.publish(store, m)
    url = store.url
    out = tmp_path / "problems.json"
    result = CliRunner().invoke(problems_command, ["--store", url, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "wrote 235 problems (79 detection, 78 localization, 78 analysis)" in result.output
    assert "no analysis problem" not in result.output
    assert len(registry.read(out).problems) == 235
    printed = CliRunner().invoke(problems_command, ["--store", url])
    assert printed.stdout.strip().encode() == out.read_bytes()
    assert "235 problems" in printed.stderr


def test_cli_says_which_fault_scenarios_get_no_analysis_problem(tmp_path):
    store = Store.open(str(tmp_path / "store"))
    for m in bank_manifests(fault_free=1) + telecom_manifests(fault_free=0):
        bundle.publish(store, m)
    out = tmp_path / "problems.json"
    result = CliRunner().invoke(problems_command, ["--store", store.url, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stderr.strip() == (
        f"wrote 27 problems (11 detection, 10 localization, 6 analysis) to {out}; no analysis "
        "problem for 4 fault scenarios (4 of openrca-bank/bank): their dataset defines no "
        "analysis labels"
    )
