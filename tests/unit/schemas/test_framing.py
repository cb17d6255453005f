import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from replaybed.schemas.errors import SchemaError
from replaybed.schemas.framing import (
    LogFrame,
    MetricFrame,
    TraceFrame,
    decode_part,
    encode_part,
    i64s,
    u32s,
)


def u32(values):
    return struct.pack(f"<{len(values)}I", *values)


def i64(values):
    return struct.pack(f"<{len(values)}q", *values)


metric_frames = st.builds(
    lambda t, body, n: MetricFrame(t, t, n, body, u32(list(range(n)))),
    st.integers(0, 2**42),
    st.binary(max_size=64),
    st.integers(0, 5),
)
log_frames = st.lists(st.tuples(st.integers(0, 2**42), st.text(max_size=20)), max_size=6).map(
    lambda lines: LogFrame(
        min((t for t, _ in lines), default=0),
        max((t for t, _ in lines), default=0),
        len(lines),
        "pod-0",
        "".join(s for _, s in lines).encode(),
        u32([len("".join(s for _, s in lines[: i + 1]).encode()) for i in range(len(lines))]),
        i64([t for t, _ in lines]),
    )
)


@given(st.lists(metric_frames, max_size=5))
def test_metric_part_round_trips(frames):
    part = decode_part(encode_part("metrics", frames))
    assert part.kind == "metrics"
    assert [(f.t0, f.t1, f.count, bytes(f.body), bytes(f.slots)) for f in part.frames] == [
        (f.t0, f.t1, f.count, bytes(f.body), bytes(f.slots)) for f in frames
    ]


@given(st.lists(log_frames, max_size=4))
def test_log_part_round_trips(frames):
    part = decode_part(encode_part("logs", frames))
    for got, want in zip(part.frames, frames, strict=True):
        assert bytes(got.text) == bytes(want.text)
        assert list(u32s(got.ends)) == list(u32s(want.ends))
        assert list(i64s(got.times)) == list(i64s(want.times))


def test_trace_frame_keeps_process_fields():
    frame = TraceFrame(1, 2, 1, "cartservice", "cartservice-0", b"xyz" * 4, u32([3]), 7, 9)
    (got,) = decode_part(encode_part("traces", [frame])).frames
    assert (got.service, got.pod, got.spans_at, got.end, list(u32s(got.slots))) == (
        "cartservice",
        "cartservice-0",
        7,
        9,
        [3],
    )


def test_encoding_is_deterministic():
    frames = [MetricFrame(5, 5, 1, b"abc", u32([0]))]
    assert encode_part("metrics", frames) == encode_part("metrics", list(frames))


def test_wrong_frame_kind_is_refused():
    with pytest.raises(SchemaError, match="cannot put a LogFrame into a 'metrics' part"):
        encode_part("metrics", [LogFrame(0, 0, 0, "p", b"", b"", b"")])


def test_slot_count_must_match_items():
    with pytest.raises(SchemaError, match="expected 8"):
        encode_part("metrics", [MetricFrame(0, 0, 2, b"", u32([1]))])


@pytest.mark.parametrize(
    "raw, message",
    [
        (b"NOTAPART" + b"\0" * 8, "not a replaybed part"),
        (encode_part("metrics", [MetricFrame(0, 0, 1, b"ab", u32([0]))])[:-3], "outside the"),
    ],
)
def test_damaged_parts_are_named(raw, message):
    with pytest.raises(SchemaError, match=message):
        decode_part(raw, where="blob X")
