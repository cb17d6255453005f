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

Nothing here is specific to one dataset format: a manifest carries everything the runtime, the
Kubernetes layer and the AIOpsLab glue need (pods with service and node, the answer space, the
dataset's time zone, which signals exist), so none of them needs to know where the data came from.

Schema 2 (this version) added `signals`, `answer_space` and, in `fault`, `accepted`, `analysis`
and `original`. The reader is strict: other versions and unknown or missing fields are refused.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, fields
from datetime import timedelta, timezone
from typing import Any

from replaybed.schemas import media_types
from replaybed.schemas.errors import SchemaError
from replaybed.schemas.scenario_id import ScenarioId

SCHEMA_VERSION = 2
MINUTE_MS = 60_000
_TZ = re.compile(r"^[+-](0\d|1[0-4]):[0-5]\d$")


# a signal is what a part kind carries: the same three words
SIGNALS = media_types.PART_KINDS


def tzinfo(tz: str) -> timezone:
    """The fixed zone of a manifest's `tz` (a UTC offset like "+08:00")."""
    if not _TZ.match(tz):
        raise SchemaError(f"tz {tz!r} is not a UTC offset like +08:00")
    sign = -1 if tz.startswith("-") else 1
    hours, minutes = tz[1:].split(":")
    return timezone(sign * timedelta(hours=int(hours), minutes=int(minutes)))


@dataclass(frozen=True)
class Analysis:
    """The AIOpsLab analysis labels of a fault reason, for formats that define them."""

    system_level: str
    fault_type: str


@dataclass(frozen=True)
class Fault:
    """One fault record as the dataset states it.

    `row` is the record's 0-based position in the format's record list, `timestamp` the fault
    instant in epoch seconds and `datetime` the same instant in the dataset's zone (`tz`).
    `accepted` are the component names a localization answer may give (a pod-level fault may
    accept the pod and its service); `analysis` the reason's analysis labels if the format
    defines them; `original` the record as read (column -> text), for humans and audits.
    """

    row: int
    timestamp: int
    datetime: str
    level: str
    component: str
    reason: str
    accepted: tuple[str, ...] = ()
    analysis: Analysis | None = None
    original: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, obj: Any, where: str) -> Fault:
        obj = _object(Fault, obj, where)
        analysis = obj["analysis"]
        return _build(
            cls,
            {
                **obj,
                "accepted": tuple(obj["accepted"]),
                "analysis": None if analysis is None else _build(Analysis, analysis, where),
                "original": dict(obj["original"]),
            },
            where,
        )


@dataclass(frozen=True)
class AnswerSpace:
    """What an answer may name: level -> valid component names, and the valid fault reasons."""

    levels: dict[str, tuple[str, ...]] = field(default_factory=dict)
    reasons: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, obj: Any, where: str) -> AnswerSpace:
        obj = _object(AnswerSpace, obj, where)
        levels = obj["levels"]
        if not isinstance(levels, dict):
            raise SchemaError(f"{where}: answer_space.levels must be an object")
        return _build(
            cls,
            {
                **obj,
                "levels": {str(k): tuple(v) for k, v in levels.items()},
                "reasons": tuple(obj["reasons"]),
            },
            where,
        )


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
    # the dataset's wall-clock zone as a UTC offset (e.g. "+08:00"), for showing dataset times
    tz: str = "+00:00"
    # the signals the dataset provides (a subset of SIGNALS): a format without logs says so here
    signals: tuple[str, ...] = SIGNALS
    answer_space: AnswerSpace = field(default_factory=AnswerSpace)
    schema: int = SCHEMA_VERSION

    def __post_init__(self) -> None:
        if not _TZ.match(self.tz):
            raise SchemaError(f"manifest {self.id}: tz {self.tz!r} is not a UTC offset like +08:00")
        odd = [s for s in self.signals if s not in SIGNALS]
        if odd or len(set(self.signals)) != len(self.signals):
            raise SchemaError(
                f"manifest {self.id}: signals {list(self.signals)}; expected distinct names "
                f"out of {', '.join(SIGNALS)}"
            )
        stray = sorted({p.kind for p in self.parts} - set(self.signals))
        if stray:
            raise SchemaError(
                f"manifest {self.id}: parts of kind {', '.join(stray)} but signals are "
                f"{', '.join(self.signals) or 'none'}"
            )
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
                fault=None if obj["fault"] is None else Fault.from_dict(obj["fault"], where),
                query=None if obj["query"] is None else _build(Query, obj["query"], where),
                unknown_names=dict(obj["unknown_names"]),
                compiler=dict(obj["compiler"]),
                tz=obj["tz"],
                signals=tuple(obj["signals"]),
                answer_space=AnswerSpace.from_dict(obj["answer_space"], where),
                schema=version,
            )
        except KeyError as exc:
            raise SchemaError(f"{where}: missing field {exc.args[0]!r}") from None


def _object(kind: type, obj: Any, where: str) -> dict:
    if not isinstance(obj, dict):
        raise SchemaError(f"{where}: {kind.__name__} must be an object, got {type(obj).__name__}")
    names = {f.name for f in fields(kind)}
    unknown = set(obj) - names
    if unknown:
        raise SchemaError(f"{where}: unknown {kind.__name__} field(s) {sorted(unknown)}")
    return obj


def _build(kind: type, obj: Any, where: str):
    _object(kind, obj, where)
    try:
        return kind(**obj)
    except TypeError as exc:
        raise SchemaError(f"{where}: bad {kind.__name__}: {exc}") from None


def canonical_json(obj: Any) -> bytes:
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()
