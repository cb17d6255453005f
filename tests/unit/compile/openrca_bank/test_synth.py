"""The Bank twin is schema-exact (files, headers, units, id shapes), deterministic and shows every
record's signature on its component at its time."""

from __future__ import annotations

import hashlib
import re
from collections import Counter

import pytest
from click.testing import CliRunner

from replaybed.compile.datasets.openrca_bank import catalog
from replaybed.compile.datasets.openrca_bank.records import vendored
from replaybed.compile.datasets.openrca_bank.synth.generate import Request, generate
from replaybed.compile.datasets.openrca_bank.synth.signatures import (
    EFFECT_S,
    METRIC_EFFECTS,
    signature_kpi,
)
from replaybed.compile.errors import SynthError
from replaybed.main import cli

from .conftest import day_file, rows

RECORD_DAYS = sorted({catalog.day_of(r.timestamp) for r, _ in vendored()})


def test_tiny_writes_the_record_days_with_every_file_and_exact_headers(bank_tiny):
    bank = bank_tiny / "Bank"
    assert sorted(p.name for p in bank.iterdir()) == ["query.csv", "record.csv", "telemetry"]
    days = sorted(p.name for p in (bank / "telemetry").iterdir())
    assert days == RECORD_DAYS and len(days) == 9 and "2021_03_05" not in days
    assert (bank / "record.csv").read_text().splitlines()[
        0
    ] == "level,component,timestamp,datetime,reason"
    assert (bank / "query.csv").read_text().splitlines()[
        0
    ] == "task_index,instruction,scoring_points"
    for day in days:
        found = sorted(
            str(p.relative_to(bank / "telemetry" / day))
            for p in (bank / "telemetry" / day).rglob("*.csv")
        )
        assert found == sorted(catalog.FILES.values())
        for name, rel in catalog.FILES.items():
            head = day_file(bank_tiny, day, rel).read_text().split("\n", 1)[0]
            assert head == ",".join(catalog.HEADERS[name])
    assert not list(bank.rglob(".DS_Store"))


def test_records_and_queries_are_the_real_ones_in_bank_order(bank_tiny):
    recs = rows(bank_tiny / "Bank/record.csv")
    queries = rows(bank_tiny / "Bank/query.csv")
    real = vendored()
    assert len(recs) == len(queries) == 136
    for (level, component, ts, dt, reason), q, (r, rq) in zip(recs, queries, real):
        assert (level, component, ts, dt, reason) == (
            "pod",
            r.component,
            r.text,
            r.datetime,
            r.reason,
        )
        assert re.fullmatch(r"\d{10}\.0", ts)
        assert q == [rq.task_index, rq.instruction, rq.scoring_points]


def test_units_and_id_shapes_of_every_row(bank_tiny):
    day = "2021_03_04"
    lo = catalog.day_start(day)
    for t, cmdb, kpi, value in rows(day_file(bank_tiny, day, "metric/metric_container.csv")):
        assert lo <= int(t) < lo + 86400 and int(t) % 60 == 0 and kpi in catalog.kpis_of(cmdb)
        float(value)
    tcs = Counter()
    for t, rr, sr, cnt, mrt, tc in rows(day_file(bank_tiny, day, "metric/metric_app.csv")):
        assert lo <= int(t) < lo + 86400 and int(t) % 60 == 0 and rr == "100.0"
        assert 0 <= float(sr) <= 100 and int(cnt) >= 0 and float(mrt) > 0
        tcs[tc] += 1
    assert set(tcs) <= set(catalog.TRANSACTIONS) and set(tcs.values()) == {1440}
    spans = rows(day_file(bank_tiny, day, "trace/trace_span.csv"))
    ids = {r[3] for r in spans}
    for t, cmdb, parent, span, trace, duration in spans:
        assert lo * 1000 - 1000 <= int(t) < (lo + 86400 + 3600) * 1000  # ms
        assert cmdb in catalog.TRACED and 0 <= int(duration) < 60_000  # ms
        assert re.fullmatch(r"gw0120210304\d{12}", trace)
        assert re.fullmatch(r"210304\d{14}", span) and int(span) > 2**63  # beyond int64
        assert parent in ids or re.fullmatch(
            r"369-bcou-dle-way1-[0-9a-f]{8}-\d{5}@\d{4}-[0-9a-f]{10}-\d{5}", parent
        )
    assert int(spans[0][0]) < lo * 1000  # the real file's first span: just before midnight
    assert [int(r[0]) for r in spans] == sorted(int(r[0]) for r in spans)
    for log_id, t, cmdb, name, value in rows(day_file(bank_tiny, day, "log/log_service.csv")):
        assert re.fullmatch(r"[0-9a-f]{32}", log_id) and lo <= int(t) < lo + 86400
        assert cmdb.startswith("Tomcat") and name == "gc" and "[GC (" in value


def test_every_kept_series_is_sampled_every_minute_of_every_day(bank_tiny):
    for day in RECORD_DAYS:
        per_series = Counter(
            (r[1], r[2]) for r in rows(day_file(bank_tiny, day, "metric/metric_container.csv"))
        )
        assert set(per_series.values()) == {1440}, day


def test_a_quoted_kpi_name_round_trips(tmp_path):
    out = tmp_path / "small"
    generate(Request(out, "small", days=("2021_03_05",)))
    path = day_file(out, "2021_03_05", "metric/metric_container.csv")
    assert (
        '"Tomcat-Threads_7441-""http-nio-8003""_CurrentThreadsBusyThreadInfo"' in path.read_text()
    )
    names = {r[2] for r in rows(path)}
    assert 'Tomcat-Threads_7441-"http-nio-8003"_CurrentThreadsBusyThreadInfo' in names
    assert "Mysql-MySQL_3306_MySQL  Queries" not in names  # not a core KPI
    assert "redis-Redis_6379_Redis  (used_memory)" in names  # double space kept


@pytest.mark.parametrize("reason", sorted(METRIC_EFFECTS))
def test_each_reason_moves_its_kpi_on_its_component_at_its_time(bank_tiny, reason):
    record = next(r for r, _ in vendored() if r.reason == reason)
    kpi = signature_kpi(reason, record.component)
    day = catalog.day_of(record.timestamp)
    values = {
        int(t): float(v)
        for t, cmdb, name, v in rows(day_file(bank_tiny, day, "metric/metric_container.csv"))
        if cmdb == record.component and name == kpi
    }
    during = [values[t] for t in range(record.timestamp, record.timestamp + EFFECT_S, 60)]
    before = [values[t] for t in range(record.timestamp - 1800, record.timestamp - 600, 60)]
    assert min(during) > 2 * max(before), (record.component, kpi)
    assert values[record.timestamp + EFFECT_S + 600] < min(during)


def test_same_seed_same_bytes_other_seed_other_values(tmp_path):
    def digest(folder):
        h = hashlib.sha256()
        for p in sorted(folder.rglob("*.csv")):
            h.update(str(p.relative_to(folder)).encode() + p.read_bytes())
        return h.hexdigest()

    a, b, c = (tmp_path / n for n in "abc")
    generate(Request(a, "tiny", seed=1, days=("2021_03_04",)))
    generate(Request(b, "tiny", seed=1, days=("2021_03_04",)))
    generate(Request(c, "tiny", seed=2, days=("2021_03_04",)))
    assert digest(a) == digest(b) != digest(c)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "no partial folder left"


def test_the_cli_refuses_a_used_folder_and_unknown_values(tmp_path):
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "x").write_text("x")
    with pytest.raises(SynthError, match="not empty"):
        generate(Request(tmp_path / "used", "tiny"))
    with pytest.raises(SynthError, match="unknown day '2021_03_08'"):
        generate(Request(tmp_path / "o", "tiny", days=("2021_03_08",)))
    out = CliRunner().invoke(
        cli, ["synth", str(tmp_path / "o"), "--format", "openrca-bank", "--scale", "huge"]
    )
    assert out.exit_code != 0 and "huge" in out.output
    assert not (tmp_path / "o").exists()
    ok = CliRunner().invoke(
        cli,
        ["synth", str(tmp_path / "o"), "--format", "openrca-bank", "--day", "2021_03_05", "--json"],
    )
    assert ok.exit_code == 0, ok.output
    assert (
        tmp_path / "o" / "Bank" / "telemetry" / "2021_03_05" / "trace" / "trace_span.csv"
    ).exists()
