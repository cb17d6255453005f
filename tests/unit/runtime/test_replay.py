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
from replaybed.runtime.senders import jaeger_thrift_http, prometheus_remote_write
from replaybed.runtime.senders.http_sender import HttpSender
from replaybed.runtime.source import open_source
from replaybed.schemas import wire
from replaybed.schemas.framing import MetricFrame, decode_frames
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
    """Answers from a list (an exception is raised when the answer is read); records each
    request with the clock's time when it was sent."""

    def __init__(self, answers=(), clock=None, default=(204, b"")):
        self.answers, self.calls, self.clock, self.sent_at = list(answers), [], clock, []
        self.default = default

    def start(self, method, url, headers, body=None):
        self.calls.append((url, headers, body))
        self.sent_at.append(self.clock.now_ms() if self.clock else None)
        answer = self.answers.pop(0) if self.answers else self.default

        def read():
            if isinstance(answer, Exception):
                raise answer
            return answer

        return read

    def request(self, method, url, headers, body=None):
        return self.start(method, url, headers, body)()


def _prometheus(transport, clock, report):
    return HttpSender(
        prometheus_remote_write.BACKEND,
        base_url="http://prom",
        transport=transport,
        clock=clock,
        report=report,
    )


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
        source,
        shift,
        pod=pod,
        sink=Recorder(),
        report=report,
        clock=clock,
        ready=lambda: ready.append(clock.now_ms()),
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
    replay.logs(source, 0, pod=pod, sink=out, report=report, clock=clock)
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
    now0 = 1_800_000_000_000
    clock = FakeClock(now0)
    shift = offset_ms(m, "now", clock.now_ms())
    transport = FakeTransport(clock=clock)
    report = Report("metrics", str(m.id), shift)
    replay.metrics(
        source,
        shift,
        backend=prometheus_remote_write.BACKEND,
        sender=_prometheus(transport, clock, report),
        clock=clock,
    )
    assert report.items == m.counts.samples and not report.lost
    newest = None
    for (url, headers, body), sent_at in zip(transport.calls, transport.sent_at):
        assert url == "http://prom/api/v1/write"
        assert (
            headers["Content-Encoding"] == "snappy"
            and headers["X-Prometheus-Remote-Write-Version"] == "0.1.0"
        )
        req = wire.decode_write_request(bytes(cramjam.snappy.decompress_raw(body)))
        stamps = [[s.timestamp for s in ts.samples] for ts in req.timeseries]
        flat = [t for series in stamps for t in series]
        assert max(flat) <= sent_at, "a sample was sent before its time"
        # oldest first: within a series, and from one request to the next
        assert all(series == sorted(set(series)) for series in stamps)
        assert newest is None or min(flat) > newest
        newest = max(flat)
        labels = [tuple((lb.name, lb.value) for lb in ts.labels) for ts in req.timeseries]
        assert len(labels) == len(set(labels)), "a series appears twice in one request"
    backfill = [at for at in transport.sent_at if at == now0]
    assert backfill and len(backfill) < len(transport.calls) < m.counts.samples


def test_traces_backfill_per_pod_then_each_batch_once_its_spans_have_ended(source):
    m = source.manifest
    now0 = 1_800_000_000_000
    clock = FakeClock(now0)
    shift = offset_ms(m, "now", clock.now_ms())
    transport = FakeTransport(clock=clock, default=(202, b""))
    report = Report("traces", str(m.id), shift)
    sender = HttpSender(
        jaeger_thrift_http.BACKEND,
        base_url="http://jaeger:14268",
        transport=transport,
        clock=clock,
        report=report,
    )
    replay.traces(source, shift, backend=jaeger_thrift_http.BACKEND, sender=sender, clock=clock)
    assert report.items == m.counts.spans and not report.lost
    seen, backfill_pods = set(), []
    for (url, headers, body), sent_at in zip(transport.calls, transport.sent_at):
        assert url == "http://jaeger:14268/api/traces"
        assert headers["Content-Type"] == "application/x-thrift"
        batch = wire.decode_batch(body)
        ends = [(s.startTime + s.duration + 999) // 1000 for s in batch.spans]
        assert max(ends) <= sent_at, "a span was sent before it ended"
        seen |= {s.spanId for s in batch.spans}
        if sent_at == now0:
            backfill_pods.append(dict((t.key, t.vStr) for t in batch.process.tags)["pod"])
    assert len(seen) == m.counts.spans
    assert backfill_pods and len(backfill_pods) == len(set(backfill_pods)), "one request per pod"
    assert len(transport.calls) > len(backfill_pods)


def test_retries_then_rejection_is_reported(source):
    m = source.manifest
    clock = FakeClock(1_800_000_000_000)
    answers = [ConnectionRefusedError(), (503, b"busy"), (429, b"slow down"), (204, b"")]
    answers += [(400, b"out of bounds")] * 1000
    transport = FakeTransport(answers)
    report = Report("metrics", str(m.id), 0)
    replay.metrics(
        source,
        offset_ms(m, "end", clock.now_ms()),
        backend=prometheus_remote_write.BACKEND,
        sender=_prometheus(transport, clock, report),
        clock=clock,
    )
    assert report.retried == 3 and report.requests >= 1
    assert report.rejected_items == m.counts.samples - report.items
    assert sum(clock.slept) < 60


def test_a_permanent_500_too_old_sample_is_not_retried_by_the_prometheus_sender():
    clock = FakeClock(0)
    t = FakeTransport([(500, b"too old sample")] * 5)
    outcome = retry.deliver(
        lambda: t.request("POST", "http://x", {}, b""),
        clock,
        permanent=prometheus_remote_write.permanent,
    )
    assert not outcome.ok and len(t.calls) == 1 and "too old" in outcome.detail
    # the generic rule knows nothing of Prometheus: a 500 is worth another try
    t = FakeTransport([(500, b"too old sample"), (204, b"")])
    outcome = retry.deliver(lambda: t.request("POST", "http://x", {}, b""), clock)
    assert outcome.ok and outcome.retries == 1


def test_5xx_retries_stop_at_the_budget():
    clock = FakeClock(0)
    t = FakeTransport([(503, b"")] * 10_000)
    outcome = retry.deliver(
        lambda: t.request("POST", "http://x", {}, b""),
        clock,
        policy=retry.Policy(retry_budget_s=30),
    )
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


def test_out_file_holds_every_sample_in_per_series_requests(tiny_store, tmp_path):
    out = tmp_path / "bodies"
    result = CliRunner().invoke(
        cli,
        ["run", "metrics", "--scenario", SCENARIO, "--store", str(tiny_store.backend.root)]
        + ["--anchor", "end", "--out", str(out), "--json"],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output.strip().splitlines()[-1])
    shift = report["offset_ms"]
    _, m = bundle.resolve(tiny_store, ScenarioId.parse(SCENARIO))
    expected = set()
    for ref in m.parts_of("metrics"):
        for frame in decode_frames(bundle.read_part(tiny_store, ref), MetricFrame):
            if m.window.contains(frame.t0 - m.origin_ms):
                for ts in wire.decode_write_request(bytes(frame.body)).timeseries:
                    labels = tuple((lb.name, lb.value) for lb in ts.labels)
                    expected |= {(labels, s.timestamp + shift, s.value) for s in ts.samples}
    raw, got, requests, newest = out.read_bytes(), [], 0, None
    while raw:
        (n,) = struct.unpack("<I", raw[:4])
        req = wire.decode_write_request(bytes(cramjam.snappy.decompress_raw(raw[4 : 4 + n])))
        raw, requests = raw[4 + n :], requests + 1
        labels = [tuple((lb.name, lb.value) for lb in ts.labels) for ts in req.timeseries]
        assert len(labels) == len(set(labels))
        stamps = [s.timestamp for ts in req.timeseries for s in ts.samples]
        assert newest is None or min(stamps) > newest
        newest = max(stamps)
        got += [
            (lb, s.timestamp, s.value) for lb, ts in zip(labels, req.timeseries) for s in ts.samples
        ]
    assert len(got) == len(set(got)) == report["items"] == m.counts.samples
    assert set(got) == expected and requests == report["requests"]


def test_an_anchor_beyond_what_a_slot_holds_is_refused_before_anything_is_written(
    tiny_store, tmp_path
):
    out = tmp_path / "bodies"
    for kind in ("metrics", "traces"):
        r = CliRunner().invoke(
            cli,
            ["run", kind, "--scenario", SCENARIO, "--store", str(tiny_store.backend.root)]
            + ["--anchor", "2110-01-01T00:00:00Z", "--out", str(out)],
        )
        assert r.exit_code == 2 and "2109-05-15" in r.output and not out.exists(), r.output


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
