"""AIOpsLab problems for replayed OpenRCA Market incidents.

Install as `aiopslab/orchestrator/problems/openrca_replay.py`. Problems and their ground truth come
from replaybed's problems.json (`replaybed deploy problems --store URL -o problems.json`), found at
$REPLAYBED_PROBLEMS or `aiopslab/service/metadata/openrca-problems.json`.

Register them once before the orchestrator looks a problem up:

    from aiopslab.orchestrator.problems import openrca_replay
    openrca_replay.install()          # every ProblemRegistry() now also holds the OpenRCA problems

Answers: Detection "Yes"/"No"; Localization a list of components, each the faulty pod, its service
(pod-level faults), the service (service-level) or the node (node-level); Analysis
{"system_level": ..., "fault_type": ...} compared case-insensitively.
"""

import json
import os

from aiopslab.generators.fault.inject_openrca import StaticFaultInjector
from aiopslab.orchestrator.evaluators.quantitative import is_exact_match_lower
from aiopslab.orchestrator.problems.registry import ProblemRegistry
from aiopslab.orchestrator.tasks import AnalysisTask, DetectionTask, LocalizationTask
from aiopslab.paths import BASE_DIR
from aiopslab.service.apps.openrca_replay import OpenRCAReplay

DEFAULT_PROBLEMS = BASE_DIR / "service" / "metadata" / "openrca-problems.json"


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
        or doc.get("schema") != 1
        or not isinstance(doc.get("problems"), list)
    ):
        raise ValueError(
            f"{path}: not a replaybed problems.json (expected schema 1 with a problems list)"
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


def install(path=None) -> None:
    """Make every ProblemRegistry created from now on include the OpenRCA problems."""
    if getattr(ProblemRegistry, "_openrca_installed", False):
        return
    factories = problem_factories(path)
    original_init = ProblemRegistry.__init__

    def __init__(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        self.PROBLEM_REGISTRY.update(factories)

    ProblemRegistry.__init__ = __init__
    ProblemRegistry._openrca_installed = True
