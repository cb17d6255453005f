"""AIOpsLab problems for incidents replayed by replaybed, from any dataset it compiles.

Install as `aiopslab/orchestrator/problems/replaybed.py`. Problems, their ground truth, their
scenario's components and signals come from replaybed's problems.json (`replaybed deploy problems
--store URL -o problems.json`), found at $REPLAYBED_PROBLEMS or
`aiopslab/service/metadata/replaybed-problems.json`. Read against microsoft/AIOpsLab ddf7e40.

Register them once before the orchestrator is created (no AIOpsLab file is edited):

    from aiopslab.orchestrator.problems import replaybed
    replaybed.install()

install() makes every ProblemRegistry() hold the problems and extends TaskActions.get_logs for the
replayed namespaces (those named in problems.json; every other namespace goes to AIOpsLab's own
get_logs, unchanged): there `get_logs(namespace, name)` takes a pod name (that pod's logs) or a
service name (the logs of every pod of the service, each headed by its pod name), read with
AIOpsLab's KubeCtl and compressed like AIOpsLab's own get_logs output; in a namespace whose
dataset recorded no logs it answers so.

Answers: Detection "Yes"/"No"; Localization a list of components, each one the dataset accepts
for the fault (problems.json `answers`); Analysis {"system_level": ..., "fault_type": ...}
compared case-insensitively (only for datasets that define these labels). Every task description
lists the namespace's nodes, services and pods; the Localization one gives the answer space and,
per kind of fault, which names count (the same text for every problem of a system: never which
kind this fault is).
"""

import functools
import json
import os
import textwrap

from aiopslab.generators.fault.inject_replay import StaticFaultInjector
from aiopslab.orchestrator.actions import base as actions_base
from aiopslab.orchestrator.actions.log_deduplication import greedy_compress_lines
from aiopslab.orchestrator.evaluators.quantitative import is_exact_match_lower
from aiopslab.orchestrator.problems.registry import ProblemRegistry
from aiopslab.orchestrator.tasks import AnalysisTask, DetectionTask, LocalizationTask
from aiopslab.paths import BASE_DIR
from aiopslab.service.apps.replaybed import ReplayApp
from aiopslab.service.kubectl import KubeCtl

DEFAULT_PROBLEMS = BASE_DIR / "service" / "metadata" / "replaybed-problems.json"
SCHEMA = 3

# What AIOpsLab's Localization text says (ddf7e40); the replayed problems name every kind of
# component their answer space has instead.
SERVICE_ONLY = "(i.e., service names)"
SERVICE_TARGET = "identify the service(s) where"

# the order kinds are listed in; levels of other names follow, sorted
LEVEL_ORDER = ("node", "service", "pod")
FAULT_OF_LEVEL = {
    "node": "a fault on a node",
    "service": "a fault that hit a whole service (all of its pods)",
    "pod": "a fault in one pod",
}
COMPONENT_NAME = {
    "node": "that node's name",
    "service": "the service's name",
    "pod": "that pod's name",
}
RELATION_NAME = {
    "service": "its service's name",
    "node": "its node's name",
    "pods": "the name of any of its pods",
}


def _levels(spec: dict) -> list:
    levels = list(spec["levels"])
    return [lv for lv in LEVEL_ORDER if lv in levels] + sorted(set(levels) - set(LEVEL_ORDER))


def _plural(level: str) -> str:
    return level if level.endswith("s") else level + "s"


def _either(words: list) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _rule(level: str, relations: list) -> str:
    fault = FAULT_OF_LEVEL.get(level, f"a fault of a {level}")
    names = [
        COMPONENT_NAME.get(level, f"that {level}'s name") if r == "component" else RELATION_NAME[r]
        for r in relations
    ]
    if not names:
        return f"- {fault}: the names that count differ from fault to fault"
    return f"- {fault}: " + ("only " if len(names) == 1 else "") + " or ".join(names) + " counts"


def localization_rules(spec: dict) -> str:
    """The answer space and, per kind of fault, the names that count: one text per system."""
    levels = _levels(spec)
    lines = [
        "Which names count (the same rule for every problem; the kind of fault is for you to find out):"
    ]
    lines += [_rule(lv, spec["rules"].get(lv, ["component"])) for lv in levels]
    lines.append("Names that may count, by kind:")
    lines += [f"- {_plural(lv)}: {', '.join(spec['levels'][lv])}" for lv in levels]
    lines.append(
        "Every name you submit must be one that counts: an extra wrong name lowers the score."
    )
    return "\n".join(lines)


def components(spec: dict) -> str:
    """The namespace's components as the agent may name them, from problems.json."""
    pods_of: dict = {}
    for p in spec["pods"]:
        named = f"{p['name']} on {p['node']}" if p.get("node") else p["name"]
        pods_of.setdefault(p["service"], []).append(named)
    every_node = all(p.get("node") for p in spec["pods"])
    lines = [
        f"Components of namespace {spec['namespace']}:",
        "- nodes: " + (", ".join(spec["nodes"]) or "(none recorded)"),
        "- services: " + (", ".join(spec["services"]) or "(none recorded)"),
        "- pods of each service ("
        + ("pod on node" if every_node else "pod, on its node where the dataset records it")
        + "):",
    ]
    lines += [f"  - {service}: {', '.join(pods)}" for service, pods in sorted(pods_of.items())]
    return "\n".join(lines)


def _with_section(template: str, section: str) -> str:
    """AIOpsLab's description template (dedented) with one more section; braces kept literal."""
    body = textwrap.dedent(template).rstrip("\n")
    return body + "\n\n" + section.replace("{", "{{").replace("}", "}}") + "\n"


class ReplayBaseTask:
    def __init__(self, spec: dict):
        self.spec = dict(spec)
        self.problem_id = spec["id"]
        self.app = ReplayApp(spec)
        self.kubectl = self.app.kubectl
        self.namespace = self.app.namespace
        self.faulty_service = spec.get("component")
        self.expected = list(spec["answers"])
        self.injector = StaticFaultInjector(self.namespace, spec)

    def _describe_components(self):
        """Append the namespace's components to the task's own description (after its __init__)."""
        self.task_desc = _with_section(self.task_desc, components(self.spec))

    def start_workload(self):
        # the recording already holds the traffic; replaybed paces it to the wall clock
        print("== Start Workload == (recorded traffic is replayed; nothing to start)")

    def inject_fault(self):
        print("== Fault Injection ==")
        self.injector._inject()

    def recover_fault(self):
        print("== Fault Recovery ==")
        self.injector._recover()


class ReplayDetection(ReplayBaseTask, DetectionTask):
    def __init__(self, spec: dict):
        ReplayBaseTask.__init__(self, spec)
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


class ReplayLocalization(ReplayBaseTask, LocalizationTask):
    def __init__(self, spec: dict):
        ReplayBaseTask.__init__(self, spec)
        LocalizationTask.__init__(self, self.app)
        # AIOpsLab asks for service names; here every kind of the answer space counts
        levels = _levels(spec)
        self.any_component = f"(i.e., {_either(levels)} names, as the task description lists them)"
        target = f"identify the component(s) ({_either([_plural(lv) for lv in levels])}) where"
        text = textwrap.dedent(self.task_desc)
        text = text.replace(SERVICE_ONLY, self.any_component).replace(SERVICE_TARGET, target)
        self.task_desc = _with_section(text, components(spec) + "\n\n" + localization_rules(spec))

    def get_available_actions(self):
        # submit's docstring says "(i.e., service names)" too
        return {
            name: doc.replace(SERVICE_ONLY, self.any_component) if name == "submit" else doc
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
            # every named component must be an accepted one (several may be, e.g. pod and service)
            accuracy = 100.0 * hits / len(answers)
        self.add_result("Localization Accuracy", accuracy)
        self.results["success"] = bool(answers) and hits == len(answers)
        self.results["is_subset"] = hits > 0
        super().eval(soln, trace, duration)
        return self.results


class ReplayAnalysis(ReplayBaseTask, AnalysisTask):
    def __init__(self, spec: dict):
        ReplayBaseTask.__init__(self, spec)
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
    "detection": ReplayDetection,
    "localization": ReplayLocalization,
    "analysis": ReplayAnalysis,
}


def problems_path(path=None):
    return path or os.environ.get("REPLAYBED_PROBLEMS") or DEFAULT_PROBLEMS


def load_problems(path=None) -> list:
    """Every problem of problems.json with its environment and its system's answers merged in:
    one flat dict per problem (id, answers, namespace, signals, pods, levels, rules, ...)."""
    path = problems_path(path)
    with open(path, encoding="utf-8") as fh:
        doc = json.load(fh)
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        found = doc.get("schema") if isinstance(doc, dict) else type(doc).__name__
        raise ValueError(
            f"{path}: not a replaybed problems.json of schema {SCHEMA} (found schema {found!r}); "
            "regenerate it with `replaybed deploy problems --store URL -o problems.json`"
        )
    kinds = {"environments": dict, "systems": dict, "problems": list}
    wrong = [key for key, kind in kinds.items() if not isinstance(doc.get(key), kind)]
    if wrong:
        raise ValueError(
            f"{path}: schema {SCHEMA} needs environments, systems and problems; "
            f"{', '.join(wrong)} missing or of another type: regenerate it"
        )
    out = []
    for problem in doc["problems"]:
        system = doc["systems"][f"{problem['dataset']}/{problem['system']}"]
        out.append(
            {
                **doc["environments"][problem["environment"]],
                "levels": system["levels"],
                "rules": system["rules"],
                **problem,
                "problems_file": str(path),
            }
        )
    return out


def problem_factories(path=None) -> dict:
    """problem id -> zero-argument factory, the shape of ProblemRegistry.PROBLEM_REGISTRY."""
    # bind spec per entry: a bare `lambda: cls(spec)` in the loop would see only the last spec
    return {
        spec["id"]: (lambda cls=TASK_CLASSES[spec["task"]], spec=spec: cls(spec))
        for spec in load_problems(path)
    }


def register(registry, path=None) -> int:
    """Add the replayed problems to one ProblemRegistry instance; returns how many were added."""
    factories = problem_factories(path)
    registry.PROBLEM_REGISTRY.update(factories)
    return len(factories)


def namespace_scenarios(problems: list) -> dict:
    """namespace -> scenario -> what get_logs needs of it (pods, signals, dataset, system)."""
    out = {}
    for spec in problems:
        out.setdefault(spec["namespace"], {})[spec["scenario"]] = {
            "pods": {p["name"]: p["service"] for p in spec["pods"]},
            # the Pod's Kubernetes name where the dataset's is not a valid one
            "kube": {p["name"]: p.get("kube_name") or p["name"] for p in spec["pods"]},
            "signals": spec["signals"],
            "dataset": spec["dataset"],
            "system": spec["system"],
        }
    return out


def no_logs(namespace: str, scenarios: list) -> str:
    """get_logs' answer in a namespace whose dataset recorded no logs."""
    systems = sorted({f"system {s['system']} of the {s['dataset']} dataset" for s in scenarios})
    signals = sorted({sig for s in scenarios for sig in s["signals"]})
    tools = {"metrics": "get_metrics", "traces": "get_traces"}
    rest = ", ".join(f"{sig} ({tools[sig]})" for sig in signals if sig in tools)
    return (
        f"No logs: the recording replayed in namespace {namespace} ({' and '.join(systems)}) "
        "has no logs, the dataset recorded none, so its pods print nothing. "
        + (f"Its telemetry: {rest}." if rest else "It recorded no other telemetry either.")
    )


def replay_logs(namespace: str, name: str, pods: dict, kube: dict | None = None) -> str:
    """Logs of pod `name` (its dataset or Kubernetes name), or of every pod of service `name`."""
    kube = kube or {p: p for p in pods}
    name = next((p for p, k in kube.items() if k == name and name not in pods), name)
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
            text = greedy_compress_lines(kubectl.get_pod_logs(kube.get(pod, pod), namespace))
        except Exception as exc:  # noqa: BLE001 - one unreadable pod must not hide the others
            text = f"Error: cannot read the logs of pod {pod} in namespace {namespace}: {exc}"
        sections.append(text if len(chosen) == 1 else f"==== pod {pod} ====\n{text}")
    return "\n\n".join(sections)


def install_get_logs(problems: list) -> None:
    """Extend TaskActions.get_logs for the namespaces of `problems`; others go to the original."""
    TaskActions = actions_base.TaskActions
    if getattr(TaskActions.get_logs, "_replaybed", False):
        return
    original = TaskActions.get_logs
    by_namespace = namespace_scenarios(problems)
    without_logs = sorted(
        ns
        for ns, scenarios in by_namespace.items()
        if not any("logs" in s["signals"] for s in scenarios.values())
    )

    @functools.wraps(original)  # keeps the name, signature and the action markers AIOpsLab reads
    def get_logs(namespace: str, service: str) -> str:
        scenarios = by_namespace.get(namespace)
        if scenarios is None:
            return original(namespace, service)
        deployed = ReplayApp.deployed.get(namespace)
        chosen = [scenarios[deployed]] if deployed in scenarios else list(scenarios.values())
        if not any("logs" in s["signals"] for s in chosen):
            logs = no_logs(namespace, chosen)
        else:
            pods = {p: s for per in chosen for p, s in per["pods"].items()}
            kube = {p: k for per in chosen for p, k in per["kube"].items()}
            logs = replay_logs(namespace, service, pods, kube)
        print(logs)
        return logs

    get_logs._replaybed = True
    doc = (original.__doc__ or "").rstrip() + (
        "\n\n        In the replayed namespaces (" + ", ".join(sorted(by_namespace)) + "),"
        "\n        `service` may also be a pod name: a pod name gives that pod's logs, a service"
        "\n        name the logs of every pod of the service, each headed by its pod name."
    )
    if without_logs:
        doc += (
            "\n        The datasets replayed in " + ", ".join(without_logs) + " recorded no logs:"
            "\n        there get_logs says so."
        )
    get_logs.__doc__ = doc + "\n"
    TaskActions.get_logs = staticmethod(get_logs)


def install(path=None) -> None:
    """Make every ProblemRegistry created from now on include the replayed problems, and let
    get_logs read the replayed namespaces' pods."""
    problems = load_problems(path)
    install_get_logs(problems)
    if getattr(ProblemRegistry, "_replaybed_installed", False):
        return
    factories = problem_factories(path)
    original_init = ProblemRegistry.__init__

    def __init__(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        self.PROBLEM_REGISTRY.update(factories)

    ProblemRegistry.__init__ = __init__
    ProblemRegistry._replaybed_installed = True
