"""The timestamp-slot rules, checked against the official protobuf encoder and by their laws."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from replaybed.schemas import wire
from replaybed.schemas.errors import SchemaError
from replaybed.schemas.timestamp_slots import (
    START_US,
    VARINT_MS_MAX,
    VARINT_MS_MIN,
    VARINT_MS_WIDTH,
    TimestampOutOfRange,
    read_varint_ms,
    shift_start_us,
    varint_ms,
)

in_range = st.integers(VARINT_MS_MIN, VARINT_MS_MAX - 1)


@settings(deadline=None)
@given(ms=in_range)
def test_a_slot_is_the_protobuf_varint_and_always_six_bytes(ms):
    sample = wire.prometheus_messages().Sample(timestamp=ms).SerializeToString()
    assert sample == b"\x10" + varint_ms(ms)  # field 2, varint; value 0.0 is left out
    assert len(varint_ms(ms)) == VARINT_MS_WIDTH


@settings(deadline=None)
@given(ms=in_range, before=st.binary(max_size=8), after=st.binary(max_size=8))
def test_read_gives_back_what_was_written_wherever_it_sits(ms, before, after):
    buf = before + varint_ms(ms) + after
    assert read_varint_ms(buf, len(before)) == ms


@settings(deadline=None)
@given(a=in_range, b=in_range)
def test_a_slot_never_overlaps_itself(a, b):
    # what lets the runtime find slots by search: five bytes >= 0x80, then one < 0x80
    slot_a, slot_b = varint_ms(a), varint_ms(b)
    for cut in range(1, VARINT_MS_WIDTH):
        assert slot_a[cut:] != slot_b[: VARINT_MS_WIDTH - cut]


@settings(deadline=None)
@given(ms=st.one_of(st.integers(max_value=VARINT_MS_MIN - 1), st.integers(min_value=VARINT_MS_MAX)))
def test_times_outside_the_range_are_refused(ms):
    with pytest.raises(TimestampOutOfRange, match=r"outside \[2\^35, 2\^42\) ms"):
        varint_ms(ms)


def test_the_range_is_1971_to_2109():
    assert datetime.fromtimestamp(VARINT_MS_MIN / 1000, UTC).date().isoformat() == "1971-02-02"
    assert datetime.fromtimestamp(VARINT_MS_MAX / 1000, UTC).date().isoformat() == "2109-05-15"
    # one millisecond outside, and the encoding would need another width
    assert (
        len(wire.prometheus_messages().Sample(timestamp=VARINT_MS_MIN - 1).SerializeToString()) == 6
    )
    assert len(wire.prometheus_messages().Sample(timestamp=VARINT_MS_MAX).SerializeToString()) == 8


def test_a_slot_that_is_not_one_is_named():
    with pytest.raises(SchemaError, match="offset 2: found 01 02"):
        read_varint_ms(b"\x00\x00\x01\x02", 2)


@settings(deadline=None)
@given(starts=st.lists(st.integers(0, 2**62), max_size=5), delta=st.integers(-(2**40), 2**40))
def test_jaeger_start_times_shift_in_place_big_endian(starts, delta):
    buf = bytearray(b"\xaa" + b"".join(START_US.pack(s) + b"\xbb" for s in starts))
    shift_start_us(buf, [1 + 9 * i for i in range(len(starts))], delta)
    assert buf[0] == 0xAA and buf[9::9] == b"\xbb" * len(starts)
    got = [
        int.from_bytes(buf[1 + 9 * i : 9 + 9 * i], "big", signed=True) for i in range(len(starts))
    ]
    assert got == [s + delta for s in starts]
