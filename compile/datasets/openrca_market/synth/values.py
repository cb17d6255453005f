"""Plausible per-interval KPI values: smooth daily baselines, small jitter, realistic precision.

Real telemetry is neither constant nor full-entropy: counters are exact 0.0 most of the time,
spec/limit series never change, gauges wander slowly. The kind of a KPI is read off its name.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

_ZERO = re.compile(
    r"errors|dropped|failcnt|pgmajfault|swap|stopped|uninterruptible|iowaiting|readonly|zombie|"
    r"_error|in_errors|buf_errors|Deadlock|deadlocked|pending_finalization|UsageThresholdExceeded|"
    r"jmx_scrape_error|config_reload_failure|pilot_(conflict|duplicate|eds_no|endpoint_not|no_ip|total_xds|vservice)|"
    r"\.grpc\.0\.2\.0|\.grpc\.200\.(14|4|9|13)\.0|\.http\.(503|0)\.|\.http\.200\.14\.0|UF,URX|connection_(failures|terminations)"
)
_CONSTANT = re.compile(
    r"spec_|_limit|threads_max|ulimits|start_time|StartTime|inodes|\.total$|_total$|\.max$|MaxFile|"
    r"Supported|Enabled|Valid|Verbose|AvailableProcessors|TotalPhysical|TotalSwap|_init|\.init\b|_max\b|"
    r"jvm_info|build_info|ping\.can_connect|cert_expiry|config_reload_success|nofile\.max|mem\.total|"
    r"disk\.total|fs_limit|_free\./dev|virtual_memory_max"
)


def _unit(*parts: str) -> float:
    digest = hashlib.sha256("/".join(parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def decimals(kpi: str) -> int:
    """How many decimals the real exporters print for this kind of KPI."""
    if "MB" in kpi or "seconds" in kpi or "_load" in kpi:
        return 5
    if (
        "pct" in kpi
        or "useage" in kpi
        or kpi.startswith(("system.cpu", "system.io", "system.load"))
    ):
        return 2
    return 3


def baseline(kpi: str, cmdb: str) -> float:
    """A stable level for a series, spread over two decades so series differ."""
    if _ZERO.search(kpi):
        return 0.0
    if kpi == "ping.can_connect":
        return 1.0
    u = _unit(kpi, cmdb)
    if "pct" in kpi or "useage" in kpi or kpi in ("sr", "rr"):
        return round(5 + 60 * u, 2)
    if kpi.startswith("system.load") or "load_average" in kpi:
        return 0.2 + 3 * u
    if (
        "MB" in kpi
        or "memory" in kpi
        or "bytes" in kpi
        or "Memory" in kpi
        or "mem." in kpi
        or "disk" in kpi
    ):
        return 10 ** (1.5 + 2 * u) * (
            1048576 if not ("MB" in kpi or kpi.startswith("system.")) else 1
        )
    return 10 ** (0.5 + 2 * u)


@dataclass(frozen=True)
class Profiles:
    """Per-series constants of a series set, as arrays aligned with it."""

    base: np.ndarray  # float64
    constant: np.ndarray  # bool: spec/limit/zero series never move
    zero: np.ndarray  # bool: counters that are 0.0 outside faults
    phase: np.ndarray  # float64, radians
    places: np.ndarray  # int64, decimals printed
    clock: np.ndarray  # bool: `container_last_seen` carries the sample time itself


def profiles(pairs: Sequence[tuple[str, str]]) -> Profiles:
    """Profiles of (kpi, cmdb) series."""
    base = np.array([baseline(k, c) for k, c in pairs], dtype=np.float64)
    clock = np.array([k == "container_last_seen" for k, _ in pairs], dtype=bool)
    places = np.array([decimals(k) for k, _ in pairs], dtype=np.int64)
    places[clock] = 1
    return Profiles(
        base=base,
        constant=np.array(
            [b == 0.0 or bool(_CONSTANT.search(k)) for b, (k, _) in zip(base, pairs)], dtype=bool
        ),
        zero=base == 0.0,
        phase=np.array([2 * math.pi * _unit("phase", k, c) for k, c in pairs], dtype=np.float64),
        places=places,
        clock=clock,
    )


def values_at(
    p: Profiles,
    times: np.ndarray,
    *,
    rng: np.random.Generator,
    factor: np.ndarray,
    s: np.ndarray,
    t: np.ndarray,
) -> np.ndarray:
    """Values of the cells (series `s`, time index `t`) of the (series x `times`) grid; `factor`
    (grid-shaped) multiplies them where a fault is active."""
    jitter = 1 + 0.04 * rng.standard_normal(len(s))
    spread = 1 + 0.3 * rng.random(len(s))
    f, when = factor[s, t], times[t]
    daily = 1 + 0.25 * np.sin(2 * np.pi * when / 86400 + p.phase[s])
    scale = 10.0 ** p.places[s]
    moving = np.rint(p.base[s] * daily * jitter * f * scale) / scale
    # an error/drop counter that is zero in normal operation jumps to a small count in a fault
    counted = np.where(f != 1.0, np.round(f / 40 * spread, 0), 0.0)
    fixed = np.rint(p.base[s] * scale) / scale
    values = np.where(p.zero[s], counted, np.where(p.constant[s], fixed, moving))
    return np.where(p.clock[s], when.astype(np.float64), values)
