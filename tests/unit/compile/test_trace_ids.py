"""Dataset ids -> Jaeger ids: the documented rule, the same in every process."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import pytest

from replaybed.compile import jaeger_thrift, trace_ids
from replaybed.schemas import wire

IDS = [
    "9b2f636b3f73b1f886cac00c48b5303d",  # Market / Nezha trace id: kept
    "01df517164d1c0365586",  # Telecom trace id: 20 hex, padded
    "gw0120210304000517192504",  # Bank trace id: hashed
    "21030300016145905763",  # Bank span id: 20 decimal digits (> 16 hex digits): hashed
    "ABCDEF",  # hex in upper case: the number, original kept
]


@pytest.mark.parametrize(
    "text, bits, expected",
    [
        ("9b2f636b3f73b1f886cac00c48b5303d", 128, (0x9B2F636B3F73B1F886CAC00C48B5303D, False)),
        ("01df517164d1c0365586", 128, (0x01DF517164D1C0365586, True)),
        ("48dcb0e1db309a72", 64, (0x48DCB0E1DB309A72, False)),
        ("abcdef", 64, (0xABCDEF, True)),
        ("ABCDEF", 64, (0xABCDEF, True)),
        (
            "gw0120210304000517192504",
            128,
            (int.from_bytes(hashlib.sha256(b"gw0120210304000517192504").digest()[:16]), True),
        ),
        (
            "407d617164d1c14f2613",  # Telecom span id: 20 hex digits do not fit 64 bits
            64,
            (int.from_bytes(hashlib.sha256(b"407d617164d1c14f2613").digest()[:8]), True),
        ),
    ],
)
def test_the_documented_rule(text, bits, expected):
    assert trace_ids.jaeger_id(text, bits) == expected


def test_the_same_ids_in_another_process_with_another_hash_seed():
    code = (
        "import sys\nfrom replaybed.compile import trace_ids\n"
        "print([trace_ids.jaeger_id(t, 128)[0] for t in sys.argv[1:]])"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", code, *IDS],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    ]
    assert runs[0] == runs[1] == f"{[trace_ids.jaeger_id(t, 128)[0] for t in IDS]}\n"


def test_mapped_ids_travel_as_tags_and_kept_ids_do_not():
    spans = [
        jaeger_thrift.Span(1_614_787_199_628_000, IDS[2], IDS[3], "", 190, "", None, ""),
        jaeger_thrift.Span(
            1_614_787_199_629_000, IDS[2], "00000000000000ab", IDS[3], 5, "", None, "op"
        ),
    ]
    frame = jaeger_thrift.batch("Tomcat01", "Tomcat01", None, spans)
    root, child = wire.decode_batch(bytes(frame.body)).spans
    assert {t.key: t.vStr for t in root.tags} == {
        "original.trace_id": IDS[2],
        "original.span_id": IDS[3],
    }
    assert {t.key: t.vStr for t in child.tags} == {
        "original.trace_id": IDS[2],
        "original.parent_id": IDS[3],
    }
    assert child.parentSpanId == root.spanId == trace_ids.span_signed(IDS[3])[0]
    assert child.spanId == 0xAB and (root.traceIdHigh, root.traceIdLow) == (
        child.traceIdHigh,
        child.traceIdLow,
    )
    assert root.startTime == 1_614_787_199_628_000 and frame.t0 == 1_614_787_199_628
    assert frame.end == 1_614_787_199_630  # the child: 629 ms + 5 µs, rounded up to whole ms


@pytest.mark.parametrize("text", IDS + ["0" * 32, "f" * 32, "+abc", "0xab", "a_b", " ab"])
def test_the_fast_paths_agree_with_the_rule(text):
    v, mapped = trace_ids.jaeger_id(text, 128)
    high, low, mapped2 = trace_ids.trace_halves(text)
    assert ((high % (1 << 64)) << 64 | (low % (1 << 64)), mapped2) == (v, mapped)
    assert trace_ids.low64(text) == v & ((1 << 64) - 1)
    s, smapped = trace_ids.jaeger_id(text, 64)
    assert trace_ids.span_signed(text) == (s - (1 << 64) if s >= 1 << 63 else s, smapped)
    # signs, spaces, underscores and 0x are not hex digits here, whatever int() accepts
    assert mapped == (text != text.lower() or len(text) != 32 or not text.isalnum() or "x" in text)
