"""The AIOpsLab problem set of a compiled dataset: three problems per fault scenario and one
Detection problem per fault-free window, each carrying its ground truth.

Problem ids: `openrca-<cb>-<task>-<name>`, where `<cb>` is `cb1`/`cb2` for
`cloudbed-1`/`cloudbed-2`, `<task>` is detection|localization|analysis and `<name>` is the
scenario name (`017`, the record.csv row, or `ff-003` for a fault-free window).
Example: `openrca-cb1-localization-017`.

Answers (`Problem.answers`), per task:
- detection: `("Yes",)` for a fault scenario, `("No",)` for a fault-free one;
- localization: every accepted component. A pod-level fault accepts the pod or its service
  (`adservice2-0` -> adservice, adservice2-0); a service-level fault accepts only the service (the
  fault hit all of its pods, so one pod is too narrow); a node-level fault accepts only the node;
- analysis: `(system_level, fault_type)` from `labels.ANALYSIS_LABELS`.

Every problem also carries its scenario's components, copied from the manifest: `nodes`, `services`
and `pods` (name, service, node). They are the answer space the glue shows the agent (node, service
and pod names of this namespace, whatever the fault's level) and the names `get_logs` accepts in a
replayed namespace; nothing in them depends on the dataset, so any format's manifests give them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from replaybed.k8s.aiopslab.labels import analysis_labels
from replaybed.k8s.errors import DeployConfigError
from replaybed.schemas.manifest import Manifest

TASKS = ("detection", "localization", "analysis")
_CLOUDBED = re.compile(r"^cloudbed-(\d+)$")


@dataclass(frozen=True)
class PodRef:
    """One pod of the scenario as the agent may name it: its service and node (None if unknown)."""

    name: str
    service: str
    node: str | None = None


@dataclass(frozen=True)
class Problem:
    id: str
    scenario: str
    task: str
    namespace: str
    cloudbed: str
    answers: tuple[str, ...]
    # the record the answers come from (None for fault-free windows); the static injector reports it
    level: str | None = None
    component: str | None = None
    reason: str | None = None
    fault_time: str | None = None
    # the scenario's components (from the manifest): the answer space and get_logs' names
    nodes: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    pods: tuple[PodRef, ...] = ()

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise DeployConfigError(
                f"problem {self.id}: task {self.task!r}, expected one of {TASKS}"
            )
        if not self.answers:
            raise DeployConfigError(f"problem {self.id}: no expected answer")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for key in ("answers", "nodes", "services"):
            d[key] = list(d[key])
        d["pods"] = [dict(p) for p in d["pods"]]
        return d

    @classmethod
    def from_dict(cls, obj: Any, where: str) -> Problem:
        if not isinstance(obj, dict):
            raise DeployConfigError(
                f"{where}: a problem must be a JSON object, got {type(obj).__name__}"
            )
        try:
            return cls(
                **{
                    **obj,
                    "answers": tuple(obj["answers"]),
                    "nodes": tuple(obj.get("nodes", ())),
                    "services": tuple(obj.get("services", ())),
                    "pods": tuple(PodRef(**p) for p in obj.get("pods", ())),
                }
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise DeployConfigError(f"{where}: bad problem {obj.get('id', '?')!r}: {exc}") from None


def service_of(pod: str) -> str:
    """The OpenRCA service of a pod: `adservice2-0` and `adservice-1` both belong to `adservice`.

    Same rule as the compiler's catalog (k8s may not import compile); the tests check they agree.
    """
    base = pod.rsplit("-", 1)[0]
    return base[:-1] if base.endswith("2") else base


def accepted_components(level: str, component: str) -> tuple[str, ...]:
    if level == "pod":
        return tuple(sorted({component, service_of(component)}))
    if level in ("service", "node"):
        return (component,)
    raise DeployConfigError(
        f"fault component {component!r}: level {level!r}, expected pod, service or node"
    )


def short_cloudbed(system: str) -> str:
    match = _CLOUDBED.match(system)
    return f"cb{match.group(1)}" if match else system


def problem_id(system: str, task: str, name: str) -> str:
    return f"openrca-{short_cloudbed(system)}-{task}-{name}"


def problems_of(manifest: Manifest) -> list[Problem]:
    """The problems of one scenario: 3 for a fault, 1 (Detection, "No") for a fault-free window."""
    sid = manifest.id
    common: dict[str, Any] = dict(
        scenario=str(sid),
        namespace=manifest.namespace,
        cloudbed=sid.system,
        nodes=tuple(manifest.nodes),
        services=tuple(manifest.services),
        pods=tuple(PodRef(p.name, p.service, p.node) for p in manifest.pods),
    )
    fault = manifest.fault
    if fault is None:
        return [
            Problem(
                problem_id(sid.system, "detection", sid.name),
                task="detection",
                answers=("No",),
                **common,
            )
        ]
    truth: dict[str, Any] = dict(
        level=fault.level, component=fault.component, reason=fault.reason, fault_time=fault.datetime
    )
    answers = {
        "detection": ("Yes",),
        "localization": accepted_components(fault.level, fault.component),
        "analysis": analysis_labels(fault.reason, where=f"scenario {sid}"),
    }
    return [
        Problem(
            problem_id(sid.system, task, sid.name),
            task=task,
            answers=answers[task],
            **common,
            **truth,
        )
        for task in TASKS
    ]


def problems_from_manifests(manifests: Iterable[Manifest]) -> list[Problem]:
    """All problems of the given scenarios, sorted by id; two scenarios with one id is an error."""
    by_id: dict[str, Problem] = {}
    for manifest in manifests:
        for problem in problems_of(manifest):
            if problem.id in by_id:
                raise DeployConfigError(
                    f"problem id {problem.id} comes from both {by_id[problem.id].scenario} "
                    f"and {problem.scenario}"
                )
            by_id[problem.id] = problem
    return [by_id[k] for k in sorted(by_id)]
