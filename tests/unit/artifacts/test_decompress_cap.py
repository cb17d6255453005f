"""Decompression (cramjam, in the runtime image) is capped at the declared raw size.

Compression stays on zstandard (the compile extra), so these frames are what the compiler writes
or what a corrupted or hostile store could hold instead.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import zstandard

from replaybed.artifacts import bundle
from replaybed.artifacts.errors import CorruptBlob


def _frame(raw: bytes, *, content_size: bool) -> bytes:
    return zstandard.ZstdCompressor(level=3, write_content_size=content_size).compress(raw)


@pytest.mark.parametrize("size", [0, 1, 255, 256, 257, 65_791, 65_792, 100_000, 5_000_000])
def test_round_trip_and_the_declared_size_for_every_header_width(size):
    raw = bytes(range(256)) * (size // 256) + b"z" * (size % 256)
    stored = bundle.compress(raw, 3)
    assert bundle.declared_size(stored, "x") == size
    assert bundle.decompress(stored, size, "x") == raw


def test_a_frame_that_decompresses_beyond_the_declared_size_is_rejected():
    raw = b"0123456789" * 1000
    stored = _frame(raw, content_size=False)  # nothing in the header to check up front
    assert bundle.declared_size(stored, "x") is None
    assert bundle.decompress(stored, len(raw), "x") == raw
    with pytest.raises(
        CorruptBlob, match="blob b: cannot decompress .*expected a zstd frame of 100 raw"
    ):
        bundle.decompress(stored, 100, "blob b")


def test_a_frame_shorter_than_declared_and_a_lying_header_are_rejected():
    stored = _frame(b"a" * 50, content_size=False)
    with pytest.raises(CorruptBlob, match="decompressed to 50 bytes, expected 100"):
        bundle.decompress(stored, 100, "x")
    lying = _frame(b"b" * 10_000, content_size=True)
    with pytest.raises(CorruptBlob, match="frame declares 10000 raw bytes, manifest says 100"):
        bundle.decompress(lying, 100, "x")


@pytest.mark.parametrize(
    "stored, message",
    [
        (b"", "not a zstd frame"),
        (b"\x89PNG\r\n\x1a\n", "not a zstd frame"),
        (b"\x28\xb5\x2f\xfd\xc0\x01", "header cut short"),
        (bundle.compress(b"abc" * 100)[:-3], "cannot decompress"),
        (bundle.compress(b"abc" * 100) + b"trailing", "cannot decompress"),
    ],
)
def test_garbage_is_a_corrupt_blob(stored, message):
    with pytest.raises(CorruptBlob, match=message):
        bundle.decompress(stored, 300, "x")


BOMB = """
import json, sys, zstandard
from replaybed.artifacts import bundle
from replaybed.artifacts.errors import CorruptBlob
stored = zstandard.ZstdCompressor(level=1, write_content_size=False).compress(bytes(256 << 20))
del zstandard
before = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
try:
    bundle.decompress(stored, 1 << 20, "bomb")
    outcome = "accepted"
except CorruptBlob as exc:
    outcome = str(exc)
after = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(json.dumps({"stored": len(stored), "outcome": outcome, "grew_kb": after - before}))
"""


def test_a_zstd_bomb_is_rejected_without_inflating_it():
    # 256 MiB of zeros in a ~8 kB frame that declares no size, claimed to be 1 MiB: decompression
    # stops when the 1 MiB buffer is full; the process's peak memory does not grow by the bomb
    done = subprocess.run([sys.executable, "-c", BOMB], capture_output=True, text=True, check=True)
    result = json.loads(done.stdout)
    assert result["stored"] < 64 * 1024
    assert "cannot decompress" in result["outcome"] and "1048576 raw bytes" in result["outcome"]
    assert result["grew_kb"] < 32 * 1024, result
