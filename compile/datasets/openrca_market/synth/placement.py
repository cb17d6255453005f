"""Stable pod -> node placement per cloudbed.

The real placement was never published; the only fact is the `node-N.<pod>` prefix of container
cmdb_ids. A fixed hash keeps it identical for every seed and scale, so a record's pod always sits
on the same node in every generated dataset.
"""

from __future__ import annotations

import hashlib
from functools import cache

from replaybed.compile.datasets.openrca_market.catalog import ALL_PODS, NODES


@cache
def placement(cloudbed: str) -> dict[str, str]:
    """Round-robin over the nodes in a per-cloudbed hash order: every node hosts 7 pods."""
    order = sorted(ALL_PODS, key=lambda pod: hashlib.sha256(f"{cloudbed}/{pod}".encode()).digest())
    return {pod: NODES[i % len(NODES)] for i, pod in enumerate(order)}


def node_of(cloudbed: str, pod: str) -> str:
    return placement(cloudbed)[pod]
