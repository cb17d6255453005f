"""Every metric series one compile pass has seen: ids, Prometheus identities and placements.

Readers yield rows keyed by (table, entity, KPI name); the table interns each key once, asks the
format for its series (`DatasetFormat.map_metric`), and keeps the (pod, node) placements that
series prove. Ids are handed out in first-seen order, which the parts' byte order depends on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from replaybed.compile.datasets.base import Series

Mapper = Callable[[str, str, str], Series]  # (table, entity, name) -> series


@dataclass
class SeriesTable:
    mapper: Mapper
    ids: dict[tuple[str, str, str], int] = field(default_factory=dict)
    series: list[Series] = field(default_factory=list)
    sources: list[tuple[str, str]] = field(default_factory=list)  # (table, original name) by id
    node_of: dict[str, str] = field(default_factory=dict)  # pod -> node, first placement wins

    def id(self, table: str, entity: str, name: str) -> int:
        key = (table, entity, name)
        sid = self.ids.get(key)
        if sid is None:
            sid = self.ids[key] = len(self.series)
            mapped = self.mapper(table, entity, name)
            self.series.append(mapped)
            self.sources.append((table, name))
            if mapped.placement is not None:
                self.place(*mapped.placement)
        return sid

    def place(self, pod: str, node: str) -> None:
        self.node_of.setdefault(pod, node)
