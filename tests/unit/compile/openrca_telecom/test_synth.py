"""The Telecom twin: the real layout, headers, units and id shapes, reproducible, with each
record's fault signature at its component and time."""

from __future__ import annotations

import filecmp
import json
import re
from collections import defaultdict

import pytest
from click.testing import CliRunner
from support.telecom import day_file, rows

from replaybed.compile.datasets.openrca_telecom.catalog import (
    FILES,
    HEADERS,
    LEVEL_COMPONENTS,
    day_of,
    day_start,
)
from replaybed.compile.datasets.openrca_telecom.records import vendored
from replaybed.compile.datasets.openrca_telecom.synth.generate import record_days
from replaybed.compile.datasets.openrca_telecom.synth.series import REDIS
from replaybed.main import cli

HEX20 = re.compile(r"^[0-9a-f]{20}$")


def _synth(*args):
    return CliRunner().invoke(cli, ["synth", *map(str, args), "--format", "openrca-telecom"])


def test_the_layout_is_telecoms_with_no_logs(telecom_tiny):
    base = telecom_tiny / "Telecom"
    assert sorted(p.name for p in base.iterdir()) == ["query.csv", "record.csv", "telemetry"]
    days = sorted(p.name for p in (base / "telemetry").iterdir())
    assert days == sorted({day_of(r.timestamp) for r, _ in vendored()}) and len(days) == 11
    for day in days:
        folder = base / "telemetry" / day
        assert sorted(p.name for p in folder.iterdir()) == ["metric", "trace"]
        files = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
        assert files == sorted(FILES.values())
        for name, rel in FILES.items():
            with open(folder / rel, "rb") as fh:
                assert fh.readline() == (",".join(HEADERS[name]) + "\n").encode()
    assert not list(telecom_tiny.rglob(".*")), "no hidden files (OpenRCA would read them)"


def test_records_and_queries_are_the_real_rows(telecom_tiny):
    base = telecom_tiny / "Telecom"
    real = vendored()
    assert len(real) == 51
    assert rows(base / "record.csv") == [
        [r.level, r.reason, r.component, str(r.timestamp), r.datetime] for r, _ in real
    ]
    assert rows(base / "query.csv") == [
        [q.task_index, q.instruction, q.scoring_points] for _, q in real
    ]


@pytest.mark.parametrize("day", ["2020_04_11", "2020_05_27"])
def test_units_and_id_shapes_are_the_real_ones(telecom_tiny, day):
    lo, hi = day_start(day) * 1000, day_start(day) * 1000 + 86_400_000
    for table in ("metric_container", "metric_middleware", "metric_node", "metric_service"):
        data = rows(day_file(telecom_tiny, day, f"metric/{table}.csv"))
        assert data
        for itemid, _name, bomc, t, value, _cmdb in data:
            assert len(itemid) == 15 and re.match(r"^ZJ-00[1245]-\d{3}$", bomc)
            assert lo <= int(t) < hi and len(t) == 13  # ms
            float(value)
        minutes = defaultdict(list)
        for _, name, _, t, _, cmdb in data:
            minutes[(cmdb, name)].append(int(t))
        steps = {b - a for ts in minutes.values() for a, b in zip(ts, ts[1:])}
        assert steps == {60_000}, "every series every minute, through the whole day"
        assert all(len(ts) == 1440 for ts in minutes.values())
    middleware = rows(day_file(telecom_tiny, day, "metric/metric_middleware.csv"))
    assert {r[5] for r in middleware} <= set(REDIS) and all("." not in r[4] for r in middleware)
    app = rows(day_file(telecom_tiny, day, "metric/metric_app.csv"))
    assert [int(r[1]) for r in app] == list(range(lo, hi, 60_000))
    assert all(0.0 <= float(r[5]) <= 1.0 and int(r[4]) <= int(r[3]) for r in app)
    spans = rows(day_file(telecom_tiny, day, "trace/trace_span.csv"))
    ids = set()
    for call, start, elapsed, success, trace, sid, pid, cmdb, ds, service in spans:
        assert lo <= int(start) < hi + 60_000 and len(start) == 13
        assert re.match(r"^\d+\.0$", elapsed)
        assert success in ("True", "False", "TRUE", "FALSE")
        assert HEX20.match(trace) and HEX20.match(sid) and (pid == "None" or HEX20.match(pid))
        assert int(sid[5:16], 16) == int(start), "ids embed their span's start ms"
        assert (pid == "None") == (call == "OSB") and cmdb.startswith(
            "os_" if call == "OSB" else "docker_"
        )
        assert (ds != "") == (call in ("JDBC", "LOCAL")) and (service == "") == (call == "JDBC")
        ids.add(sid)
    assert len(ids) == len(spans), "span ids are unique"
    roots = [s for s in spans if s[0] == "OSB"]
    assert sum(int(r[3]) for r in app) == len(roots), "metric_app num counts the traces"


def test_a_day_subset_reproduces_the_full_run_and_seeds_differ(telecom_tiny, tmp_path):
    out = tmp_path / "sub"
    result = _synth(out, "--day", "2020_05_27", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    paths = [f["path"] for f in report["files"]]
    assert len(paths) == 8 and sorted(p.name for p in (out / "Telecom/telemetry").iterdir()) == [
        "2020_05_27"
    ]
    for rel in paths:
        assert filecmp.cmp(out / rel, telecom_tiny / rel, shallow=False), rel
    other = tmp_path / "seed1"
    assert _synth(other, "--day", "2020_05_27", "--seed", "1").exit_code == 0
    rel = "Telecom/telemetry/2020_05_27/trace/trace_span.csv"
    assert not filecmp.cmp(other / rel, telecom_tiny / rel, shallow=False)


def test_bad_requests_exit_2_and_write_nothing(tmp_path):
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "keep.txt").write_text("x")
    result = _synth(taken)
    assert result.exit_code == 2 and "not empty" in result.output
    for args, word in (
        ((tmp_path / "a", "--scale", "huge"), "huge"),
        ((tmp_path / "b", "--day", "2020_05_21"), "2020_05_21"),
    ):
        result = _synth(*args)
        assert (
            result.exit_code == 2 and word in result.output and "expected one of" in result.output
        )
        assert not args[0].exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]
    assert record_days()[0] == "2020_04_11"


def _series(dataset, day, table, cmdb, kpi):
    return [
        (int(t), float(v))
        for _, name, _, t, v, c in rows(day_file(dataset, day, f"metric/{table}.csv"))
        if c == cmdb and name == kpi
    ]


# reason -> (table, KPI, during-vs-before check)
SIGNATURES = {
    "CPU fault": ("metric_container", "container_cpu_used", lambda d, b: min(d) >= 85 > max(b)),
    "network delay": ("metric_node", "Received_queue", lambda d, b: min(d) >= 40 > max(b) + 30),
    "network loss": ("metric_node", "Sent_queue", lambda d, b: min(d) >= 80 > max(b) + 60),
    "db connection limit": ("metric_service", "Sess_Connect", lambda d, b: set(d) == {500.0}),
    "db close": (
        "metric_service",
        "On_Off_State",
        lambda d, b: set(d) == {0.0} and set(b) == {1.0},
    ),
}


@pytest.mark.parametrize("reason", sorted(SIGNATURES))
def test_each_reason_leaves_its_signature_at_its_component_and_time(telecom_tiny, reason):
    record = next(r for r, _ in vendored() if r.reason == reason)
    day, t = day_of(record.timestamp), record.timestamp * 1000
    table, kpi, check = SIGNATURES[reason]
    samples = _series(telecom_tiny, day, table, record.component, kpi)
    during = [v for ts, v in samples if t <= ts < t + 600_000]
    before = [v for ts, v in samples if t - 600_000 <= ts < t]
    assert len(during) == 10 and len(before) >= 5 and check(during, before)
    others = [c for c in LEVEL_COMPONENTS[record.level] if c != record.component]
    for other in others:
        untouched = [
            v for ts, v in _series(telecom_tiny, day, table, other, kpi) if t <= ts < t + 600_000
        ]
        assert not untouched or not check(untouched, before), other
    spans = rows(day_file(telecom_tiny, day, "trace/trace_span.csv"))
    through = [
        s for s in spans if t <= int(s[1]) < t + 600_000 and record.component in (s[7], s[8])
    ]
    assert through, "traces in the window pass through the faulted component"
    if reason == "db close":
        assert all(s[3] == "False" for s in through if s[0] == "JDBC")
