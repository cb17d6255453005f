"""When to try again: one policy for every sender, whatever the backend.

Transient answers are retried with capped exponential backoff and full jitter; a refused or
broken connection is waited out up to `connect_timeout_s` (the backend may still be starting).
Which answers are final is the backend's knowledge: each sender passes its `permanent` rule
(a 4xx for everyone; Prometheus adds its "too old sample" 500).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Collection
from dataclasses import dataclass

from replaybed.runtime.clock import Clock

# one attempt: (HTTP status, answer body), or OSError when the backend cannot be reached
Attempt = Callable[[], tuple[int, bytes]]
Permanent = Callable[[int, bytes], bool]


@dataclass(frozen=True)
class Policy:
    base_s: float = 0.25
    cap_s: float = 8.0
    retry_budget_s: float = 300.0
    connect_timeout_s: float = 120.0


DEFAULT_POLICY = Policy()


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status: int
    retries: int
    detail: str = ""


def client_error(status: int, body: bytes) -> bool:
    """The default rule: a 4xx other than 429 will not change by asking again."""
    return 400 <= status < 500 and status != 429


def deliver(
    attempt: Attempt,
    clock: Clock,
    *,
    policy: Policy = DEFAULT_POLICY,
    ok_status: Collection[int] = range(200, 300),
    permanent: Permanent = client_error,
    first: Attempt | None = None,
    rng: random.Random | None = None,
) -> Outcome:
    """Call `attempt` until an answer is in `ok_status`, `permanent`, or the budget is spent.

    `first`, when given, is an attempt already under way (its request was sent while the caller
    prepared the next one); it replaces the first call of `attempt`.
    """
    rng = rng or random.Random()
    started = clock.now_ms()
    retries = 0
    pending = first or attempt
    while True:
        try:
            status, answer = pending()
        except OSError as exc:
            status, answer, limit = 0, str(exc).encode(), policy.connect_timeout_s
        else:
            if status in ok_status:
                return Outcome(True, status, retries)
            if permanent(status, answer):
                return Outcome(False, status, retries, _text(answer, 300))
            limit = policy.retry_budget_s
        if (clock.now_ms() - started) / 1000 >= limit:
            what = f"HTTP {status}" if status else "connection failed"
            return Outcome(
                False, status, retries, f"{what} after {retries} retries: {_text(answer, 200)}"
            )
        clock.sleep(rng.uniform(0, min(policy.cap_s, policy.base_s * 2**retries)))
        retries += 1
        pending = attempt


def _text(answer: bytes, limit: int) -> str:
    return answer[:limit].decode("utf-8", "replace").strip()
