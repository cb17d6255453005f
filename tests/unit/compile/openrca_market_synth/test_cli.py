"""`replaybed synth`: reproducible output, subsets equal to the full run, bad requests refused."""

from __future__ import annotations

import filecmp
import json

from click.testing import CliRunner

from replaybed.main import cli


def _run(*args):
    return CliRunner().invoke(cli, ["synth", *map(str, args)])


def test_a_subset_reproduces_the_matching_files_of_the_full_run(tiny_dataset, tmp_path):
    out = tmp_path / "sub"
    result = _run(out, "--cloudbed", "cloudbed-2", "--day", "2022_03_21", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert {f["path"].split("/")[1] for f in report["files"]} == {"cloudbed-2"}
    for f in report["files"]:
        assert filecmp.cmp(out / f["path"], tiny_dataset / f["path"], shallow=False), f["path"]
    assert not (out / "Market" / "cloudbed-2" / "telemetry" / "2022_03_20").exists()


def test_another_seed_gives_other_bytes(tiny_dataset, tmp_path):
    out = tmp_path / "seed1"
    assert (
        _run(out, "--cloudbed", "cloudbed-1", "--day", "2022_03_20", "--seed", "1").exit_code == 0
    )
    rel = "Market/cloudbed-1/telemetry/2022_03_20/trace/trace_span.csv"
    assert not filecmp.cmp(out / rel, tiny_dataset / rel, shallow=False)
    assert filecmp.cmp(
        out / "Market/cloudbed-1/record.csv",
        tiny_dataset / "Market/cloudbed-1/record.csv",
        shallow=False,
    )


def test_bad_requests_exit_2_and_write_nothing(tmp_path):
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "keep.txt").write_text("x")
    result = _run(taken)
    assert result.exit_code == 2 and "not empty" in result.output
    assert [p.name for p in taken.iterdir()] == ["keep.txt"]
    for args, word in (
        ((tmp_path / "a", "--scale", "huge"), "huge"),
        ((tmp_path / "b", "--cloudbed", "cloudbed-9"), "cloudbed-9"),
        ((tmp_path / "c", "--day", "2022_03_22"), "2022_03_22"),
    ):
        result = _run(*args)
        assert (
            result.exit_code == 2 and word in result.output and "expected one of" in result.output
        )
        assert not args[0].exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]
