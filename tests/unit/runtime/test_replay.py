"""Replay loops against fakes: pacing, window, retries, report, --out format."""

from __future__ import annotations

import io
import json
import struct

import cramjam
import pytest
from click.testing import CliRunner

from replaybed.artifacts import bundle
from replaybed.main import cli
from replaybed.runtime import replay, retry
from replaybed.runtime.clock import offset_ms, rfc3339
from replaybed.runtime.report import Report
from replaybed.runtime.senders.http_push import PROM_HEADERS, Pusher
from replaybed.runtime.source import open_source
from replaybed.schemas import wire
from replaybed.schemas.scenario_id import ScenarioId

SCENARIO = "cloudbed-1/000"


class FakeClock:
    def __init__(self, now_ms):
        self.t, self.slept = now_ms, []

    def now_ms(self):
        return self.t

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.t += int(seconds * 1000) or 1


class FakeTransport:
    def __init__(self, answers=()):
        self.answers, self.calls = list(answers), []

    def post(self, url, headers, body):
        self.calls.append((url, headers, body))
        answer = self.answers.pop(0) if self.answers else (204, b"")
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture
def source(tiny_store):
    src = open_source(SCENARIO, str(tiny_store.backend.root), None)
    yield src
    src.close()


def test_logs_dump_the_past_then_follow_the_clock(source):
    m = source.manifest
    pod = max(m.pods, key=lambda p: p.log_lines).name
    clock = FakeClock(1_800_000_000_000)
    shift = offset_ms(m, "now", clock.now_ms())
    out, report, ready = io.BytesIO(), Report("logs", str(m.id), shift), []
    printed_at = []

    class Recorder(io.BytesIO):
        def write(self, b):
            printed_at.append(clock.now_ms())
            return out.write(b)

    replay.logs(
        source, pod, shift, Recorder(), clock, report, ready=lambda: ready.append(clock.now_ms())
    )
    lines = out.getvalue().decode().splitlines()
    expected = list(replay.log_lines(source, pod))
    assert (
        report.items
        == len(lines)
        == len(expected)
        == next(p.log_lines for p in m.pods if p.name == pod)
    )
    for line, (t, text), at in zip(lines, expected, printed_at):
        stamp, _, rest = line.partition(" ")
        assert stamp == rfc3339(t + shift) and rest == text.decode()
        assert at >= t + shift, "a line was printed before its time"
        assert at - (t + shift) < 6000 or t + shift <= 1_800_000_000_000
    past = [t for t, _ in expected if t + shift <= 1_800_000_000_000]
    assert printed_at[: len(past)] == [1_800_000_000_000] * len(past), (
        "history must be dumped at once"
    )
    assert ready == [1_800_000_000_000] or not past


def test_every_physical_line_of_a_record_carries_the_time(source, monkeypatch):
    m = source.manifest
    pod = m.pods[0].name
    t = m.origin_ms
    records = [(t, b'first "a\nb" line'), (t + 1000, b"one\r\ntwo\n\nfour")]
    monkeypatch.setattr(replay, "log_lines", lambda src, p: iter(records))
    clock = FakeClock(t + 3_600_000)
    out, report = io.BytesIO(), Report("logs", str(m.id), 0)
    replay.logs(source, pod, 0, out, clock, report)
    lines = out.getvalue().split(b"\n")
    assert lines.pop() == b""  # the output ends with a newline
    stamp0, stamp1 = rfc3339(t).encode(), rfc3339(t + 1000).encode()
    assert lines == [
        stamp0 + b' first "a',
        stamp0 + b' b" line',
        stamp1 + b" one\r",
        stamp1 + b" two",
        stamp1 + b" ",
        stamp1 + b" four",
    ]
    assert report.items == 2  # records, not physical lines


def test_metrics_backfill_in_one_go_then_paced(source):
    m = source.manifest
    clock = FakeClock(1_800_000_000_000)
    shift = offset_ms(m, "now", clock.now_ms())
    transport = FakeTransport()
    report = Report("metrics", str(m.id), shift)
    pusher = Pusher(
        "http://prom/api/v1/write",
        PROM_HEADERS,
        transport,
        clock,
        report,
        retry.Policy(),
        compress=True,
    )
    replay.metrics(source, shift, pusher, clock)
    assert report.items == m.counts.samples and not report.lost
    now0 = 1_800_000_000_000
    for _url, headers, body in transport.calls:
        assert (
            headers["Content-Encoding"] == "snappy"
            and headers["X-Prometheus-Remote-Write-Version"] == "0.1.0"
        )
        req = wire.decode_write_request(bytes(cramjam.snappy.decompress_raw(body)))
        assert max(s.timestamp for ts in req.timeseries for s in ts.samples) <= max(
            now0, clock.now_ms()
        )
    first = wire.decode_write_request(bytes(cramjam.snappy.decompress_raw(transport.calls[0][2])))
    stamps = [s.timestamp for ts in first.timeseries for s in ts.samples]
    assert stamps == sorted(stamps), "oldest first"


def test_retries_then_rejection_is_reported(source):
    m = source.manifest
    clock = FakeClock(1_800_000_000_000)
    answers = [ConnectionRefusedError(), (503, b"busy"), (429, b"slow down"), (204, b"")]
    answers += [(400, b"out of bounds")] * 1000
    transport = FakeTransport(answers)
    report = Report("metrics", str(m.id), 0)
    pusher = Pusher(
        "http://prom/api/v1/write",
        PROM_HEADERS,
        transport,
        clock,
        report,
        retry.Policy(),
        compress=True,
    )
    replay.metrics(source, offset_ms(m, "end", clock.now_ms()), pusher, clock)
    assert report.retried == 3 and report.requests >= 1
    assert report.rejected_items == m.counts.samples - report.items
    assert sum(clock.slept) < 60


def test_a_permanent_500_too_old_sample_is_not_retried():
    clock = FakeClock(0)
    t = FakeTransport([(500, b"too old sample")] * 5)
    outcome = retry.send(t, "http://x", {}, b"", clock)
    assert not outcome.ok and len(t.calls) == 1 and "too old" in outcome.detail


def test_5xx_retries_stop_at_the_budget():
    clock = FakeClock(0)
    t = FakeTransport([(503, b"")] * 10_000)
    outcome = retry.send(t, "http://x", {}, b"", clock, retry.Policy(retry_budget_s=30))
    assert not outcome.ok and outcome.retries > 3 and clock.t >= 30_000
    assert max(clock.slept) <= retry.Policy().cap_s


def test_out_file_holds_the_exact_request_bodies(tiny_store, tmp_path):
    out = tmp_path / "bodies"
    result = CliRunner().invoke(
        cli,
        [
            "run",
            "traces",
            "--scenario",
            SCENARIO,
            "--store",
            str(tiny_store.backend.root),
            "--anchor",
            "end",
            "--out",
            str(out),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output.strip().splitlines()[-1])
    raw, spans = out.read_bytes(), 0
    while raw:
        (n,) = struct.unpack("<I", raw[:4])
        spans += len(wire.decode_batch(raw[4 : 4 + n]).spans)
        raw = raw[4 + n :]
    _, m = bundle.resolve(tiny_store, ScenarioId.parse(SCENARIO))
    assert spans == report["items"] == m.counts.spans


def test_bad_flags_are_clear(tiny_store):
    r = CliRunner().invoke(
        cli,
        [
            "run",
            "logs",
            "--scenario",
            SCENARIO,
            "--store",
            str(tiny_store.backend.root),
            "--pod",
            "nope-0",
        ],
    )
    assert r.exit_code == 2 and "nope-0" in r.output
    r = CliRunner().invoke(
        cli,
        [
            "run",
            "metrics",
            "--scenario",
            SCENARIO,
            "--store",
            str(tiny_store.backend.root),
            "--anchor",
            "yesterday",
            "--out",
            "/dev/null",
        ],
    )
    assert r.exit_code == 2 and "RFC 3339" in r.output
    r = CliRunner().invoke(
        cli,
        [
            "run",
            "metrics",
            "--scenario",
            "cloudbed-1/999",
            "--store",
            str(tiny_store.backend.root),
            "--out",
            "/dev/null",
        ],
    )
    assert r.exit_code != 0 and "cloudbed-1/999" in r.output
