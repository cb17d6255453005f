"""The compiled remote-write layout, checked against the official protobuf decoder."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from replaybed.schemas import wire
from replaybed.schemas.remote_write_layout import (
    SAMPLE_HEAD,
    SAMPLE_WIDTH,
    labels_of,
    series_entry,
    varint,
)
from replaybed.schemas.timestamp_slots import VARINT_MS_MAX, VARINT_MS_MIN, varint_ms

names = st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12)
label_sets = st.dictionaries(names, st.text(max_size=300), min_size=1, max_size=6)
samples = st.lists(
    st.tuples(st.floats(allow_nan=False), st.integers(VARINT_MS_MIN, VARINT_MS_MAX - 1)),
    min_size=1,
    max_size=5,
)


def _label_block(labels: dict[str, str]) -> bytes:
    msgs = wire.prometheus_messages()
    ts = msgs.TimeSeries()
    for k in sorted(labels):
        ts.labels.add(name=k, value=labels[k])
    return ts.SerializeToString()


def _sample(value: float, ms: int) -> bytes:
    import struct

    return SAMPLE_HEAD + struct.pack("<d", value) + b"\x10" + varint_ms(ms)


@settings(deadline=None)
@given(n=st.integers(0, 2**63 - 1))
def test_varint_is_protobufs(n):
    ts = wire.prometheus_messages().Sample(timestamp=n).SerializeToString()
    assert ts == (b"\x10" + varint(n) if n else b"")


@settings(deadline=None)
@given(labels=label_sets, points=samples)
def test_an_entry_with_several_samples_decodes_to_them_oldest_first(labels, points):
    points = sorted(points, key=lambda p: p[1])
    block = _label_block(labels)
    body = series_entry(block, b"".join(_sample(v, t) for v, t in points))
    (ts,) = wire.decode_write_request(body).timeseries
    assert {lb.name: lb.value for lb in ts.labels} == labels
    assert [(s.value, s.timestamp) for s in ts.samples] == points
    assert all(len(_sample(v, t)) == SAMPLE_WIDTH for v, t in points)


@settings(deadline=None)
@given(labels=label_sets, value=st.floats(allow_nan=False))
def test_labels_of_takes_the_head_of_a_one_sample_entry_apart(labels, value):
    block = _label_block(labels)
    entry = series_entry(block, _sample(value, VARINT_MS_MIN))
    head = entry[:-SAMPLE_WIDTH]
    assert labels_of(head) == block
    # a head whose declared length does not leave exactly one sample is not taken apart
    assert labels_of(head + b"\x00") is None
    assert labels_of(head[:-1]) is None
    assert labels_of(b"\x12" + head[1:]) is None


def test_label_blocks_of_every_length_class_are_taken_apart():
    # one-, two- and three-byte lengths (the runtime has fast paths for the first two)
    for size in (10, 100, 120, 5_000, 16_370, 20_000, 300_000):
        block = _label_block({"__name__": "m", "pod": "p" * size})
        entry = series_entry(block, _sample(1.5, VARINT_MS_MIN))
        assert labels_of(entry[:-SAMPLE_WIDTH]) == block
        (ts,) = wire.decode_write_request(entry).timeseries
        assert ts.labels[1].value == "p" * size and ts.samples[0].value == 1.5
