"""The backend modules and the generic senders: bodies, answers, order, --out bytes."""

from __future__ import annotations

import io
import struct

import cramjam
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from replaybed.compile import jaeger_thrift, prom_write
from replaybed.runtime import patch
from replaybed.runtime.errors import ReplayConfigError, ReplayError
from replaybed.runtime.report import Report
from replaybed.runtime.senders import (
    HTTP_BACKENDS,
    http_backend,
    jaeger_thrift_http,
    prometheus_remote_write,
)
from replaybed.runtime.senders.http_sender import HttpSender
from replaybed.runtime.senders.out_file import OutFile
from replaybed.schemas import media_types, wire
from replaybed.schemas.errors import SchemaError
from replaybed.schemas.framing import MetricFrame
from replaybed.schemas.timestamp_slots import varint_ms

T0 = 1_647_705_600_000
SERIES = [
    (("__name__", "container_cpu_usage_seconds_total"), ("pod", f"frontend-{i}")) for i in range(5)
] + [(("__name__", "node_load1"), ("instance", "node-1"))]
HEADS = [prom_write.series_head(prom_write.label_block(s)) for s in SERIES]
TRAP = struct.unpack("<d", b"\x10" + varint_ms(T0 + 60_000) + b"\x00")[0]


def _frame(t, picks):
    return prom_write.frame(t, [HEADS[i] for i, _ in picks], [v for _, v in picks])


def _samples(body):
    req = wire.decode_write_request(body)
    return [
        (
            tuple((lb.name, lb.value) for lb in ts.labels),
            [(s.timestamp, s.value) for s in ts.samples],
        )
        for ts in req.timeseries
    ]


frames_strategy = st.lists(
    st.lists(
        st.tuples(
            st.sampled_from(range(len(SERIES))),
            st.one_of(st.floats(allow_nan=False), st.just(TRAP)),
        ),
        unique_by=lambda p: p[0],
        max_size=len(SERIES),
    ).map(lambda picks: sorted(picks)),
    min_size=1,
    max_size=12,
)


@settings(max_examples=80, deadline=None)
@given(picks_per_minute=frames_strategy, shift=st.integers(-(10**10), 10**10))
def test_a_request_holds_each_series_once_with_its_samples_oldest_first(picks_per_minute, shift):
    frames = [_frame(T0 + 60_000 * i, picks) for i, picks in enumerate(picks_per_minute)]
    body = prometheus_remote_write.write_request(frames, shift)
    got = _samples(body)
    expected: dict = {}
    for frame in frames:
        for labels, points in _samples(patch.metric_body(frame, shift)):
            expected.setdefault(labels, []).extend(points)
    assert [labels for labels, _ in got] == list(expected), "each series once, first seen first"
    assert dict(got) == expected, "the same samples, oldest first per series"
    assert len(body) <= sum(len(f.body) for f in frames)


def test_frames_not_laid_out_as_compiled_are_sent_as_they_are():
    a, b = _frame(T0, [(0, 1.0), (1, 2.0)]), _frame(T0 + 60_000, [(0, 3.0)])
    as_they_are = patch.metric_body(b, 5) + patch.metric_body(a, 5)
    assert prometheus_remote_write.write_request([b, a], 5) == as_they_are  # not oldest first
    # one frame of two timestamps (the framing allows it)
    slots = a.slots + struct.pack("<I", struct.unpack("<I", b.slots)[0] + len(a.body))
    both = MetricFrame(T0, T0 + 60_000, 3, bytes(a.body) + bytes(b.body), slots)
    assert prometheus_remote_write.write_request([both], 5) == patch.metric_body(both, 5)
    # a sample without its value field: not the compiled layout
    odd_body = (
        HEADS[0][:1] + bytes([HEADS[0][1] - 9]) + HEADS[0][2:] + b"\x12\x07\x10" + varint_ms(T0)
    )
    odd = MetricFrame(T0, T0, 1, odd_body, struct.pack("<I", len(odd_body) - 6))
    assert prometheus_remote_write.write_request([odd], 5) == patch.metric_body(odd, 5)
    assert _samples(patch.metric_body(odd, 5))[0][1] == [(T0 + 5, 0.0)]


def test_each_media_type_has_its_backend():
    assert http_backend(media_types.METRICS) is prometheus_remote_write.BACKEND
    assert http_backend(media_types.TRACES) is jaeger_thrift_http.BACKEND
    assert set(HTTP_BACKENDS) == {media_types.METRICS, media_types.TRACES}
    with pytest.raises(ReplayConfigError, match="no HTTP backend sends"):
        http_backend(media_types.LOGS)
    with pytest.raises(SchemaError, match="unknown media type"):
        http_backend("application/json")
    assert (
        prometheus_remote_write.BACKEND.url("http://prom:9090/") == "http://prom:9090/api/v1/write"
    )
    assert jaeger_thrift_http.BACKEND.url("http://jaeger:14268") == "http://jaeger:14268/api/traces"


@pytest.mark.parametrize(
    ("status", "answer", "final"),
    [
        (400, b"out of order sample", True),
        (404, b"", True),
        (429, b"", False),
        (500, b"too old sample", True),  # Prometheus 2.x reports these as 500
        (500, b"out of bounds", True),
        (500, b"duplicate sample for timestamp", True),
        (500, b"commit failed", False),
        (503, b"", False),
    ],
)
def test_which_prometheus_answers_are_final(status, answer, final):
    assert prometheus_remote_write.permanent(status, answer) is final
    # the generic rule, used by Jaeger: only a 4xx other than 429 is final
    assert jaeger_thrift_http.BACKEND.permanent(status, answer) is (
        400 <= status < 500 and status != 429
    )


def test_remote_write_bodies_are_snappy_block_format():
    body = b"\x0a\x05hello" * 1000
    sent = prometheus_remote_write.BACKEND.request_body([_frame(T0, [(0, 1.0)])], 0)
    assert not sent.startswith(b"\xff\x06\x00\x00sNaPpY")  # not the framed format
    assert bytes(cramjam.snappy.decompress_raw(prometheus_remote_write.snappy_block(body))) == body
    assert prometheus_remote_write.BACKEND.headers["Content-Encoding"] == "snappy"


class Recorder:
    """A transport that logs when each request is sent and when its answer is read."""

    def __init__(self, answers):
        self.answers, self.log = list(answers), []

    def start(self, method, url, headers, body=None):
        self.log.append(("send", body))
        answer = self.answers.pop(0)

        def read():
            self.log.append(("read", body))
            return answer

        return read

    def request(self, method, url, headers, body=None):
        return self.start(method, url, headers, body)()


class Clock:
    def __init__(self):
        self.t = 0

    def now_ms(self):
        return self.t

    def sleep(self, seconds):
        self.t += int(seconds * 1000) + 1


def test_the_sender_works_one_request_ahead_and_in_order():
    transport = Recorder([(204, b""), (503, b"busy"), (204, b""), (400, b"bad")])
    report = Report("metrics", "s", 0)
    sender = HttpSender(
        prometheus_remote_write.BACKEND,
        base_url="http://prom",
        transport=transport,
        clock=Clock(),
        report=report,
    )
    sender.push(b"a", 10)
    assert transport.log == [("send", b"a")], "the answer is read when the next body is ready"
    sender.push(b"b", 20)
    sender.push(b"c", 30)
    sender.drain()
    sender.drain()
    assert transport.log == [
        ("send", b"a"),
        ("read", b"a"),
        ("send", b"b"),
        ("read", b"b"),  # 503: b is sent again before c goes out
        ("send", b"b"),
        ("read", b"b"),
        ("send", b"c"),
        ("read", b"c"),
    ]
    assert (report.requests, report.items, report.retried) == (3, 30, 1)
    assert (report.rejected_requests, report.rejected_items) == (1, 30)
    assert report.errors == ["HTTP 400: bad"]


def test_out_file_is_length_prefixed_bodies():
    sink, report = io.BytesIO(), Report("traces", "s", 0)
    out = OutFile(sink, report)
    out.push(b"first", 2)
    out.push(b"", 0)
    out.push(b"x" * 300, 5)
    out.drain()
    assert (
        sink.getvalue() == b"\x05\x00\x00\x00first" + b"\x00" * 4 + b"\x2c\x01\x00\x00" + b"x" * 300
    )
    assert (report.requests, report.items, report.bytes) == (3, 7, 305)


def _trace_frame(pod, starts, first_id=1):
    spans = [
        jaeger_thrift.Span(
            s * 1000,
            "7b532f0b62717b83b9d3ff72e97447c2",
            f"{first_id + i:016x}",
            "",
            5,
            "rpc",
            "0",
            "op",
        )
        for i, s in enumerate(starts)
    ]
    return jaeger_thrift.batch(pod.rsplit("-", 1)[0], pod, "node-1", spans)


@settings(max_examples=40, deadline=None)
@given(sizes=st.lists(st.integers(1, 6), min_size=1, max_size=6), shift=st.integers(0, 10**10))
def test_frames_of_one_pod_merge_into_one_batch(sizes, shift):
    frames, first = [], 1
    for i, n in enumerate(sizes):
        frames.append(_trace_frame("cart-0", [T0 + 60_000 * i + j for j in range(n)], first))
        first += n
    batch = wire.decode_batch(jaeger_thrift_http.batch(frames, shift))
    expected = [s for f in frames for s in wire.decode_batch(patch.trace_body(f, shift)).spans]
    assert batch.spans == expected and len(expected) == sum(sizes)
    assert batch.process == wire.decode_batch(bytes(frames[0].body)).process


def test_frames_of_different_processes_are_not_merged():
    a, b = _trace_frame("cart-0", [T0]), _trace_frame("cart-1", [T0])
    with pytest.raises(ReplayError, match="one process per pod"):
        jaeger_thrift_http.batch([a, b], 0)
