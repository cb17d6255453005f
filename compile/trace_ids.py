"""Dataset span and trace ids -> Jaeger ids: stable, documented, the same in every process (pure).

Jaeger ids are a 128-bit trace id (sent as two signed i64 halves) and a 64-bit span id. Rule:
- text of hex digits (either case) no longer than 32 (trace) / 16 (span) characters is read as
  that number: it is the id left-padded with zeros (Market, Nezha and Telecom trace ids);
- anything else (Bank's `gw01…` trace ids and 20-digit decimal span ids, Telecom's 20-hex span
  ids, free text) becomes the first 16 / 8 bytes of the SHA-256 of its UTF-8 text.
Whenever the Jaeger id, written as 32 / 16 lower-case hex digits, differs from the dataset's
text, the span carries the original text as a string tag (`original.trace_id`,
`original.span_id`, `original.parent_id`), so an agent can still search for what the files say.
Never Python's `hash()`: it is salted per process.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

_HEX = re.compile(r"^[0-9a-fA-F]+$")
TRACE_BITS, SPAN_BITS = 128, 64


def signed64(v: int) -> int:
    return v - (1 << 64) if v >= 1 << 63 else v


@lru_cache(maxsize=1 << 16)
def jaeger_id(text: str, bits: int) -> tuple[int, bool]:
    """(unsigned id of `bits` bits, whether it differs from the text's canonical hex form)."""
    digits = bits // 4
    if _HEX.match(text) and len(text) <= digits:
        return int(text, 16), not (len(text) == digits and text == text.lower())
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[: bits // 8], "big"), True


def trace_halves(text: str) -> tuple[int, int, bool]:
    """(signed high i64, signed low i64, mapped) of a trace id."""
    v, mapped = jaeger_id(text, TRACE_BITS)
    return signed64(v >> 64), signed64(v & ((1 << 64) - 1)), mapped


def span_signed(text: str) -> tuple[int, bool]:
    v, mapped = jaeger_id(text, SPAN_BITS)
    return signed64(v), mapped
