"""What a shard's parts stage leaves for the manifests stage: its chunk indexes, as bytes (pure).

`compile --stage parts` stores one per shard next to the parts; `--stage manifests` reads them
all to count each scenario's window exactly without reading the dataset's telemetry again.
Layout (then zstd): MAGIC | u32 LE header length | header (canonical JSON) | arrays, where the
header lists the shard's series keys, placements and chunks, and every array as
[offset, dtype, shape] into the bytes after it.
"""

from __future__ import annotations

import dataclasses
import json
import struct

import numpy as np
import zstandard

from replaybed.compile.errors import CompileError
from replaybed.compile.manifests import ShardChunks
from replaybed.compile.parts import ChunkIndex
from replaybed.schemas.manifest import PartRef, canonical_json

MAGIC = b"RBSHARD\x01"
VERSION = 1
_LEN = struct.Struct("<I")
_ARRAYS = ("samples", "series", "spans", "traces", "trace_at")


def encode(shard: ShardChunks, meta: dict) -> bytes:
    data = bytearray()

    def put(a: np.ndarray) -> list:
        a = np.ascontiguousarray(a)
        at = len(data)
        data.extend(a.astype(a.dtype.newbyteorder("<")).tobytes())
        return [at, a.dtype.newbyteorder("<").str, list(a.shape)]

    chunks = []
    for start in sorted(shard.chunks):
        idx = shard.chunks[start]
        chunks.append(
            {
                "start": start,
                "first_minute": idx.first_minute,
                "minutes": idx.minutes,
                "parts": [dataclasses.asdict(p) for p in idx.parts],
                "arrays": {name: put(getattr(idx, name)) for name in _ARRAYS},
                "log_lines": {pod: put(v) for pod, v in sorted(idx.log_lines.items())},
            }
        )
    header = canonical_json(
        {
            "version": VERSION,
            "meta": meta,
            "keys": [list(k) for k in shard.keys],
            "unknown": list(shard.unknown),
            "placements": [list(p) for p in shard.placements],
            "chunks": chunks,
        }
    )
    raw = b"".join((MAGIC, _LEN.pack(len(header)), header, bytes(data)))
    return zstandard.ZstdCompressor(level=3, write_content_size=True).compress(raw)


def decode(blob: bytes, where: str) -> tuple[ShardChunks, dict]:
    """(the shard's chunks, its meta); CompileError naming `where` if the bytes are not one."""
    try:
        raw = zstandard.ZstdDecompressor().decompress(blob)
    except zstandard.ZstdError as exc:
        raise CompileError(f"{where}: not a shard index ({exc})") from None
    if raw[: len(MAGIC)] != MAGIC:
        raise CompileError(f"{where}: not a shard index (expected it to start with {MAGIC!r})")
    n = _LEN.unpack_from(raw, len(MAGIC))[0]
    at = len(MAGIC) + _LEN.size
    header = json.loads(raw[at : at + n])
    if header.get("version") != VERSION:
        raise CompileError(
            f"{where}: shard index version {header.get('version')!r}, expected {VERSION}; "
            "run the parts stage again"
        )
    data = memoryview(raw)[at + n :]

    def get(spec: list) -> np.ndarray:
        offset, dtype, shape = spec
        dt = np.dtype(dtype)
        count = int(np.prod(shape)) if shape else 1
        return np.frombuffer(data, dt, count, offset).reshape(shape).astype(dt.newbyteorder("="))

    chunks = {}
    for c in header["chunks"]:
        arrays = {name: get(spec) for name, spec in c["arrays"].items()}
        chunks[c["start"]] = ChunkIndex(
            c["first_minute"],
            c["minutes"],
            log_lines={pod: get(spec) for pod, spec in c["log_lines"].items()},
            parts=[PartRef(**p) for p in c["parts"]],
            **arrays,
        )
    shard = ShardChunks(
        chunks,
        [tuple(k) for k in header["keys"]],
        list(header["unknown"]),
        [tuple(p) for p in header["placements"]],
    )
    return shard, header["meta"]
