"""A stand-in for the parts of AIOpsLab the replaybed glue touches (AIOpsLab is not on PyPI).

Same module paths, class and method names and calling conventions as AIOpsLab's documented
interfaces (Application/KubeCtl, Detection/Localization/AnalysisTask with add_result/results/eval,
the quantitative evaluators, ProblemRegistry.PROBLEM_REGISTRY, paths.BASE_DIR), with trivial
bodies. `install(monkeypatch, base_dir)` puts them in sys.modules and loads the glue files from
their repository paths under the module names they are installed as.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import types
from pathlib import Path

GLUE = Path(__file__).resolve().parents[2] / "k8s" / "aiopslab" / "glue"

# glue file -> module it becomes inside an AIOpsLab checkout (docs/aiopslab.md says the same)
GLUE_MODULES = {
    "openrca_replay_app.py": "aiopslab.service.apps.openrca_replay",
    "inject_openrca.py": "aiopslab.generators.fault.inject_openrca",
    "openrca_replay_problems.py": "aiopslab.orchestrator.problems.openrca_replay",
}


class KubeCtl:
    def __init__(self):
        self.calls = []

    def get_pod_name(self, namespace, label_selector):
        self.calls.append(("get_pod_name", namespace, label_selector))
        return "pod"


class Application:
    def __init__(self, config_file):
        self.config_file = config_file
        self.name = None
        self.namespace = None
        self.helm_deploy = True
        self.helm_configs = {}

    def load_app_json(self):
        with open(self.config_file, encoding="utf-8") as fh:
            metadata = json.load(fh)
        self.name = metadata["Name"]
        self.namespace = metadata["Namespace"]

    def get_app_json(self):
        with open(self.config_file, encoding="utf-8") as fh:
            return json.load(fh)

    def get_app_summary(self):
        meta = self.get_app_json()
        ops = "\n".join(
            f"{i}. {op}" for i, op in enumerate(meta.get("Supported Operations", []), 1)
        )
        return f"Service Name: {meta['Name']}\nNamespace: {meta['Namespace']}\nDescription: {meta['Desc']}\n{ops}"


class Task:
    def __init__(self):
        self.results = {}

    def add_result(self, key, value):
        self.results[key] = value

    def eval(self, soln, trace, duration):
        self.add_result("steps", len(trace))
        return self.results


class DetectionTask(Task):
    def __init__(self, app):
        super().__init__()
        self.app = app
        self.app_summary = app.get_app_summary()

    def eval(self, soln, trace, duration):
        self.add_result("TTD", duration)
        return super().eval(soln, trace, duration)


class LocalizationTask(DetectionTask):
    def eval(self, soln, trace, duration):
        self.add_result("TTL", duration)
        return Task.eval(self, soln, trace, duration)


class AnalysisTask(DetectionTask):
    def eval(self, soln, trace, duration):
        self.add_result("TTA", duration)
        return Task.eval(self, soln, trace, duration)


def is_exact_match_lower(pred, target):
    return isinstance(pred, str) and pred.lower() == target.lower()


class ProblemRegistry:
    def __init__(self):
        self.PROBLEM_REGISTRY = {"noop_detection_hotel_reservation-1": lambda: "hotel"}

    def get_problem_instance(self, problem_id):
        return self.PROBLEM_REGISTRY[problem_id]()

    def get_problem_ids(self, task_type=None):
        ids = list(self.PROBLEM_REGISTRY)
        return [i for i in ids if task_type in i] if task_type else ids


def _module(name: str, **attrs) -> types.ModuleType:
    mod = types.ModuleType(name)
    mod.__dict__.update(attrs)
    return mod


def install(monkeypatch, base_dir: Path) -> dict[str, types.ModuleType]:
    """Fake aiopslab in sys.modules (undone by monkeypatch) and the glue loaded on top of it."""
    fakes = {
        "aiopslab": _module("aiopslab"),
        "aiopslab.paths": _module("aiopslab.paths", BASE_DIR=base_dir),
        "aiopslab.service": _module("aiopslab.service"),
        "aiopslab.service.kubectl": _module("aiopslab.service.kubectl", KubeCtl=KubeCtl),
        "aiopslab.service.apps": _module("aiopslab.service.apps"),
        "aiopslab.service.apps.base": _module(
            "aiopslab.service.apps.base", Application=Application
        ),
        "aiopslab.generators": _module("aiopslab.generators"),
        "aiopslab.generators.fault": _module("aiopslab.generators.fault"),
        "aiopslab.orchestrator": _module("aiopslab.orchestrator"),
        "aiopslab.orchestrator.tasks": _module(
            "aiopslab.orchestrator.tasks",
            DetectionTask=DetectionTask,
            LocalizationTask=LocalizationTask,
            AnalysisTask=AnalysisTask,
        ),
        "aiopslab.orchestrator.evaluators": _module("aiopslab.orchestrator.evaluators"),
        "aiopslab.orchestrator.evaluators.quantitative": _module(
            "aiopslab.orchestrator.evaluators.quantitative",
            is_exact_match_lower=is_exact_match_lower,
        ),
        "aiopslab.orchestrator.problems": _module("aiopslab.orchestrator.problems"),
        "aiopslab.orchestrator.problems.registry": _module(
            "aiopslab.orchestrator.problems.registry",
            ProblemRegistry=type("ProblemRegistry", (ProblemRegistry,), {}),
        ),
    }
    for name, mod in fakes.items():
        monkeypatch.setitem(sys.modules, name, mod)
    loaded = {}
    for filename, name in GLUE_MODULES.items():
        spec = importlib.util.spec_from_file_location(name, GLUE / filename)
        mod = importlib.util.module_from_spec(spec)
        monkeypatch.setitem(sys.modules, name, mod)
        spec.loader.exec_module(mod)
        loaded[name] = mod
    return loaded
