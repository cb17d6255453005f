"""AIOpsLab problems for replayed OpenRCA incidents.

Install as `aiopslab/orchestrator/problems/openrca_replay.py`. Problems, their ground truth and
their scenario's components come from replaybed's problems.json (`replaybed deploy problems
--store URL -o problems.json`), found at $REPLAYBED_PROBLEMS or
`aiopslab/service/metadata/openrca-problems.json`.
Read against microsoft/AIOpsLab ddf7e40.

Register them once before the orchestrator is created (no AIOpsLab file is edited):

    from aiopslab.orchestrator.problems import openrca_replay
    openrca_replay.install()

install() makes every ProblemRegistry() hold the problems and extends TaskActions.get_logs for the
replayed namespaces (those named in problems.json; every other namespace goes to AIOpsLab's own
get_logs, unchanged): there `get_logs(namespace, name)` takes a pod name (that pod's logs) or a
service name (the logs of every pod of the service, each headed by its pod name), read with
AIOpsLab's KubeCtl and compressed like AIOpsLab's own get_logs output.

Answers: Detection "Yes"/"No"; Localization a list of components, each the faulty pod or its
service (pod-level faults), the service (service-level) or the node (node-level); Analysis
{"system_level": ..., "fault_type": ...} compared case-insensitively. Every task description lists
the namespace's nodes, services and pods, and the Localization one says which names count for
which kind of fault, never which kind this one is.
"""

import functools
import json
import os
import textwrap

from aiopslab.generators.fault.inject_openrca import StaticFaultInjector
from aiopslab.orchestrator.actions import base as actions_base
from aiopslab.orchestrator.actions.log_deduplication import greedy_compress_lines
from aiopslab.orchestrator.evaluators.quantitative import is_exact_match_lower
from aiopslab.orchestrator.problems.registry import ProblemRegistry
from aiopslab.orchestrator.tasks import AnalysisTask, DetectionTask, LocalizationTask
from aiopslab.paths import BASE_DIR
from aiopslab.service.apps.openrca_replay import OpenRCAReplay
from aiopslab.service.kubectl import KubeCtl

DEFAULT_PROBLEMS = BASE_DIR / "service" / "metadata" / "openrca-problems.json"
SCHEMA = 2

# What AIOpsLab's Localization text says (ddf7e40) and what it becomes for the replayed problems.
SERVICE_ONLY = "(i.e., service names)"
ANY_COMPONENT = "(i.e., node, service or pod names, as the task description lists them)"
SERVICE_TARGET = "identify the service(s) where"
ANY_TARGET = "identify the component(s) (nodes, services or pods) where"

LOCALIZATION_RULES = """\
Which names count (the same rule for every problem; the kind of fault is for you to find out):
- a fault on a node (e.g. its CPU, memory or disk): only that node's name counts;
- a fault that hit a whole service (all of its pods): only the service's name counts;
- a fault in one pod: that pod's name or its service's name counts.
Every name you submit must be one that counts: an extra wrong name lowers the score."""


def _components(spec: dict) -> str:
    """The namespace's components as the agent may name them, from problems.json."""
    pods_of: dict = {}
    for p in spec.get("pods") or []:
        pods_of.setdefault(p["service"], []).append(f"{p['name']} on {p.get('node') or '?'}")
    lines = [
        f"Components of namespace {spec['namespace']}:",
        "- nodes: " + (", ".join(spec.get("nodes") or []) or "(none recorded)"),
        "- services: " + (", ".join(spec.get("services") or []) or "(none recorded)"),
        "- pods of each service (pod on node):",
    ]
    lines += [f"  - {service}: {', '.join(pods)}" for service, pods in sorted(pods_of.items())]
    return "\n".join(lines)


def _with_section(template: str, section: str) -> str:
    """AIOpsLab's description template (dedented) with one more section; braces kept literal."""
    body = textwrap.dedent(template).rstrip("\n")
    return body + "\n\n" + section.replace("{", "{{").replace("}", "}}") + "\n"


class OpenRCABaseTask:
    def __init__(self, spec: dict):
        self.spec = dict(spec)
        self.problem_id = spec["id"]
        self.app = OpenRCAReplay(spec["cloudbed"], spec["scenario"])
        if self.app.namespace != spec["namespace"]:
            # the agent is told the metadata's namespace; the replay must land in the same one
            raise ValueError(
                f"problem {spec['id']}: problems.json says namespace {spec['namespace']!r} "
                f"but the {spec['cloudbed']} metadata says {self.app.namespace!r}"
            )
        self.kubectl = self.app.kubectl
        self.namespace = self.app.namespace
        self.faulty_service = spec.get("component")
        self.expected = list(spec["answers"])
        self.injector = StaticFaultInjector(self.namespace, spec)

    def _describe_components(self):
        """Append the namespace's components to the task's own description (after its __init__)."""
        self.task_desc = _with_section(self.task_desc, _components(self.spec))

    def start_workload(self):
        # the recording already holds the traffic; replaybed paces it to the wall clock
        print("== Start Workload == (recorded traffic is replayed; nothing to start)")

    def inject_fault(self):
        print("== Fault Injection ==")
        self.injector._inject()

    def recover_fault(self):
        print("== Fault Recovery ==")
        self.injector._recover()


class OpenRCADetection(OpenRCABaseTask, DetectionTask):
    def __init__(self, spec: dict):
        OpenRCABaseTask.__init__(self, spec)
        DetectionTask.__init__(self, self.app)
        self._describe_components()

    def eval(self, soln, trace, duration):
        print("== Evaluation ==")
        if isinstance(soln, str):
            correct = soln.strip().lower() == self.expected[0].lower()
            self.add_result("Detection Accuracy", "Correct" if correct else "Incorrect")
        else:
            correct = False
            self.add_result("Detection Accuracy", "Invalid Format")
        self.results["success"] = correct
        return super().eval(soln, trace, duration)


class OpenRCALocalization(OpenRCABaseTask, LocalizationTask):
    def __init__(self, spec: dict):
        OpenRCABaseTask.__init__(self, spec)
        LocalizationTask.__init__(self, self.app)
        # AIOpsLab asks for service names; here nodes and pods count too (see LOCALIZATION_RULES)
        text = textwrap.dedent(self.task_desc)
        text = text.replace(SERVICE_ONLY, ANY_COMPONENT).replace(SERVICE_TARGET, ANY_TARGET)
        self.task_desc = _with_section(text, _components(spec) + "\n\n" + LOCALIZATION_RULES)

    def get_available_actions(self):
        # submit's docstring says "(i.e., service names)" too
        return {
            name: doc.replace(SERVICE_ONLY, ANY_COMPONENT) if name == "submit" else doc
            for name, doc in super().get_available_actions().items()
        }

    def eval(self, soln, trace, duration):
        print("== Evaluation ==")
        answers = [soln] if isinstance(soln, str) else soln
        if (
            not isinstance(answers, list)
            or not answers
            or not all(isinstance(a, str) for a in answers)
        ):
            accuracy, hits, answers = 0.0, 0, []
        else:
            accepted = set(self.expected)
            hits = sum(a.strip() in accepted for a in answers)
            # every named component must be an accepted one (pod and its service may both be named)
            accuracy = 100.0 * hits / len(answers)
        self.add_result("Localization Accuracy", accuracy)
        self.results["success"] = bool(answers) and hits == len(answers)
        self.results["is_subset"] = hits > 0
        super().eval(soln, trace, duration)
        return self.results


class OpenRCAAnalysis(OpenRCABaseTask, AnalysisTask):
    def __init__(self, spec: dict):
        OpenRCABaseTask.__init__(self, spec)
        AnalysisTask.__init__(self, self.app)
        self._describe_components()

    def eval(self, soln, trace, duration):
        print("== Evaluation ==")
        level, fault_type = self.expected
        if isinstance(soln, dict):
            level_ok = is_exact_match_lower(str(soln.get("system_level", "")).strip(), level)
            type_ok = is_exact_match_lower(str(soln.get("fault_type", "")).strip(), fault_type)
        else:
            level_ok = type_ok = False
        self.results["system_level_correct"] = level_ok
        self.results["fault_type_correct"] = type_ok
        self.results["success"] = level_ok and type_ok
        super().eval(soln, trace, duration)
        return self.results


TASK_CLASSES = {
    "detection": OpenRCADetection,
    "localization": OpenRCALocalization,
    "analysis": OpenRCAAnalysis,
}


def load_problems(path=None) -> list:
    path = path or os.environ.get("REPLAYBED_PROBLEMS") or DEFAULT_PROBLEMS
    with open(path, encoding="utf-8") as fh:
        doc = json.load(fh)
    if (
        not isinstance(doc, dict)
        or doc.get("schema") != SCHEMA
        or not isinstance(doc.get("problems"), list)
    ):
        found = doc.get("schema") if isinstance(doc, dict) else type(doc).__name__
        raise ValueError(
            f"{path}: not a replaybed problems.json of schema {SCHEMA} (found schema {found!r}); "
            "regenerate it with `replaybed deploy problems --store URL -o problems.json`"
        )
    return doc["problems"]


def problem_factories(path=None) -> dict:
    """problem id -> zero-argument factory, the shape of ProblemRegistry.PROBLEM_REGISTRY."""
    # bind spec per entry: a bare `lambda: cls(spec)` in the loop would see only the last spec
    return {
        spec["id"]: (lambda cls=TASK_CLASSES[spec["task"]], spec=spec: cls(spec))
        for spec in load_problems(path)
    }


def register(registry, path=None) -> int:
    """Add the OpenRCA problems to one ProblemRegistry instance; returns how many were added."""
    factories = problem_factories(path)
    registry.PROBLEM_REGISTRY.update(factories)
    return len(factories)


def namespace_pods(problems: list) -> dict:
    """namespace -> scenario -> {pod: service}, for every namespace problems.json names."""
    out = {}
    for spec in problems:
        pods = out.setdefault(spec["namespace"], {}).setdefault(spec["scenario"], {})
        pods.update({p["name"]: p["service"] for p in spec.get("pods") or []})
    return out


def replay_logs(namespace: str, name: str, pods: dict) -> str:
    """Logs of pod `name`, or of every pod of service `name`, in a replayed namespace."""
    if name in pods:
        chosen = [name]
    else:
        chosen = sorted(p for p, service in pods.items() if service == name)
    if not chosen:
        services = sorted(set(pods.values()))
        return (
            f"Error: {name!r} is neither a service nor a pod of namespace {namespace}. "
            f"Services: {', '.join(services)}. Pods: {', '.join(sorted(pods))}."
        )
    kubectl = KubeCtl()
    sections = []
    for pod in chosen:
        try:
            text = greedy_compress_lines(kubectl.get_pod_logs(pod, namespace))
        except Exception as exc:  # noqa: BLE001 - one unreadable pod must not hide the others
            text = f"Error: cannot read the logs of pod {pod} in namespace {namespace}: {exc}"
        sections.append(text if len(chosen) == 1 else f"==== pod {pod} ====\n{text}")
    return "\n\n".join(sections)


def install_get_logs(problems: list) -> None:
    """Extend TaskActions.get_logs for the namespaces of `problems`; others go to the original."""
    TaskActions = actions_base.TaskActions
    if getattr(TaskActions.get_logs, "_openrca_replay", False):
        return
    original = TaskActions.get_logs
    by_namespace = namespace_pods(problems)

    @functools.wraps(original)  # keeps the name, signature and the action markers AIOpsLab reads
    def get_logs(namespace: str, service: str) -> str:
        scenarios = by_namespace.get(namespace)
        if scenarios is None:
            return original(namespace, service)
        deployed = OpenRCAReplay.deployed.get(namespace)
        if deployed in scenarios:
            pods = scenarios[deployed]
        else:
            pods = {p: s for per in scenarios.values() for p, s in per.items()}
        logs = replay_logs(namespace, service, pods)
        print(logs)
        return logs

    get_logs._openrca_replay = True
    get_logs.__doc__ = (original.__doc__ or "").rstrip() + (
        "\n\n        In the replayed namespaces (" + ", ".join(sorted(by_namespace)) + "),"
        "\n        `service` may also be a pod name: a pod name gives that pod's logs, a service"
        "\n        name the logs of every pod of the service, each headed by its pod name.\n"
    )
    TaskActions.get_logs = staticmethod(get_logs)


def install(path=None) -> None:
    """Make every ProblemRegistry created from now on include the OpenRCA problems, and let
    get_logs read the replayed namespaces' pods."""
    problems = load_problems(path)
    install_get_logs(problems)
    if getattr(ProblemRegistry, "_openrca_installed", False):
        return
    factories = problem_factories(path)
    original_init = ProblemRegistry.__init__

    def __init__(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        self.PROBLEM_REGISTRY.update(factories)

    ProblemRegistry.__init__ = __init__
    ProblemRegistry._openrca_installed = True
