"""Compile as a whole: scenario set, determinism, re-runs, bad input and crashes."""

from __future__ import annotations

import csv
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from replaybed.artifacts import bundle
from replaybed.artifacts.store import Store
from replaybed.main import cli
from replaybed.schemas.scenario_id import ScenarioId

PICK = ("--scenario", "cloudbed-1/003", "--scenario", "cloudbed-1/ff-001")


def test_every_record_and_some_fault_free_windows_become_scenarios(tiny_store):
    refs = dict(tiny_store.refs())
    faults = sorted(s.name for s in refs if not s.fault_free)
    free = sorted(s.name for s in refs if s.fault_free)
    assert faults == [f"{i:03d}" for i in range(70)]
    assert len(free) >= 4 and free[0] == "ff-000"
    _, m = bundle.resolve(tiny_store, ScenarioId.parse("cloudbed-1/ff-000"))
    assert m.fault_free and m.fault is None and m.counts.samples > 0
    records = [
        bundle.resolve(tiny_store, s)[1].fault.timestamp * 1000 for s in refs if not s.fault_free
    ]
    start, end = m.origin_ms + m.window.start_ms, m.origin_ms + m.window.end_ms
    assert all(not (start - 1800_000 <= t <= end + 1800_000) for t in records)


def _compile(dataset, store, *extra):
    return CliRunner().invoke(
        cli, ["compile", str(dataset), "--store", str(store), *extra, "--json"]
    )


def _blobs(root):
    return sorted((p.relative_to(root), p.read_bytes()) for p in root.rglob("*") if p.is_file())


def test_same_input_same_bytes_and_a_rerun_writes_nothing(tiny_dataset, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    first = _compile(tiny_dataset, a, *PICK)
    assert first.exit_code == 0, first.output
    assert _compile(tiny_dataset, b, *PICK).exit_code == 0
    assert _blobs(a) == _blobs(b)
    again = _compile(tiny_dataset, a, *PICK)
    import json

    summary = json.loads(again.output)
    assert summary["new_parts"] == 0 and summary["refs_changed"] == 0 and summary["parts"] > 0
    assert _blobs(a) == _blobs(b)


@pytest.fixture
def small_copy(tiny_dataset, tmp_path):
    """A private copy of cloudbed-1 to break."""
    dst = tmp_path / "ds"
    shutil.copytree(tiny_dataset / "Market" / "cloudbed-1", dst / "Market" / "cloudbed-1")
    return dst


def _day(ds, rel, day="2022_03_20"):
    return ds / "Market" / "cloudbed-1" / "telemetry" / day / rel


def _edit_line(path, n, fn):
    lines = path.read_text().splitlines(keepends=True)
    lines[n - 1] = fn(lines[n - 1])
    path.write_text("".join(lines))


def _field(line, i, fn):
    fields = line.rstrip("\n").split(",")
    fields[i] = fn(fields[i])
    return ",".join(fields) + "\n"


def _drop_last_row(path):
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows[:-1])


def _cut_last_row(path):
    data = path.read_bytes()
    path.write_bytes(data.rstrip(b"\n")[:-1])  # `132.87\n` -> `132.8`


def _append(path, text):
    with open(path, "ab") as fh:
        fh.write(text if isinstance(text, bytes) else text.encode())


BREAKAGES = {
    "missing day folder": (
        lambda ds: shutil.rmtree(_day(ds, "", "2022_03_21")),
        "2022_03_21",
        None,
    ),
    "missing file": (
        lambda ds: _day(ds, "metric/metric_node.csv").unlink(),
        "metric_node.csv",
        None,
    ),
    "wrong header": (
        lambda ds: _edit_line(
            _day(ds, "metric/metric_node.csv"), 1, lambda line: line.replace("kpi_name", "kpi")
        ),
        "metric_node.csv:1",
        "expected",
    ),
    "malformed row": (
        lambda ds: _edit_line(
            _day(ds, "metric/metric_container.csv"), 5, lambda line: line.rstrip("\n") + ",extra\n"
        ),
        "metric_container.csv:5",
        "expected 4",
    ),
    "non-numeric value": (
        lambda ds: _edit_line(
            _day(ds, "metric/metric_node.csv"), 7, lambda line: line.rsplit(",", 1)[0] + ",abc\n"
        ),
        "metric_node.csv:7",
        "expected a number",
    ),
    "nan value": (
        lambda ds: _edit_line(
            _day(ds, "metric/metric_runtime.csv"), 9, lambda line: line.rsplit(",", 1)[0] + ",nan\n"
        ),
        "metric_runtime.csv:9",
        "finite",
    ),
    "non-integer span time": (
        lambda ds: _edit_line(_day(ds, "trace/trace_span.csv"), 3, lambda line: "x" + line),
        "trace_span.csv:3",
        "integer",
    ),
    "trace id of 31 hex digits": (
        lambda ds: _edit_line(
            _day(ds, "trace/trace_span.csv"), 3, lambda line: _field(line, 3, lambda v: v[1:])
        ),
        "trace_span.csv:3",
        "expected 32 lower-case hex digits",
    ),
    "negative span duration": (
        lambda ds: _edit_line(
            _day(ds, "trace/trace_span.csv"), 4, lambda line: _field(line, 4, lambda v: "-5000")
        ),
        "trace_span.csv:4",
        "expected a duration >= 0",
    ),
    "query.csv shorter than record.csv": (
        lambda ds: _drop_last_row(ds / "Market/cloudbed-1/query.csv"),
        "query.csv",
        "69 query rows, expected 70",
    ),
    "metric timestamp in ms": (
        lambda ds: _edit_line(
            _day(ds, "metric/metric_node.csv"), 5, lambda line: _field(line, 0, lambda v: v + "000")
        ),
        "metric_node.csv:5",
        "expected epoch seconds within that day",
    ),
    "span timestamp in seconds": (
        lambda ds: _edit_line(
            _day(ds, "trace/trace_span.csv"), 3, lambda line: _field(line, 0, lambda v: v[:-3])
        ),
        "trace_span.csv:3",
        "expected epoch milliseconds within that day",
    ),
    "record component not in the dataset": (
        lambda ds: _edit_line(
            ds / "Market/cloudbed-1/record.csv",
            2,
            lambda line: _field(line, 2, lambda v: "shippingservice-7"),
        ),
        "record.csv:2",
        "is not a Market pod",
    ),
    "last row cut short without a newline": (
        lambda ds: _cut_last_row(_day(ds, "metric/metric_container.csv")),
        "metric_container.csv:",
        "does not end with a newline",
    ),
    "huge quoted field then a bad row": (
        lambda ds: _append(
            _day(ds, "log/log_service.csv"),
            'x1,1647705601,frontend-0,log_frontend,"'
            + "y" * 200_000
            + '"\nx2,abc,frontend-0,l,v\n',
        ),
        "log_service.csv:",
        "column 'timestamp' is 'abc'; expected an integer",
    ),
    "invalid utf-8": (
        lambda ds: _append(_day(ds, "log/log_proxy.csv"), b"x1,1647705601,frontend-0,l,\xff\xfe\n"),
        "log_proxy.csv:",
        "invalid UTF-8",
    ),
    "record outside the days": (
        lambda ds: _edit_line(
            ds / "Market/cloudbed-1/record.csv",
            2,
            lambda line: "1648000000,pod,frontend-0,container CPU load,2022-03-23 09:46:40\n",
        ),
        "record.csv:2",
        "outside the telemetry days",
    ),
}


@pytest.mark.parametrize("case", sorted(BREAKAGES))
def test_bad_input_names_file_and_line_and_publishes_nothing(small_copy, tmp_path, case):
    breaks, where, what = BREAKAGES[case]
    breaks(small_copy)
    store = tmp_path / "store"
    result = CliRunner().invoke(
        cli, ["compile", str(small_copy), "--store", str(store), "--cloudbed", "cloudbed-1"]
    )
    assert result.exit_code != 0
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("error: ") and where in last, result.output
    if what:
        assert what in result.output
    assert "Traceback" not in result.output
    assert not (store / "refs").exists() or not any((store / "refs").rglob("*"))


def test_a_utf8_bom_is_accepted(small_copy, tmp_path):
    for path in (
        _day(small_copy, "metric/metric_node.csv"),
        small_copy / "Market/cloudbed-1/record.csv",
        small_copy / "Market/cloudbed-1/query.csv",
    ):
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    result = CliRunner().invoke(
        cli,
        ["compile", str(small_copy), "--store", str(tmp_path / "s"), *PICK, "--json"],
    )
    assert result.exit_code == 0, result.output


def test_conflicting_duplicate_samples_are_refused(small_copy, tmp_path):
    path = _day(small_copy, "metric/metric_node.csv")
    lines = path.read_text().splitlines(keepends=True)
    t, cmdb, kpi, value = lines[1].rstrip("\n").split(",")
    lines.insert(2, f"{t},{cmdb},{kpi},{float(value) + 1}\n")
    lines.insert(2, lines[1])  # an identical duplicate is harmless and dropped
    path.write_text("".join(lines))
    result = CliRunner().invoke(
        cli,
        ["compile", str(small_copy), "--store", str(tmp_path / "s"), "--cloudbed", "cloudbed-1"],
    )
    assert (
        result.exit_code != 0
        and "two different values" in result.output
        and "metric_node.csv:4" in result.output
    )


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    if int(fh.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_killed_compile_leaves_no_half_scenario_and_a_rerun_completes(tiny_dataset, tmp_path):
    store_dir = tmp_path / "store"
    cmd = [
        sys.executable,
        "-m",
        "replaybed",
        "compile",
        str(tiny_dataset),
        "--store",
        str(store_dir),
        "--cloudbed",
        "cloudbed-1",
        "--json",
    ]
    spill_dir = tmp_path / "tmp"
    spill_dir.mkdir()
    env = {**os.environ, "TMPDIR": str(spill_dir)}
    orphans_checked = 0
    for delay in (2.0, 6.0, 9.0):
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        time.sleep(delay)
        workers = _children(proc.pid)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        # its worker processes follow it instead of waiting forever
        deadline = time.monotonic() + 15
        while [w for w in workers if _alive(w)] and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not [w for w in workers if _alive(w)], "a killed compile left its workers running"
        orphans_checked += bool(workers)
        store = Store.open(str(store_dir))
        for sid, _digest in store.refs():
            _, manifest = bundle.resolve(store, sid)
            assert all(store.has_part(p.digest, p.size) for p in manifest.parts), (
                f"{sid} published half-written"
            )
    assert orphans_checked, "no kill found the compile's workers running"
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode == 0, done.stderr
    # the killed runs' spill folders are gone: the last run removed them and then its own
    assert not list(spill_dir.iterdir())
    store = Store.open(str(store_dir))
    assert len([s for s, _ in store.refs() if not s.fault_free]) == 70
    for sid, _ in store.refs():
        _, manifest = bundle.resolve(store, sid)
        for p in manifest.parts:
            bundle.read_part(store, p)
    # a killed writer may leave a temp file: never listed as a blob, and `store gc` removes it
    assert not [b for b in store.backend.list("") if b.key.endswith(".tmp")]
    gc = subprocess.run(
        [sys.executable, "-m", "replaybed", "store", "gc", str(store_dir), "--grace", "0s"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert gc.returncode == 0, gc.stderr
    assert not list(store_dir.rglob("*.tmp"))
    assert len([s for s, _ in Store.open(str(store_dir)).refs() if not s.fault_free]) == 70
