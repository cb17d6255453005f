"""The AIOpsLab problem set of compiled scenarios, built from their manifests alone.

Nothing here knows a dataset format: every answer, name and signal comes from the manifest
(`schemas/manifest.py`), so a new format that writes manifests gives problems with no change here.

Per fault scenario: a Detection problem ("Yes"), a Localization problem (answers: the manifest's
`fault.accepted`) and, when the format defines analysis labels (`fault.analysis`), an Analysis
problem (`(system_level, fault_type)`); a format without them gets no Analysis problem for that
scenario (`ProblemSet.without_analysis` counts them, the `problems` command says so). Per
fault-free window: a Detection problem ("No").

Problem ids: `<dataset>-<system>-<task>-<name>`, the scenario id's three parts with the task
between system and name, e.g. `openrca-market-cloudbed-1-localization-017` for scenario
`openrca-market/cloudbed-1/017`, `openrca-telecom-telecom-detection-ff-003` for a fault-free window.

Shared tables instead of copies per problem:
- `environments`: what the agent finds in a scenario's namespace (signals, nodes, services, pods
  with service and node, the dataset's time zone), keyed by a digest of its content; problems of
  scenarios with equal content share one entry.
- `systems` (`<dataset>/<system>`): the answer space (level -> names) and, per level, which
  names a Localization answer may give relative to the faulty component (`RELATIONS`): the same
  for every problem of the system, so a description can state the rule without telling the level
  of the fault at hand.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from replaybed.k8s.errors import DeployConfigError
from replaybed.k8s.names import pod_names
from replaybed.schemas.manifest import SIGNALS, Fault, Manifest, canonical_json

TASKS = ("detection", "localization", "analysis")

# What a Localization answer may name, relative to the fault's component:
#   component: the component itself; service: the service of the faulty pod; node: the node the
#   faulty pod ran on; pods: any pod of the faulty service (every one of them is accepted).
RELATIONS = ("component", "service", "node", "pods")
# a level no fault of the store has: its component alone is assumed to count
DEFAULT_RELATIONS = ("component",)


@dataclass(frozen=True)
class PodRef:
    """One pod of the scenario as the agent may name it: its service and node (None if unknown)."""

    name: str
    service: str
    node: str | None = None
    # the Pod's Kubernetes name where the dataset's is not a valid one (k8s.names), else None
    kube_name: str | None = None


@dataclass(frozen=True)
class Environment:
    """What a scenario's namespace holds for the agent: the signals recorded and the components."""

    tz: str
    signals: tuple[str, ...]
    nodes: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    pods: tuple[PodRef, ...] = ()

    @classmethod
    def of(cls, manifest: Manifest) -> Environment:
        kube = pod_names([p.name for p in manifest.pods])
        return cls(
            tz=manifest.tz,
            signals=tuple(s for s in SIGNALS if s in manifest.signals),
            nodes=tuple(manifest.nodes),
            services=tuple(manifest.services),
            pods=tuple(
                PodRef(p.name, p.service, p.node, None if kube[p.name] == p.name else kube[p.name])
                for p in manifest.pods
            ),
        )

    @property
    def key(self) -> str:
        """`env-` + 16 hex digits of the sha256 of the canonical JSON: equal content, equal key."""
        return "env-" + hashlib.sha256(canonical_json(self.to_dict())).hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for key in ("signals", "nodes", "services"):
            d[key] = list(d[key])
        d["pods"] = [{k: v for k, v in p.items() if k != "kube_name" or v} for p in d["pods"]]
        return d

    @classmethod
    def from_dict(cls, obj: Any, where: str) -> Environment:
        if not isinstance(obj, dict):
            raise DeployConfigError(f"{where}: expected a JSON object, got {type(obj).__name__}")
        try:
            return cls(
                **{
                    **obj,
                    "signals": tuple(obj["signals"]),
                    "nodes": tuple(obj["nodes"]),
                    "services": tuple(obj["services"]),
                    "pods": tuple(PodRef(**p) for p in obj["pods"]),
                }
            )
        except (KeyError, TypeError) as exc:
            raise DeployConfigError(f"{where}: bad environment: {exc}") from None


@dataclass(frozen=True)
class SystemAnswers:
    """The answer space of one system and the Localization rule of each of its levels."""

    dataset: str
    system: str
    namespace: str
    levels: dict[str, tuple[str, ...]]  # level -> valid component names (the manifest's)
    rules: dict[str, tuple[str, ...]]  # level -> RELATIONS every fault of that level accepts

    @property
    def key(self) -> str:
        return f"{self.dataset}/{self.system}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "system": self.system,
            "namespace": self.namespace,
            "levels": {k: list(v) for k, v in self.levels.items()},
            "rules": {k: list(v) for k, v in self.rules.items()},
        }

    @classmethod
    def from_dict(cls, obj: Any, where: str) -> SystemAnswers:
        if not isinstance(obj, dict):
            raise DeployConfigError(f"{where}: expected a JSON object, got {type(obj).__name__}")
        try:
            return cls(
                **{
                    **obj,
                    "levels": {str(k): tuple(v) for k, v in obj["levels"].items()},
                    "rules": {str(k): tuple(v) for k, v in obj["rules"].items()},
                }
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise DeployConfigError(f"{where}: bad system entry: {exc}") from None


@dataclass(frozen=True)
class Problem:
    id: str
    scenario: str
    task: str
    dataset: str
    system: str
    namespace: str
    answers: tuple[str, ...]
    environment: str  # key into ProblemSet.environments
    # the record the answers come from (None for fault-free windows); the static injector reports it
    level: str | None = None
    component: str | None = None
    reason: str | None = None
    fault_time: str | None = None  # the record's time, in the dataset's zone (environment.tz)

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise DeployConfigError(
                f"problem {self.id}: task {self.task!r}, expected one of {TASKS}"
            )
        if not self.answers:
            raise DeployConfigError(f"problem {self.id}: no expected answer")

    @property
    def system_key(self) -> str:
        return f"{self.dataset}/{self.system}"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["answers"] = list(d["answers"])
        return d

    @classmethod
    def from_dict(cls, obj: Any, where: str) -> Problem:
        if not isinstance(obj, dict):
            raise DeployConfigError(
                f"{where}: a problem must be a JSON object, got {type(obj).__name__}"
            )
        try:
            return cls(**{**obj, "answers": tuple(obj["answers"])})
        except (KeyError, TypeError) as exc:
            raise DeployConfigError(f"{where}: bad problem {obj.get('id', '?')!r}: {exc}") from None


@dataclass(frozen=True)
class ProblemSet:
    """Problems sorted by id, and the tables they refer to (every reference resolves)."""

    problems: tuple[Problem, ...]
    environments: dict[str, Environment] = field(default_factory=dict)
    systems: dict[str, SystemAnswers] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for p in self.problems:
            if p.environment not in self.environments:
                raise DeployConfigError(
                    f"problem {p.id}: environment {p.environment!r} is not in the set"
                )
            if p.system_key not in self.systems:
                raise DeployConfigError(
                    f"problem {p.id}: system {p.system_key!r} is not in the set"
                )

    def without_analysis(self) -> dict[str, int]:
        """system -> fault scenarios that have no Analysis problem (no labels in the dataset)."""
        analysed = {p.scenario for p in self.problems if p.task == "analysis"}
        faults = {p.scenario: p.system_key for p in self.problems if p.task == "localization"}
        return dict(sorted(Counter(k for s, k in faults.items() if s not in analysed).items()))


def problem_id(manifest: Manifest, task: str) -> str:
    return f"{manifest.dataset}-{manifest.system}-{task}-{manifest.scenario}"


def relations(fault: Fault, pods: Mapping[str, PodRef]) -> set[str]:
    """Which RELATIONS the fault's accepted names cover."""
    accepted = set(fault.accepted)
    out = {"component"} if fault.component in accepted else set()
    pod = pods.get(fault.component)
    if pod is not None and pod.service in accepted:
        out.add("service")
    if pod is not None and pod.node is not None and pod.node in accepted:
        out.add("node")
    members = {p.name for p in pods.values() if p.service == fault.component}
    if members and members <= accepted:
        out.add("pods")
    return out


def _fault_answers(manifest: Manifest) -> dict[str, tuple[str, ...]]:
    fault = manifest.fault
    assert fault is not None
    sid = manifest.id
    levels = manifest.answer_space.levels
    if fault.level not in levels:
        raise DeployConfigError(
            f"scenario {sid}: fault level {fault.level!r} is not in the manifest's answer space "
            f"(levels: {', '.join(sorted(levels)) or 'none'})"
        )
    if not fault.accepted or not all(isinstance(a, str) and a for a in fault.accepted):
        raise DeployConfigError(
            f"scenario {sid}: the manifest's fault.accepted is {list(fault.accepted)!r}; expected "
            "the component names a Localization answer may give (recompile with a format that "
            "lists them)"
        )
    answers = {"detection": ("Yes",), "localization": tuple(fault.accepted)}
    if fault.analysis is not None:
        answers["analysis"] = (fault.analysis.system_level, fault.analysis.fault_type)
    return answers


def problems_of(manifest: Manifest, environment: str | None = None) -> list[Problem]:
    """The problems of one scenario: Detection, Localization and (with labels) Analysis for a
    fault, Detection ("No") for a fault-free window."""
    common: dict[str, Any] = dict(
        scenario=str(manifest.id),
        dataset=manifest.dataset,
        system=manifest.system,
        namespace=manifest.namespace,
        environment=environment or Environment.of(manifest).key,
    )
    fault = manifest.fault
    if fault is None:
        return [
            Problem(problem_id(manifest, "detection"), task="detection", answers=("No",), **common)
        ]
    truth: dict[str, Any] = dict(
        level=fault.level, component=fault.component, reason=fault.reason, fault_time=fault.datetime
    )
    return [
        Problem(problem_id(manifest, task), task=task, answers=answers, **common, **truth)
        for task, answers in _fault_answers(manifest).items()
    ]


def _system_answers(manifests: list[Manifest]) -> SystemAnswers:
    """One system's answer space (all its manifests must agree) and its Localization rules."""
    first = manifests[0]
    for m in manifests[1:]:
        if m.namespace != first.namespace or m.answer_space.levels != first.answer_space.levels:
            what = "namespace" if m.namespace != first.namespace else "answer space"
            raise DeployConfigError(
                f"scenarios {first.id} and {m.id} of one system disagree on the {what}; "
                "recompile the system into the store with one replaybed version"
            )
    seen: dict[str, set[str]] = {}
    for m in manifests:
        if m.fault is not None:
            pods = {p.name: PodRef(p.name, p.service, p.node) for p in m.pods}
            found = relations(m.fault, pods)
            seen[m.fault.level] = seen[m.fault.level] & found if m.fault.level in seen else found
    rules = {
        level: tuple(r for r in RELATIONS if r in seen[level])
        if level in seen
        else DEFAULT_RELATIONS
        for level in first.answer_space.levels
    }
    return SystemAnswers(
        first.dataset, first.system, first.namespace, dict(first.answer_space.levels), rules
    )


def problem_set(manifests: Iterable[Manifest]) -> ProblemSet:
    """All problems of the given scenarios, sorted by id; two scenarios with one id is an error."""
    by_id: dict[str, Problem] = {}
    environments: dict[str, Environment] = {}
    per_system: dict[str, list[Manifest]] = {}
    for manifest in manifests:
        env = Environment.of(manifest)
        environments.setdefault(env.key, env)
        per_system.setdefault(f"{manifest.dataset}/{manifest.system}", []).append(manifest)
        for problem in problems_of(manifest, env.key):
            if problem.id in by_id:
                raise DeployConfigError(
                    f"problem id {problem.id} comes from both {by_id[problem.id].scenario} "
                    f"and {problem.scenario}"
                )
            by_id[problem.id] = problem
    systems = {key: _system_answers(ms) for key, ms in sorted(per_system.items())}
    return ProblemSet(
        tuple(by_id[k] for k in sorted(by_id)), dict(sorted(environments.items())), systems
    )
