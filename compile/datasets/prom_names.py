"""Valid Prometheus series from a format's names: the rules every format's mapping shares (pure).

- a metric name keeps `[a-zA-Z0-9_:]`, every other character becomes `_`, and a name that would
  start with a digit (or be empty) gets a leading `_`;
- labels are sorted by byte order (remote write requires it), empty values are left out
  (Prometheus treats an empty value as an absent label) and every series carries `namespace`;
- a name outside a format's documented rules keeps its original text in a `kpi_name` label and
  is marked unknown: counted in manifests, never dropped.
"""

from __future__ import annotations

import re

from replaybed.compile.datasets.base import Series

_INVALID = re.compile(r"[^a-zA-Z0-9_:]")


def sanitize(name: str) -> str:
    out = _INVALID.sub("_", name)
    return "_" + out if not out or out[0].isdigit() else out


def series(
    name: str,
    labels: dict[str, str],
    namespace: str,
    *,
    scale: float = 1.0,
    unknown: bool = False,
    placement: tuple[str, str] | None = None,
) -> Series:
    kept = {k: v for k, v in labels.items() if v != ""}
    kept["__name__"] = name
    kept["namespace"] = namespace
    ordered = tuple(sorted(kept.items(), key=lambda kv: kv[0].encode()))
    return Series(ordered, scale, unknown, placement)


def unknown(
    kpi: str, labels: dict[str, str], namespace: str, *, placement: tuple[str, str] | None = None
) -> Series:
    return series(
        sanitize(kpi), {**labels, "kpi_name": kpi}, namespace, unknown=True, placement=placement
    )
