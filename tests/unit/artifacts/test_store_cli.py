"""`replaybed scenarios` and `replaybed store ...` through the umbrella command, on local stores."""

import json

from click.testing import CliRunner
from support.bundles import fill, scenario_ids, snapshot

from replaybed.artifacts import layout
from replaybed.artifacts.store import Store
from replaybed.main import cli


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_scenarios_json_lists_every_scenario(tmp_path):
    path = str(tmp_path / "store")
    fill(Store.open(path), scenarios=2, parts=2, part_bytes=100)
    result = run("scenarios", "--store", path, "--json")
    assert result.exit_code == 0
    rows = json.loads(result.output)
    assert [r["id"] for r in rows] == [str(s) for s in scenario_ids(2)]
    assert (
        rows[0]["fault_free"] is False
        and rows[0]["tz"] == "+08:00"
        and rows[0]["manifest"].startswith("sha256:")
    )
    table = run("scenarios", "--store", path)
    assert "shippingservice-1" in table.output and "2022-03-20 09:09:06" in table.output


def test_ls_cp_verify_gc_url(tmp_path):
    src, dst = str(tmp_path / "src"), str(tmp_path / "dst")
    fill(Store.open(src), scenarios=3, parts=3, part_bytes=5000)
    ls = json.loads(run("store", "ls", src, "--json").output)
    assert ls["totals"]["scenarios"] == 3 and ls["totals"]["dedup_ratio"] > 1
    assert "3 scenarios, 5 parts" in run("store", "ls", src).output
    cp = run("store", "cp", src, dst, "--json")
    summary = json.loads(cp.output)
    assert cp.exit_code == 0 and summary["scenarios"] == 3 and summary["packs"] == 1
    assert "mb_per_s" in summary
    assert snapshot(Store.open(dst)) == snapshot(Store.open(src))
    assert run("store", "verify", dst).exit_code == 0
    gc = json.loads(run("store", "gc", dst, "--grace", "0", "--dry-run", "--json").output)
    assert gc["deleted_packs"] == 0 and gc["kept_packs"] == 1
    located = json.loads(run("store", "url", dst, "--scenario", "cloudbed-1/001").output)
    assert located["scenario"] == "openrca-market/cloudbed-1/001" and len(located["packs"]) == 1
    assert located["manifest"]["url"].startswith("file://")


def test_pack_size_option_and_repack_command(tmp_path):
    src, dst = str(tmp_path / "src"), str(tmp_path / "dst")
    fill(Store.open(src), scenarios=4, parts=4, part_bytes=30_000, shared=0)
    one = run("store", "cp", src, dst, "--scenario", "cloudbed-1/001", "--pack-mb", "0.0625")
    assert one.exit_code == 0 and "4 parts into 2 new packs" in one.output
    result = run("store", "repack", dst, "--json")
    assert result.exit_code == 0 and json.loads(result.output)["parts"] == 0


def test_verify_fails_with_the_corrupt_key(tmp_path):
    path = str(tmp_path / "store")
    store = Store.open(path)
    fill(store, scenarios=1, parts=2, part_bytes=100)
    [pack] = [i.key for i in store.backend.list(layout.PACKS)]
    (store.backend.root / pack).write_bytes(b"garbage")
    result = run("store", "verify", path)
    assert result.exit_code == 1 and f"corrupt: {pack}" in result.output


def test_errors_are_messages_not_tracebacks(tmp_path):
    result = run("store", "url", str(tmp_path / "empty"), "--scenario", "cloudbed-1/001")
    assert result.exit_code != 0
    assert (
        "error:" in result.output
        and "does not exist" in result.output
        and "Traceback" not in result.output
    )
    bad = run("store", "gc", str(tmp_path), "--grace", "soon")
    assert bad.exit_code == 2 and "duration 'soon'" in bad.output
