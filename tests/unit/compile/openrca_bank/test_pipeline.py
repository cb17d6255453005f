"""Compiling the Bank twin: the scenario set, what manifests carry, and bad input named by file and line."""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from replaybed.artifacts import bundle
from replaybed.compile.datasets.openrca_bank import catalog
from replaybed.compile.datasets.openrca_bank.labels import ANALYSIS_LABELS
from replaybed.compile.datasets.openrca_bank.records import vendored
from replaybed.main import cli
from replaybed.schemas.manifest import Analysis
from replaybed.schemas.scenario_id import ScenarioId

DAY = "2021_03_04"
PICK = ("--scenario", "bank/000")  # Mysql02, 2021-03-04 14:57: reads the 2021_03_04 folder only


def test_136_fault_scenarios_and_fault_free_ones(bank_store):
    refs = dict(bank_store.refs())
    assert {s.dataset for s in refs} == {"openrca-bank"} and {s.system for s in refs} == {"bank"}
    faults = sorted(s.name for s in refs if not s.fault_free)
    free = sorted(s.name for s in refs if s.fault_free)
    assert faults == [f"{i:03d}" for i in range(136)]
    assert len(free) >= 10 and free[0] == "ff-000"
    fault_ms = [r.timestamp * 1000 for r, _ in vendored()]
    for sid in (s for s in refs if s.fault_free):
        m = bundle.resolve(bank_store, sid)[1]
        lo, hi = m.origin_ms + m.window.start_ms, m.origin_ms + m.window.end_ms
        assert not any(lo - 1800_000 <= t <= hi + 1800_000 for t in fault_ms)
        assert m.counts.samples > 0 and m.fault is None


def test_manifests_carry_answer_space_labels_and_the_record(bank_store):
    records = {r.row: (r, q) for r, q in vendored()}
    seen = 0
    for sid, _ in bank_store.refs():
        m = bundle.resolve(bank_store, sid)[1]
        assert m.namespace == "openrca-bank" and m.tz == "+08:00"
        assert m.signals == ("metrics", "traces", "logs")
        assert m.answer_space.levels == {"pod": catalog.COMPONENTS}
        assert m.answer_space.reasons == catalog.REASONS
        if m.fault is None:
            continue
        r, q = records[m.fault.row]
        f = m.fault
        assert (f.level, f.component, f.reason, f.datetime) == (
            "pod",
            r.component,
            r.reason,
            r.datetime,
        )
        assert f.timestamp == r.timestamp and m.origin_ms == r.timestamp * 1000
        assert f.accepted == (r.component,)  # OpenRCA scores the exact component
        assert f.analysis == ANALYSIS_LABELS[r.reason]
        assert f.original == {
            "level": "pod",
            "component": r.component,
            "timestamp": r.text,  # written as a float, kept as written
            "datetime": r.datetime,
            "reason": r.reason,
        }
        assert f.original["timestamp"].endswith(".0")
        assert (m.query.task_index, m.query.instruction, m.query.scoring_points) == (
            q.task_index,
            q.instruction,
            q.scoring_points,
        )
        pods = {p.name: (p.service, p.node) for p in m.pods}
        assert pods[r.component] == (catalog.service_of(r.component), None)
        seen += 1
    assert seen == 136


def test_every_reason_has_aiopslab_labels():
    levels = ("Hardware", "Operating System", "Virtualization", "Application")
    types = (
        "Misconfiguration",
        "Code Defect",
        "Authentication Issue",
        "Network/Storage Issue",
        "Operation Error",
        "Dependency Problem",
    )
    assert set(ANALYSIS_LABELS) == set(catalog.REASONS)
    for label in ANALYSIS_LABELS.values():
        assert isinstance(label, Analysis)
        assert label.system_level in levels and label.fault_type in types


@pytest.fixture
def bank_copy(bank_tiny, tmp_path) -> Path:
    """A private Bank folder to break: records, queries and 2021_03_04 copied, other days linked."""
    src, dst = bank_tiny / "Bank", tmp_path / "ds" / "Bank"
    (dst / "telemetry").mkdir(parents=True)
    for name in ("record.csv", "query.csv"):
        shutil.copy(src / name, dst / name)
    for day in (src / "telemetry").iterdir():
        if day.name == DAY:
            shutil.copytree(day, dst / "telemetry" / day.name)
        else:
            os.symlink(day, dst / "telemetry" / day.name)
    return dst.parent


def _file(ds, rel, day=DAY):
    return ds / "Bank" / "telemetry" / day / rel


def _edit_line(path, n, fn):
    lines = path.read_text().splitlines(keepends=True)
    lines[n - 1] = fn(lines[n - 1])
    path.write_text("".join(lines))


def _field(i, fn):
    def edit(line):
        fields = line.rstrip("\n").split(",")
        fields[i] = fn(fields[i])
        return ",".join(fields) + "\n"

    return edit


def _csv_rows(path, fn):
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(fn(rows))


def _swap(rows):
    rows[1], rows[4] = rows[4], rows[1]  # query rows 0 and 3 trade places
    return rows


MC, APP, SPAN, LOG = (
    "metric/metric_container.csv",
    "metric/metric_app.csv",
    "trace/trace_span.csv",
    "log/log_service.csv",
)
BREAKAGES = {
    "metric timestamp in ms": (
        lambda ds: _edit_line(_file(ds, MC), 5, _field(0, lambda v: v + "000")),
        "metric_container.csv:5",
        "expected epoch seconds within that day",
    ),
    "app timestamp in ms": (
        lambda ds: _edit_line(_file(ds, APP), 3, _field(0, lambda v: v + "000")),
        "metric_app.csv:3",
        "expected epoch seconds within that day",
    ),
    "span timestamp in seconds": (
        lambda ds: _edit_line(_file(ds, SPAN), 4, _field(0, lambda v: v[:-3])),
        "trace_span.csv:4",
        "expected epoch milliseconds within that day",
    ),
    "log timestamp in ms": (
        lambda ds: _edit_line(_file(ds, LOG), 2, _field(1, lambda v: v + "000")),
        "log_service.csv:2",
        "expected epoch seconds within that day",
    ),
    "span duration in µs": (
        lambda ds: _edit_line(_file(ds, SPAN), 5, _field(5, lambda v: "7200000000")),
        "trace_span.csv:5",
        "expected milliseconds between 0 and 3600000",
    ),
    "negative span duration": (
        lambda ds: _edit_line(_file(ds, SPAN), 6, _field(5, lambda v: "-5")),
        "trace_span.csv:6",
        "expected milliseconds between 0",
    ),
    "row from another day": (
        lambda ds: _edit_line(_file(ds, MC), 7, _field(0, lambda v: str(int(v) + 2 * 86400))),
        "metric_container.csv:7",
        "outside the day folder 2021_03_04",
    ),
    "hex trace id": (
        lambda ds: _edit_line(
            _file(ds, SPAN), 3, _field(4, lambda v: "0af7651916cd43dd8448eb211c80319c")
        ),
        "trace_span.csv:3",
        "expected 'gw' and 22 digits",
    ),
    "span id of 19 digits": (
        lambda ds: _edit_line(_file(ds, SPAN), 3, _field(3, lambda v: v[1:])),
        "trace_span.csv:3",
        "expected 20 decimal digits",
    ),
    "parent id of 19 digits": (
        lambda ds: _edit_line(_file(ds, SPAN), 3, _field(2, lambda v: "2103040168961349184")),
        "trace_span.csv:3",
        "expected a span id of 20 decimal digits, or the id of an untraced caller",
    ),
    "unknown component in record.csv": (
        lambda ds: _edit_line(ds / "Bank/record.csv", 2, _field(1, lambda v: "Tomcat05")),
        "record.csv:2",
        "is not a Bank component",
    ),
    "record level not pod": (
        lambda ds: _edit_line(ds / "Bank/record.csv", 3, _field(0, lambda v: "node")),
        "record.csv:3",
        "expected 'pod'",
    ),
    "record timestamp not whole seconds": (
        lambda ds: _edit_line(ds / "Bank/record.csv", 2, _field(2, lambda v: "1614841020.5")),
        "record.csv:2",
        "expected whole epoch seconds",
    ),
    "record datetime not UTC+8": (
        lambda ds: _edit_line(
            ds / "Bank/record.csv", 2, _field(3, lambda v: "2021-03-04 06:57:00")
        ),
        "record.csv:2",
        "is not the UTC+8 time",
    ),
    "record outside the day folders": (
        lambda ds: _edit_line(
            ds / "Bank/record.csv",
            3,  # its query (task_6) names the component and reason, not the time
            lambda line: "pod,Redis02,1615190400.0,2021-03-08 16:00:00,high memory usage\n",
        ),
        "record.csv:3",
        "outside the telemetry days",
    ),
    "query.csv shorter than record.csv": (
        lambda ds: _csv_rows(ds / "Bank/query.csv", lambda rows: rows[:-1]),
        "query.csv",
        "135 query rows, expected 136",
    ),
    "query rows out of record order": (
        lambda ds: _csv_rows(ds / "Bank/query.csv", _swap),
        "query.csv:",
        "query row 0 does not belong to record row 0",
    ),
    "last row cut short": (
        lambda ds: _file(ds, MC).write_bytes(_file(ds, MC).read_bytes().rstrip(b"\n")[:-1]),
        "metric_container.csv:",
        "does not end with a newline",
    ),
    "record.csv cut short": (
        lambda ds: (ds / "Bank/record.csv").write_bytes(
            (ds / "Bank/record.csv").read_bytes().rstrip(b"\n")[:-3]
        ),
        "record.csv",
        "does not end with a newline",
    ),
    "missing file": (
        lambda ds: _file(ds, LOG).unlink(),
        "log_service.csv",
        "missing file",
    ),
    "market header order": (
        lambda ds: _edit_line(
            _file(ds, APP), 1, lambda line: "service,timestamp,rr,sr,mrt,count\n"
        ),
        "metric_app.csv:1",
        "expected 'timestamp,rr,sr,cnt,mrt,tc'",
    ),
    "infinite value": (
        lambda ds: _edit_line(_file(ds, MC), 9, _field(3, lambda v: "inf")),
        "metric_container.csv:9",
        "finite",
    ),
}


@pytest.mark.parametrize("case", sorted(BREAKAGES))
def test_bad_input_names_file_and_line_and_publishes_nothing(bank_copy, tmp_path, case):
    breaks, where, what = BREAKAGES[case]
    breaks(bank_copy)
    store = tmp_path / "store"
    result = CliRunner().invoke(cli, ["compile", str(bank_copy), "--store", str(store), *PICK])
    assert result.exit_code != 0
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("error: ") and where in last, result.output
    assert what in result.output, result.output
    assert "Traceback" not in result.output
    assert not (store / "refs").exists() or not any((store / "refs").rglob("*"))


def test_a_bom_and_nan_values_are_accepted(bank_copy, tmp_path):
    for path in (
        _file(bank_copy, MC),
        _file(bank_copy, SPAN),
        bank_copy / "Bank/record.csv",
        bank_copy / "Bank/query.csv",
    ):
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    # a minute without requests has no mean response time: NaN is a value Prometheus stores
    _edit_line(_file(bank_copy, APP), 2, _field(4, lambda v: "nan"))
    result = CliRunner().invoke(
        cli, ["compile", str(bank_copy), "--store", str(tmp_path / "s"), *PICK, "--json"]
    )
    assert result.exit_code == 0, result.output


def test_the_folder_may_be_bank_itself_and_stray_files_are_ignored(bank_copy, tmp_path):
    (bank_copy / "Bank" / "telemetry" / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    result = CliRunner().invoke(
        cli, ["compile", str(bank_copy / "Bank"), "--store", str(tmp_path / "s"), *PICK, "--json"]
    )
    assert result.exit_code == 0, result.output
    assert '"format": "openrca-bank"' in result.output
    assert '"id": "openrca-bank/bank/000"' in result.output


def test_scenario_ids_are_dataset_system_row(bank_store):
    sid = ScenarioId.parse("openrca-bank/bank/017")
    _, m = bundle.resolve(bank_store, sid)
    assert m.fault.row == 17
