"""Timestamp patching laws, checked through the official decoders and against the slot-by-slot
reference (the runtime's patcher before it joined segments)."""

from __future__ import annotations

import struct
from array import array

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from replaybed.compile import jaeger_thrift, prom_write
from replaybed.runtime import patch
from replaybed.schemas import wire
from replaybed.schemas.framing import MetricFrame, u32s
from replaybed.schemas.timestamp_slots import TimestampOutOfRange, read_varint_ms, varint_ms

T0 = 1_647_705_600_000
shifts = st.integers(min_value=-(10**11), max_value=10**11)
# doubles whose bytes hold T0's slot pattern: the search must not mistake them for slots
TRAPS = [
    struct.unpack("<d", b"\x10" + varint_ms(T0) + b"\x00")[0],
    struct.unpack("<d", varint_ms(T0) + b"\x00\x3f")[0],
    struct.unpack("<d", b"\x3f\x01" + varint_ms(T0))[0],
]
values = st.one_of(st.floats(allow_nan=False), st.sampled_from(TRAPS))


def reference_metric_body(frame: MetricFrame, shift_ms: int) -> bytes:
    """Every slot overwritten one by one: what the runtime did before, byte for byte."""
    out = bytearray(frame.body)
    for slot in u32s(frame.slots):
        out[slot : slot + 6] = varint_ms(read_varint_ms(out, slot) + shift_ms)
    return bytes(out)


def _metric_frame(t, values, names=("m",)):
    heads = [
        prom_write.series_head(prom_write.label_block((("__name__", names[i % len(names)]),)))
        for i in range(len(values))
    ]
    return prom_write.frame(t, heads, values)


def _trace_frame(starts):
    spans = [
        jaeger_thrift.Span(
            s * 1000, "7b532f0b62717b83b9d3ff72e97447c2", f"{i + 1:016x}", "", 5, "rpc", "0", "op"
        )
        for i, s in enumerate(starts)
    ]
    return jaeger_thrift.batch("svc", "svc-0", "node-1", spans)


@settings(max_examples=80, deadline=None)
@given(shift=shifts, values=st.lists(values, min_size=0, max_size=30))
def test_same_bytes_as_writing_every_slot(shift, values):
    frame = _metric_frame(T0, values, names=("m", "n", "container_cpu_usage_seconds_total"))
    body = patch.metric_body(frame, shift)
    assert body == reference_metric_body(frame, shift)
    req = wire.decode_write_request(body)
    assert [s.samples[0].timestamp for s in req.timeseries] == [T0 + shift] * len(values)
    assert [s.samples[0].value for s in req.timeseries] == values


@settings(max_examples=40, deadline=None)
@given(values=st.lists(values, min_size=0, max_size=20))
def test_segments_are_the_body_between_the_slots(values):
    frame = _metric_frame(T0, values)
    pieces = patch.segments(frame)
    assert len(pieces) == frame.count + 1
    assert varint_ms(T0).join(pieces) == bytes(frame.body)
    assert [len(p) for p in pieces[:-1]] == [
        b - a - (6 if i else 0)
        for i, (a, b) in enumerate(zip([0, *u32s(frame.slots)], u32s(frame.slots)))
    ]


@settings(max_examples=40, deadline=None)
@given(a=shifts, b=shifts)
def test_patching_composes_and_zero_is_identity(a, b):
    frame = _metric_frame(T0, [1.0, 2.0, 1.0])
    assert patch.metric_body(frame, 0) == bytes(frame.body)
    once = patch.metric_body(frame, a + b)
    shifted = MetricFrame(T0 + a, T0 + a, frame.count, patch.metric_body(frame, a), frame.slots)
    assert patch.metric_body(shifted, b) == once


def test_a_value_that_looks_like_a_timestamp_is_not_touched():
    frame = _metric_frame(T0, [TRAPS[0], 3.0])
    assert bytes(frame.body).count(varint_ms(T0)) == 3  # two slots and the value: cut at slots
    req = wire.decode_write_request(patch.metric_body(frame, 60_000))
    assert [s.samples[0].value for s in req.timeseries][1] == 3.0
    assert [s.samples[0].timestamp for s in req.timeseries] == [T0 + 60_000] * 2
    assert struct.pack("<d", req.timeseries[0].samples[0].value) == struct.pack("<d", TRAPS[0])


@settings(max_examples=30, deadline=None)
@given(shift=shifts, offsets=st.lists(st.integers(0, 600_000), min_size=1, max_size=8))
def test_a_frame_of_several_timestamps_shifts_each(shift, offsets):
    # the framing allows it though the compiler writes one timestamp per frame
    parts = [_metric_frame(T0 + o, [float(i)]) for i, o in enumerate(offsets)]
    body, slots = b"", array("I")
    for part in parts:
        slots.extend(s + len(body) for s in u32s(part.slots))
        body += bytes(part.body)
    frame = MetricFrame(T0 + min(offsets), T0 + max(offsets), len(parts), body, slots.tobytes())
    req = wire.decode_write_request(patch.metric_body(frame, shift))
    assert [ts.samples[0].timestamp for ts in req.timeseries] == [T0 + o + shift for o in offsets]
    if frame.t0 != frame.t1:
        with pytest.raises(ValueError, match="more than one timestamp"):
            patch.segments(frame)


def test_a_shift_out_of_the_slot_range_is_refused():
    with pytest.raises(TimestampOutOfRange):
        patch.metric_body(_metric_frame(T0, [1.0]), 3_000_000_000_000_000)


@settings(max_examples=40, deadline=None)
@given(shift=shifts, offsets=st.lists(st.integers(0, 59_999), min_size=1, max_size=20))
def test_trace_patch_shifts_every_start_time(shift, offsets):
    frame = _trace_frame([T0 + o for o in offsets])
    batch = wire.decode_batch(bytes(patch.trace_body(frame, shift)))
    assert [s.startTime for s in batch.spans] == [(T0 + o + shift) * 1000 for o in offsets]
    assert [s.duration for s in batch.spans] == [5] * len(offsets)
