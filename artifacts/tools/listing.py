"""Rows for `replaybed scenarios` and `replaybed store ls`: pure functions of loaded manifests."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from replaybed.artifacts.errors import StoreError
from replaybed.artifacts.tools.reach import Reached, reachable
from replaybed.schemas.manifest import Manifest


def zone(tz: str) -> timezone:
    sign = -1 if tz.startswith("-") else 1
    hours, minutes = tz[1:].split(":")
    return timezone(sign * timedelta(hours=int(hours), minutes=int(minutes)))


def fault_time(manifest: Manifest) -> tuple[str, int]:
    """(time in the dataset's zone, epoch seconds): the fault's, or the origin of a fault-free window."""
    if manifest.fault is not None:
        return manifest.fault.datetime, manifest.fault.timestamp
    epoch = manifest.origin_ms // 1000
    local = datetime.fromtimestamp(epoch, zone(manifest.tz))
    return local.strftime("%Y-%m-%d %H:%M:%S"), epoch


def scenario_row(item: Reached) -> dict:
    manifest = _loaded(item)
    when, epoch = fault_time(manifest)
    fault = manifest.fault
    counts = manifest.counts
    return {
        "id": str(item.scenario),
        "time": when,
        "tz": manifest.tz,
        "epoch": epoch,
        "level": fault.level if fault else "",
        "component": fault.component if fault else "",
        "namespace": manifest.namespace,
        "reason": fault.reason if fault else "",
        "fault_free": manifest.fault_free,
        "series": counts.series,
        "samples": counts.samples,
        "spans": counts.spans,
        "traces": counts.traces,
        "log_lines": counts.log_lines,
        "manifest": item.manifest_digest,
    }


@dataclass(frozen=True)
class Sizes:
    referenced: int  # stored bytes of the manifest and every part, counted per reference
    unique: int  # stored bytes of distinct parts (for one scenario: parts no other scenario shares)
    raw: int  # decompressed bytes of the parts


def size_rows(items: Iterable[Reached]) -> tuple[list[dict], dict]:
    """Per-scenario sizes and store totals (with the dedup ratio referenced/unique).

    Sizes are of parts and manifests as stored; packs hold exactly these bytes (plus parts no
    ref reaches until gc repacks them), indexes add 44 bytes per part.
    """
    items = list(items)
    loaded = [(item, _loaded(item)) for item in items]
    users = Counter(digest for item in items for digest in item.parts())
    rows: list[dict] = []
    for item, manifest in loaded:
        parts = item.parts()
        sizes = Sizes(
            referenced=item.manifest_size + sum(p.size for p in manifest.parts),
            unique=item.manifest_size
            + sum(size for digest, size in parts.items() if users[digest] == 1),
            raw=sum(p.raw_size for p in manifest.parts),
        )
        rows.append(
            {
                "id": str(item.scenario),
                "parts": len(manifest.parts),
                "referenced_bytes": sizes.referenced,
                "unique_bytes": sizes.unique,
                "raw_bytes": sizes.raw,
                "manifest": item.manifest_digest,
            }
        )
    referenced = sum(row["referenced_bytes"] for row in rows)
    unique = sum(reachable(items).values()) + sum(item.manifest_size for item in items)
    totals = {
        "scenarios": len(rows),
        "referenced_bytes": referenced,
        "unique_bytes": unique,
        "raw_bytes": sum(row["raw_bytes"] for row in rows),
        "parts": len(users),
        "dedup_ratio": round(referenced / unique, 3) if unique else None,
    }
    return rows, totals


def _loaded(item: Reached) -> Manifest:
    if item.manifest is None:
        raise StoreError(
            f"scenario {item.scenario}: manifest {item.manifest_digest} unreadable: {item.error}"
        )
    return item.manifest
