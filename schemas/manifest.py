"""Scenario manifests: what a compiled scenario is made of, as canonical JSON.

A manifest is itself a blob (zstd of the canonical JSON) addressed by its sha256, and a ref points
at it. Every time in a manifest is in milliseconds relative to `origin_ms`'s instant (the fault for
fault scenarios, the window's reference point for fault-free ones). `origin_ms` is the one dataset
time the runtime needs: parts keep their original dataset timestamps, and
`shift = anchor - origin_ms` moves them to replay time. No replay wall-clock time is stored.

Window rule shared by compiler and runtime: an item (metric sample, span, log line) belongs to the
scenario iff `window.start_ms <= t - origin_ms < window.end_ms`, where t is the sample timestamp,
the span start or the log line time. The window edges are the requested before/after snapped
outwards to whole minutes of dataset time, so minute-bucketed frames are entirely in or out.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from replaybed.schemas import media_types
from replaybed.schemas.errors import SchemaError
from replaybed.schemas.scenario_id import ScenarioId

SCHEMA_VERSION = 1
MINUTE_MS = 60_000
_TZ = re.compile(r"^[+-](0\d|1[0-4]):[0-5]\d$")


@dataclass(frozen=True)
class Fault:
    """One record.csv row, exactly as recorded (timestamp in epoch seconds, datetime in UTC+8)."""

    row: int
    timestamp: int
    datetime: str
    level: str
    component: str
    reason: str


@dataclass(frozen=True)
class Query:
    """The matching query.csv row (row i of query.csv belongs to row i of record.csv)."""

    task_index: str
    instruction: str
    scoring_points: str


@dataclass(frozen=True)
class Window:
    before_ms: int
    after_ms: int
    start_ms: int
    end_ms: int

    @classmethod
    def around(cls, origin_ms: int, before_ms: int, after_ms: int) -> Window:
        if before_ms < 0 or after_ms <= 0:
            raise SchemaError(
                f"invalid window: before={before_ms} ms, after={after_ms} ms; expected before >= 0 and after > 0"
            )
        start = ((origin_ms - before_ms) // MINUTE_MS) * MINUTE_MS
        end = -((-(origin_ms + after_ms)) // MINUTE_MS) * MINUTE_MS
        return cls(before_ms, after_ms, start - origin_ms, end - origin_ms)

    def contains(self, t_rel_ms: int) -> bool:
        return self.start_ms <= t_rel_ms < self.end_ms


@dataclass(frozen=True)
class PartRef:
    """A blob the scenario uses. `start_ms`/`end_ms` bound every item in it (half-open), relative to origin."""

    kind: str
    media_type: str
    digest: str
    size: int
    raw_size: int
    start_ms: int
    end_ms: int
    count: int
    pod: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in media_types.PART_KINDS:
            raise SchemaError(
                f"part {self.digest}: unknown kind {self.kind!r}, expected one of {media_types.PART_KINDS}"
            )
        if self.media_type != media_types.for_kind(self.kind):
            raise SchemaError(
                f"part {self.digest}: media type {self.media_type!r} does not match kind {self.kind!r}"
            )
        if not (
            isinstance(self.digest, str)
            and self.digest.startswith("sha256:")
            and len(self.digest) == 71
        ):
            raise SchemaError(
                f"part digest {self.digest!r}: expected 'sha256:' followed by 64 hex digits"
            )
        if self.size < 0 or self.raw_size < 0 or self.count < 0 or self.end_ms < self.start_ms:
            raise SchemaError(f"part {self.digest}: negative size/count or end before start")


@dataclass(frozen=True)
class Pod:
    name: str
    service: str
    node: str | None
    log_lines: int = 0


@dataclass(frozen=True)
class Counts:
    """Items inside the window, i.e. exactly what a full replay sends."""

    series: int = 0
    samples: int = 0
    spans: int = 0
    traces: int = 0
    log_lines: int = 0


@dataclass(frozen=True)
class Manifest:
    dataset: str
    system: str
    scenario: str
    fault_free: bool
    origin_ms: int
    window: Window
    chunk_ms: int
    namespace: str
    parts: tuple[PartRef, ...]
    pods: tuple[Pod, ...]
    services: tuple[str, ...]
    nodes: tuple[str, ...]
    counts: Counts
    fault: Fault | None = None
    query: Query | None = None
    unknown_names: dict[str, int] = field(default_factory=dict)
    compiler: dict[str, str] = field(default_factory=dict)
    # the dataset's wall-clock zone as a UTC offset ("+08:00" for Market), for showing dataset times
    tz: str = "+00:00"
    schema: int = SCHEMA_VERSION

    def __post_init__(self) -> None:
        if not _TZ.match(self.tz):
            raise SchemaError(f"manifest {self.id}: tz {self.tz!r} is not a UTC offset like +08:00")
        if self.fault_free != (self.fault is None):
            raise SchemaError(
                f"manifest {self.id}: fault_free={self.fault_free} but fault record is "
                f"{'absent' if self.fault is None else 'present'}"
            )

    @property
    def id(self) -> ScenarioId:
        return ScenarioId(self.dataset, self.system, self.scenario)

    def parts_of(self, kind: str, pod: str | None = None) -> list[PartRef]:
        """Parts of one kind (and pod, for logs) that overlap the window, oldest first."""
        return sorted(
            (
                p
                for p in self.parts
                if p.kind == kind
                and (pod is None or p.pod == pod)
                and p.start_ms < self.window.end_ms
                and p.end_ms > self.window.start_ms
            ),
            key=lambda p: (p.start_ms, p.pod or ""),
        )

    # canonical JSON -----------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> bytes:
        """Canonical bytes: sorted keys, no whitespace, UTF-8. Equal manifests give equal bytes."""
        return canonical_json(self.to_dict())

    @classmethod
    def from_json(cls, data: bytes | str, where: str = "manifest") -> Manifest:
        try:
            obj = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise SchemaError(f"{where}: not valid JSON ({exc})") from exc
        return cls.from_dict(obj, where)

    @classmethod
    def from_dict(cls, obj: Any, where: str = "manifest") -> Manifest:
        if not isinstance(obj, dict):
            raise SchemaError(f"{where}: expected a JSON object, got {type(obj).__name__}")
        version = obj.get("schema")
        if version != SCHEMA_VERSION:
            raise SchemaError(
                f"{where}: manifest schema {version!r} is not supported; this replaybed reads schema {SCHEMA_VERSION}"
            )
        try:
            return cls(
                dataset=obj["dataset"],
                system=obj["system"],
                scenario=obj["scenario"],
                fault_free=bool(obj["fault_free"]),
                origin_ms=int(obj["origin_ms"]),
                window=_build(Window, obj["window"], where),
                chunk_ms=int(obj["chunk_ms"]),
                namespace=obj["namespace"],
                parts=tuple(_build(PartRef, p, where) for p in obj["parts"]),
                pods=tuple(_build(Pod, p, where) for p in obj["pods"]),
                services=tuple(obj["services"]),
                nodes=tuple(obj["nodes"]),
                counts=_build(Counts, obj["counts"], where),
                fault=None if obj.get("fault") is None else _build(Fault, obj["fault"], where),
                query=None if obj.get("query") is None else _build(Query, obj["query"], where),
                unknown_names=dict(obj.get("unknown_names", {})),
                compiler=dict(obj.get("compiler", {})),
                tz=obj.get("tz", "+00:00"),
                schema=version,
            )
        except KeyError as exc:
            raise SchemaError(f"{where}: missing field {exc.args[0]!r}") from None


def _build(kind: type, obj: Any, where: str):
    if not isinstance(obj, dict):
        raise SchemaError(f"{where}: {kind.__name__} must be an object, got {type(obj).__name__}")
    names = {f.name for f in fields(kind)}
    unknown = set(obj) - names
    if unknown:
        raise SchemaError(f"{where}: unknown {kind.__name__} field(s) {sorted(unknown)}")
    try:
        return kind(**obj)
    except TypeError as exc:
        raise SchemaError(f"{where}: bad {kind.__name__}: {exc}") from None


def canonical_json(obj: Any) -> bytes:
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()
