"""Compiling the Telecom twin: the scenario set, manifests without logs, and checked input."""

from __future__ import annotations

import csv
import shutil

import pytest
from click.testing import CliRunner
from support.telecom import day_file

from replaybed.artifacts import bundle
from replaybed.compile import datasets
from replaybed.compile.datasets.openrca_telecom.catalog import DATABASES, NODES, PODS, REASONS
from replaybed.compile.datasets.openrca_telecom.labels import ANALYSIS_LABELS
from replaybed.compile.datasets.openrca_telecom.records import vendored
from replaybed.main import cli
from replaybed.schemas.scenario_id import ScenarioId

DAY = "2020_04_11"  # the day of records 000-005
FIRST = ("--scenario", "telecom/000")


def test_51_fault_scenarios_and_fault_free_ones(telecom_store):
    refs = dict(telecom_store.refs())
    assert all(s.dataset == "openrca-telecom" and s.system == "telecom" for s in refs)
    faults = sorted(s.name for s in refs if not s.fault_free)
    free = sorted(s.name for s in refs if s.fault_free)
    assert faults == [f"{i:03d}" for i in range(51)]
    assert len(free) == 135 and free[0] == "ff-000"  # 90-min windows clear of every fault
    times = [r.timestamp * 1000 for r, _ in vendored()]
    for name in free:
        _, m = bundle.resolve(telecom_store, ScenarioId("openrca-telecom", "telecom", name))
        start, end = m.origin_ms + m.window.start_ms, m.origin_ms + m.window.end_ms
        assert not any(start - 1800_000 <= t <= end + 1800_000 for t in times)
        assert m.fault is None and m.counts.samples > 0 and m.counts.spans > 0


def test_manifests_say_metrics_and_traces_only_with_answer_space_and_labels(telecom_store):
    real = vendored()
    for sid, _ in telecom_store.refs():
        _, m = bundle.resolve(telecom_store, sid)
        assert m.signals == ("metrics", "traces") and m.namespace == "openrca-telecom"
        assert not m.parts_of("logs") and m.counts.log_lines == 0
        assert m.tz == "+08:00"
        assert m.answer_space.levels == {"node": NODES, "pod": PODS, "service": DATABASES}
        assert m.answer_space.reasons == REASONS
        assert {p.name for p in m.pods} == set(PODS) and set(NODES) <= set(m.nodes)
        if m.fault is None:
            continue
        record, query = real[int(m.scenario)]
        f = m.fault
        assert (f.level, f.component, f.reason, f.timestamp) == (
            record.level,
            record.component,
            record.reason,
            record.timestamp,
        )
        assert f.accepted == (record.component,)
        assert f.analysis == ANALYSIS_LABELS[record.reason]
        assert f.original == {
            "level": record.level,
            "reason": record.reason,
            "component": record.component,
            "timestamp": str(record.timestamp),
            "datetime": record.datetime,
        }
        assert m.query.instruction == query.instruction and m.query.task_index == query.task_index


def test_formats_lists_telecom_without_logs():
    out = CliRunner().invoke(cli, ["formats"])
    assert out.exit_code == 0
    block = out.output.split("openrca-telecom:")[1]
    assert "signals: metrics, traces\n" in block
    assert "replaybed synth OUT --format openrca-telecom" in block


def test_recognised_as_parent_itself_or_renamed(telecom_tiny, tmp_path):
    telecom = telecom_tiny / "Telecom"
    assert datasets.recognise(telecom_tiny).name == "openrca-telecom"
    assert datasets.recognise(telecom).name == "openrca-telecom"
    renamed = tmp_path / "mine"
    renamed.mkdir()
    shutil.copy(telecom / "record.csv", renamed / "record.csv")
    assert datasets.recognise(renamed).name == "openrca-telecom"
    assert not datasets.get("openrca-telecom").recognise(tmp_path / "nothing")


@pytest.fixture
def broken(telecom_tiny, tmp_path):
    """A copy of the twin to break: the first record's day copied, every other day linked."""
    src, dst = telecom_tiny / "Telecom", tmp_path / "ds" / "Telecom"
    (dst / "telemetry").mkdir(parents=True)
    for name in ("record.csv", "query.csv"):
        shutil.copy(src / name, dst / name)
    for day in (src / "telemetry").iterdir():
        if day.name == DAY:
            shutil.copytree(day, dst / "telemetry" / DAY)
        else:
            (dst / "telemetry" / day.name).symlink_to(day)
    return tmp_path / "ds"


def _file(ds, rel):
    return day_file(ds, DAY, rel)


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


def _drop_last_row(path):
    with open(path, newline="", encoding="utf-8") as fh:
        data = list(csv.reader(fh))
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(data[:-1])


def _append(path, text: bytes):
    with open(path, "ab") as fh:
        fh.write(text)


TWO_DAYS_MS = 2 * 86_400_000
BREAKAGES = {
    "metric timestamp in seconds": (
        lambda ds: _edit_line(_file(ds, "metric/metric_node.csv"), 5, _field(3, lambda v: v[:-3])),
        "metric_node.csv:5",
        "expected epoch milliseconds within that day",
    ),
    "metric_app startTime in seconds": (
        lambda ds: _edit_line(_file(ds, "metric/metric_app.csv"), 3, _field(1, lambda v: v[:-3])),
        "metric_app.csv:3",
        "column 'startTime'",
    ),
    "span startTime in seconds": (
        lambda ds: _edit_line(_file(ds, "trace/trace_span.csv"), 4, _field(1, lambda v: v[:-3])),
        "trace_span.csv:4",
        "expected epoch milliseconds within that day",
    ),
    "span startTime in microseconds": (
        lambda ds: _edit_line(_file(ds, "trace/trace_span.csv"), 4, _field(1, lambda v: v + "000")),
        "trace_span.csv:4",
        "expected epoch milliseconds within that day",
    ),
    "row filed under the wrong day": (
        lambda ds: _edit_line(
            _file(ds, "metric/metric_container.csv"),
            6,
            _field(3, lambda v: str(int(v) + TWO_DAYS_MS)),
        ),
        "metric_container.csv:6",
        "outside the day folder 2020_04_11",
    ),
    "trace id of 19 hex digits": (
        lambda ds: _edit_line(_file(ds, "trace/trace_span.csv"), 3, _field(4, lambda v: v[1:])),
        "trace_span.csv:3",
        "column 'traceId'",
    ),
    "upper-case span id": (
        lambda ds: _edit_line(_file(ds, "trace/trace_span.csv"), 5, _field(5, str.upper)),
        "trace_span.csv:5",
        "expected 20 lower-case hex digits",
    ),
    "empty parent id": (
        lambda ds: _edit_line(_file(ds, "trace/trace_span.csv"), 2, _field(6, lambda v: "")),
        "trace_span.csv:2",
        "or None for a root",
    ),
    "success neither true nor false": (
        lambda ds: _edit_line(_file(ds, "trace/trace_span.csv"), 2, _field(3, lambda v: "yes")),
        "trace_span.csv:2",
        "expected True or False",
    ),
    "negative elapsedTime": (
        lambda ds: _edit_line(_file(ds, "trace/trace_span.csv"), 3, _field(2, lambda v: "-5.0")),
        "trace_span.csv:3",
        "expected a duration in ms",
    ),
    "elapsedTime NaN": (
        lambda ds: _edit_line(_file(ds, "trace/trace_span.csv"), 3, _field(2, lambda v: "nan")),
        "trace_span.csv:3",
        "finite",
    ),
    "empty metric cmdb_id": (
        lambda ds: _edit_line(_file(ds, "metric/metric_service.csv"), 4, _field(5, lambda v: "")),
        "metric_service.csv:4",
        "expected a component id",
    ),
    "empty metric value": (
        lambda ds: _edit_line(_file(ds, "metric/metric_node.csv"), 4, _field(4, lambda v: "")),
        "metric_node.csv:4",
        "expected a number",
    ),
    "wrong metric header": (
        lambda ds: _edit_line(
            _file(ds, "metric/metric_node.csv"), 1, lambda line: line.replace("name", "kpi_name")
        ),
        "metric_node.csv:1",
        "expected 'itemid,name,bomc_id,timestamp,value,cmdb_id'",
    ),
    "malformed row": (
        lambda ds: _edit_line(
            _file(ds, "metric/metric_container.csv"), 7, lambda line: line.rstrip("\n") + ",x\n"
        ),
        "metric_container.csv:7",
        "7 fields, expected 6",
    ),
    "missing file": (
        lambda ds: _file(ds, "metric/metric_middleware.csv").unlink(),
        "metric_middleware.csv",
        "missing file",
    ),
    "last row cut short": (
        lambda ds: _file(ds, "metric/metric_service.csv").write_bytes(
            _file(ds, "metric/metric_service.csv").read_bytes().rstrip(b"\n")[:-1]
        ),
        "metric_service.csv:",
        "does not end with a newline",
    ),
    "invalid utf-8": (
        lambda ds: _append(
            _file(ds, "trace/trace_span.csv"),
            b"OSB,1586534400000,1.0,True,0123456789abcdef0123,0123456789abcdef0124,None,os_\xff,,\n",
        ),
        "trace_span.csv:",
        "invalid UTF-8",
    ),
    "a log folder in a day": (
        lambda ds: (_file(ds, "log") / "log_service.csv").parent.mkdir(),
        "2020_04_11/log",
        "Telecom has no logs",
    ),
    "a stray metric file": (
        lambda ds: _file(ds, "metric/metric_extra.csv").write_text("a\n"),
        "2020_04_11/metric",
        "unexpected 'metric_extra.csv'",
    ),
    "a stray folder in telemetry": (
        lambda ds: (ds / "Telecom" / "telemetry" / "backup").mkdir(),
        "telemetry",
        "expected only UTC+8 day folders",
    ),
    "record component not in Telecom": (
        lambda ds: _edit_line(ds / "Telecom/record.csv", 2, _field(2, lambda v: "docker_009")),
        "record.csv:2",
        "is not a Telecom pod",
    ),
    "record reason of another level": (
        lambda ds: _edit_line(ds / "Telecom/record.csv", 2, _field(1, lambda v: "network delay")),
        "record.csv:2",
        "is not a Telecom pod-level reason",
    ),
    "record timestamp in ms": (
        lambda ds: _edit_line(ds / "Telecom/record.csv", 2, _field(3, lambda v: v + "000")),
        "record.csv:2",
        "expected epoch seconds",
    ),
    "record columns in Bank's order": (
        lambda ds: _edit_line(
            ds / "Telecom/record.csv",
            1,
            lambda line: "level,component,timestamp,datetime,reason\n",
        ),
        "record.csv:1",
        "expected 'level,reason,component,timestamp,datetime'",
    ),
    "query.csv shorter than record.csv": (
        lambda ds: _drop_last_row(ds / "Telecom/query.csv"),
        "query.csv",
        "50 query rows, expected 51",
    ),
    "record day missing": (
        lambda ds: (ds / "Telecom/telemetry/2020_05_31").unlink(),
        "record.csv:",
        "outside the telemetry days present",
    ),
}


@pytest.mark.parametrize("case", sorted(BREAKAGES))
def test_bad_input_names_file_and_line_and_publishes_nothing(broken, tmp_path, case):
    breaks, where, what = BREAKAGES[case]
    breaks(broken)
    store = tmp_path / "store"
    result = CliRunner().invoke(cli, ["compile", str(broken), "--store", str(store), *FIRST])
    assert result.exit_code != 0
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("error: ") and where in last, result.output
    assert what in result.output, result.output
    assert "Traceback" not in result.output
    assert not (store / "refs").exists() or not any((store / "refs").rglob("*"))


def test_a_bom_and_hidden_files_are_accepted(broken, tmp_path):
    for path in (
        _file(broken, "metric/metric_node.csv"),
        _file(broken, "trace/trace_span.csv"),
        broken / "Telecom/record.csv",
        broken / "Telecom/query.csv",
    ):
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    for folder in (broken / "Telecom/telemetry", _file(broken, ""), _file(broken, "metric")):
        (folder / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    result = CliRunner().invoke(
        cli, ["compile", str(broken), "--store", str(tmp_path / "s"), *FIRST, "--json"]
    )
    assert result.exit_code == 0, result.output
