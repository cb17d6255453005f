"""When to try again: one policy for every sender.

5xx and 429 are retried with capped exponential backoff and full jitter; a refused connection is
waited out up to `connect_timeout_s` (the backend may still be starting); a permanent 4xx, and
Prometheus 2.x's `500 ... too old sample` (a permanent refusal it reports as 5xx), are rejections.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from replaybed.runtime.clock import Clock
from replaybed.runtime.transport import Transport


@dataclass(frozen=True)
class Policy:
    base_s: float = 0.25
    cap_s: float = 8.0
    retry_budget_s: float = 300.0
    connect_timeout_s: float = 120.0


@dataclass
class Outcome:
    ok: bool
    status: int
    retries: int
    detail: str = ""


PERMANENT_5XX = (b"too old sample", b"out of bounds", b"duplicate sample")


def permanent(status: int, body: bytes) -> bool:
    if status == 429:
        return False
    if 400 <= status < 500:
        return True
    return status >= 500 and any(p in body for p in PERMANENT_5XX)


def send(
    transport: Transport,
    url: str,
    headers: dict[str, str],
    body: bytes,
    clock: Clock,
    policy: Policy = Policy(),
    ok_status=range(200, 300),
    rng: random.Random | None = None,
) -> Outcome:
    rng = rng or random.Random()
    started = clock.now_ms()
    retries = 0
    while True:
        try:
            status, answer = transport.post(url, headers, body)
        except OSError as exc:
            status, answer, limit = 0, str(exc).encode(), policy.connect_timeout_s
        else:
            if status in ok_status:
                return Outcome(True, status, retries)
            if permanent(status, answer):
                return Outcome(
                    False, status, retries, answer[:300].decode("utf-8", "replace").strip()
                )
            limit = policy.retry_budget_s
        if (clock.now_ms() - started) / 1000 >= limit:
            what = f"HTTP {status}" if status else "connection failed"
            return Outcome(
                False,
                status,
                retries,
                f"{what} after {retries} retries: {answer[:200].decode('utf-8', 'replace').strip()}",
            )
        clock.sleep(rng.uniform(0, min(policy.cap_s, policy.base_s * 2**retries)))
        retries += 1
