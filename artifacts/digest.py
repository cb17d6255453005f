"""sha256 digests written as `sha256:<64 hex>`, over the stored (compressed) bytes."""

from __future__ import annotations

import hashlib
import re

from replaybed.artifacts.errors import DigestMismatch, StoreError

ALGORITHM = "sha256"
_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")


def of(data: bytes | bytearray | memoryview) -> str:
    return f"{ALGORITHM}:{hashlib.sha256(data).hexdigest()}"


def check(digest: str) -> str:
    if not isinstance(digest, str) or not _DIGEST.match(digest):
        raise StoreError(
            f"invalid digest {digest!r}: expected 'sha256:' followed by 64 lower-case hex digits"
        )
    return digest


def hex_of(digest: str) -> str:
    return check(digest).split(":", 1)[1]


def to_bytes(digest: str) -> bytes:
    """The 32 raw bytes of a digest (binary indexes store digests this way)."""
    return bytes.fromhex(hex_of(digest))


def from_bytes(raw: bytes) -> str:
    if len(raw) != 32:
        raise StoreError(f"a sha256 digest has 32 bytes, got {len(raw)}")
    return f"{ALGORITHM}:{raw.hex()}"


def verify(data: bytes | bytearray | memoryview, expected: str, where: str) -> None:
    actual = hashlib.sha256(data).hexdigest()
    if f"{ALGORITHM}:{actual}" != expected:
        raise DigestMismatch(where, expected, actual)
