"""Timestamp patching laws, checked through the official decoders."""

from __future__ import annotations

import struct

from hypothesis import given, settings
from hypothesis import strategies as st

from replaybed.compile import jaeger_thrift, prom_write
from replaybed.runtime import patch
from replaybed.schemas import wire
from replaybed.schemas.framing import u32s

T0 = 1_647_705_600_000
shifts = st.integers(min_value=-(10**11), max_value=10**11)


def _metric_frame(t, values):
    head = prom_write.series_head(prom_write.label_block((("__name__", "m"), ("pod", "p"))))
    return prom_write.frame(t, [head] * len(values), values)


def _trace_frame(starts):
    spans = [
        jaeger_thrift.Span(
            s * 1000, "7b532f0b62717b83b9d3ff72e97447c2", f"{i + 1:016x}", "", 5, "rpc", "0", "op"
        )
        for i, s in enumerate(starts)
    ]
    return jaeger_thrift.batch("svc", "svc-0", "node-1", spans)


@settings(max_examples=60, deadline=None)
@given(shift=shifts, values=st.lists(st.floats(allow_nan=False), min_size=1, max_size=30))
def test_metric_patch_moves_only_the_timestamps(shift, values):
    frame = _metric_frame(T0, values)
    body = patch.metric_body(frame, shift)
    req = wire.decode_write_request(body)
    assert [s.samples[0].timestamp for s in req.timeseries] == [T0 + shift] * len(values)
    assert [s.samples[0].value for s in req.timeseries] == values
    assert len(body) == len(frame.body)
    slots = set(u32s(frame.slots))
    assert all(
        a == b
        for i, (a, b) in enumerate(zip(body, bytes(frame.body)))
        if not any(s <= i < s + 6 for s in slots)
    )


@settings(max_examples=40, deadline=None)
@given(a=shifts, b=shifts)
def test_patching_composes_and_zero_is_identity(a, b):
    frame = _metric_frame(T0, [1.0, 2.0, 1.0])
    assert patch.metric_body(frame, 0) == bytes(frame.body)
    once = patch.metric_body(frame, a + b)
    shifted = prom_write.MetricFrame(
        T0 + a, T0 + a, frame.count, patch.metric_body(frame, a), frame.slots
    )
    assert patch.metric_body(shifted, b) == once


def test_a_value_that_looks_like_a_timestamp_is_not_touched():
    # 0x10 + the timestamp's varint placed inside a double: the count check must route to slot patching
    trap = struct.unpack("<d", b"\x10" + prom_write.varint6(T0)[:6] + b"\x00")[0]
    frame = _metric_frame(T0, [trap, 3.0])
    req = wire.decode_write_request(patch.metric_body(frame, 60_000))
    assert [s.samples[0].value for s in req.timeseries][1] == 3.0
    assert [s.samples[0].timestamp for s in req.timeseries] == [T0 + 60_000] * 2
    assert struct.pack("<d", req.timeseries[0].samples[0].value) == struct.pack("<d", trap)


@settings(max_examples=40, deadline=None)
@given(shift=shifts, offsets=st.lists(st.integers(0, 59_999), min_size=1, max_size=20))
def test_trace_patch_shifts_every_start_time(shift, offsets):
    frame = _trace_frame([T0 + o for o in offsets])
    batch = wire.decode_batch(bytes(patch.trace_body(frame, shift)))
    assert [s.startTime for s in batch.spans] == [(T0 + o + shift) * 1000 for o in offsets]
    assert [s.duration for s in batch.spans] == [5] * len(offsets)
