"""The byte layout of a compiled metrics frame's remote-write 1.0 body (pure).

A frame body is a `WriteRequest` (`repeated TimeSeries timeseries = 1`) whose entries each hold
one series and one sample:

    entry  := 0x0a varint(len(labels) + len(samples)) labels samples
    labels := the series' `Label` fields, sorted by name (`0x0a len (0x0a len name 0x12 len value)`)
    sample := 0x12 0x10 | 0x09 <f64 LE value> | 0x10 <6-byte varint ms>      (always 18 bytes)

The timestamp's 6 bytes are its slot (`timestamp_slots`). Protobuf lets a repeated field arrive
in pieces, so concatenated bodies are one `WriteRequest`, and an entry may carry several samples
of its series back to back (oldest first), which is what the runtime sends: Prometheus resolves
a series' labels once per entry, not once per sample.
"""

from __future__ import annotations

from replaybed.schemas.timestamp_slots import VARINT_MS_WIDTH

SERIES_TAG = 0x0A  # WriteRequest.timeseries, length-delimited
SAMPLE_WIDTH = 18
SAMPLE_HEAD = b"\x12\x10\x09"  # TimeSeries.samples tag, its 16-byte length, Sample.value tag
TIMESTAMP_TAG = b"\x10"  # Sample.timestamp, varint
# a sample without its timestamp slot: SAMPLE_HEAD, the 8-byte value, TIMESTAMP_TAG
SAMPLE_BEFORE_SLOT = SAMPLE_WIDTH - VARINT_MS_WIDTH


_ONE_BYTE = [bytes((n,)) for n in range(0x80)]


def varint(n: int) -> bytes:
    """Protobuf's base-128 varint of a non-negative integer."""
    if n < 0x80:
        return _ONE_BYTE[n]
    if n < 0x4000:
        return bytes(((n & 0x7F) | 0x80, n >> 7))
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def series_entry(labels: bytes, samples: bytes) -> bytes:
    """One `TimeSeries` entry of a `WriteRequest`: a label block and its samples, oldest first."""
    return b"".join((_ONE_BYTE[SERIES_TAG], varint(len(labels) + len(samples)), labels, samples))


def labels_of(head: bytes) -> bytes | None:
    """The label block of a one-sample entry's head (the entry up to its sample), or None when
    `head` is not `0x0a varint(len(labels) + 18) labels`."""
    if len(head) < 2 or head[0] != SERIES_TAG:
        return None
    # label blocks are mostly 110 .. 16 000 bytes long: a two-byte length
    if head[1] >= 0x80 and len(head) > 2 and head[2] < 0x80:
        length = (head[1] & 0x7F) | head[2] << 7
        return head[3:] if length == len(head) - 3 + SAMPLE_WIDTH else None
    length = shift = 0
    for at in range(1, min(len(head), 6)):
        length |= (head[at] & 0x7F) << shift
        shift += 7
        if head[at] < 0x80:
            labels = head[at + 1 :]
            return labels if length == len(labels) + SAMPLE_WIDTH else None
    return None
