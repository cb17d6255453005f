"""A recording stand-in for AIOpsLab's real problem flow (AIOpsLab is not on PyPI).

Modelled on microsoft/AIOpsLab at commit ddf7e40619689dad75eaf8f2174e263c4157ec76 (2026-08-19),
read for this purpose; nothing here is copied from it. Same module paths, class and method names,
signatures and calling conventions as the parts the replaybed glue touches:

- `aiopslab.orchestrator.orchestrator.Orchestrator`: init_problem runs, in AIOpsLab's order, the
  OpenEBS kubectl calls, `Prometheus().deploy()` (helm status; if not deployed: helm uninstall,
  the PVC, `helm dependency update`, `helm install prometheus <chart> -n observe
  --create-namespace` with the chart's own values, wait for the pods), `app.delete()`,
  `app.deploy()`, inject, workload; start_problem runs the agent loop, eval, recover,
  `app.cleanup()`, `Prometheus().teardown()` (helm uninstall), the OpenEBS removal. When the agent
  raises, it recovers the fault and re-raises: no cleanup, no uninstall.
- `aiopslab.service.helm.Helm`, `aiopslab.service.kubectl.KubeCtl`: shell commands as AIOpsLab
  issues them (`shell=True` strings for helm/kubectl; KubeCtl's API calls read the cluster state).
- `aiopslab.orchestrator.actions.base` is a FILE written with CRLF line endings, as AIOpsLab
  stores it, holding `TaskActions.get_logs(namespace, service)` in the real shape: a label
  selector per known namespace, the first matching pod only, "Error: Your service/namespace does
  not exist. Use kubectl to check." otherwise, then `greedy_compress_lines` and print.
- tasks: the description is a template with `{app_summary}`, dedented and formatted by
  get_task_description; the Localization one asks for "(i.e., service names)" as AIOpsLab's does;
  get_available_actions returns {action: docstring} of `<Task>Actions` as `get_actions` does.

The cluster is one JSON file (`FAKE_AIOPSLAB_STATE`): namespaces (Active / Terminating, a
Terminating one disappears after a few reads), Helm releases with their user-supplied values, the
series Prometheus holds per namespace, pods with labels and logs, and every call made. `helm`,
`kubectl` and `replaybed` are executables on PATH (`bin/` of the fixture) that read and write it;
the fake `replaybed` takes the lead's interface (`deploy up ... [--replace]`, `deploy down`,
`deploy prometheus-values`) and fails the way the real one does against such a cluster.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import importlib.util
import json
import os
import re
import shlex
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import yaml

AIOPSLAB_COMMIT = "ddf7e40619689dad75eaf8f2174e263c4157ec76"
GLUE = Path(__file__).resolve().parents[2] / "k8s" / "aiopslab" / "glue"
STATE_ENV = "FAKE_AIOPSLAB_STATE"
OPENEBS = "https://openebs.github.io/charts/openebs-operator.yaml"
CHART = "observer/prometheus/prometheus/"  # relative to BASE_DIR, as in AIOpsLab's prometheus.json
DEFAULT_SC = "storageclass.kubernetes.io/is-default-class"
TERMINATING_READS = 3  # reads of a Terminating namespace before it is gone

# glue file -> module it becomes inside an AIOpsLab checkout (docs/aiopslab.md says the same)
GLUE_MODULES = {
    "replaybed_app.py": "aiopslab.service.apps.replaybed",
    "inject_replay.py": "aiopslab.generators.fault.inject_replay",
    "replaybed_problems.py": "aiopslab.orchestrator.problems.replaybed",
}
# AIOpsLab's Analysis taxonomy: the options its AnalysisTask description lists (tasks/analysis.py)
SYSTEM_LEVELS = ("Hardware", "Operating System", "Virtualization", "Application")
FAULT_TYPES = (
    "Misconfiguration",
    "Code Defect",
    "Authentication Issue",
    "Network/Storage Issue",
    "Operation Error",
    "Dependency Problem",
)

# What the lead's `replaybed deploy prometheus-values` prints, in substance.
# what the real `replaybed deploy prometheus-values` prints: the shipped file
PROMETHEUS_VALUES = (
    Path(__file__).resolve().parents[2] / "k8s" / "manifests" / "prometheus-values.yaml"
).read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# the cluster state


def state_path() -> Path:
    try:
        return Path(os.environ[STATE_ENV])
    except KeyError:
        raise RuntimeError(f"{STATE_ENV} is not set: the fake cluster has no state file") from None


def load() -> dict:
    return json.loads(state_path().read_text())


def save(state: dict) -> None:
    state_path().write_text(json.dumps(state, indent=1, sort_keys=True))


@contextlib.contextmanager
def edit():
    state = load()
    yield state
    save(state)


def new_state(scenario_pods: dict, without_logs=()) -> dict:
    """An empty cluster; `scenario_pods` = scenario -> {pod: service} that `deploy up` creates;
    the pods of scenarios in `without_logs` (a dataset that recorded no logs) print nothing."""
    return {
        "calls": [],
        "namespaces": {"default": "Active", "kube-system": "Active"},
        "terminating_reads": {},
        "releases": {},
        "series": {},
        "pods": {},
        "scenario_pods": scenario_pods,
        "without_logs": sorted(without_logs),
    }


def record(state: dict, *call) -> None:
    state["calls"].append([str(c) for c in call])


def read_namespace(state: dict, ns: str) -> str | None:
    """Namespace phase as a reader sees it; a Terminating one is gone after a few reads."""
    phase = state["namespaces"].get(ns)
    if phase == "Terminating":
        left = state["terminating_reads"].get(ns, TERMINATING_READS) - 1
        if left <= 0:
            del state["namespaces"][ns]
            state["terminating_reads"].pop(ns, None)
            state["pods"].pop(ns, None)
            return None
        state["terminating_reads"][ns] = left
    return phase


def terminate(state: dict, ns: str) -> None:
    if ns in state["namespaces"]:
        state["namespaces"][ns] = "Terminating"
        state["terminating_reads"][ns] = TERMINATING_READS


def release(state: dict, name="prometheus", ns="observe") -> dict | None:
    return state["releases"].get(f"{ns}/{name}")


def merge(base, extra):
    """Helm's values merge: mappings key by key, anything else replaced."""
    if isinstance(base, dict) and isinstance(extra, dict):
        out = dict(base)
        for k, v in extra.items():
            out[k] = merge(base.get(k), v)
        return out
    return extra


def restart_server(state: dict) -> None:
    """The Prometheus server pod restarts: with the chart's PVC it keeps its TSDB, with an
    emptyDir (persistentVolume.enabled: false) it starts empty."""
    server = ((release(state) or {}).get("values") or {}).get("server") or {}
    if (server.get("persistentVolume") or {}).get("enabled") is False:
        state["series"] = {}


def prometheus_flags(state: dict) -> tuple[set, dict]:
    rel = release(state) or {}
    server = (rel.get("values") or {}).get("server") or {}
    # the chart's own default is extraFlags: [web.enable-lifecycle], tsdb: {}
    return set(server.get("extraFlags") or ["web.enable-lifecycle"]), server.get("tsdb") or {}


# ---------------------------------------------------------------------------------------------
# executables: helm, kubectl, replaybed


def _fail(message: str, code: int = 1) -> int:
    print(message, file=sys.stderr)
    return code


def helm(args: list[str]) -> int:
    with edit() as st:
        record(st, "helm", *args)
        verb = args[0] if args else ""
        ns = args[args.index("-n") + 1] if "-n" in args else "default"
        if verb == "dependency":
            return 0
        if verb == "install":
            name, chart = args[1], args[2]
            if release(st, name, ns):
                return _fail(
                    "Error: INSTALLATION FAILED: cannot re-use a name that is still in use"
                )
            if ns not in st["namespaces"] and "--create-namespace" not in args:
                return _fail(f'Error: INSTALLATION FAILED: namespaces "{ns}" not found')
            st["namespaces"].setdefault(ns, "Active")
            # the chart's own values: nothing user-supplied; a fresh PVC holds no series
            st["releases"][f"{ns}/{name}"] = {"chart": chart, "values": {}, "revision": 1}
            st["series"] = {}
            print(f"NAME: {name}\nSTATUS: deployed")
            return 0
        if verb == "uninstall":
            if not st["releases"].pop(f"{ns}/{args[1]}", None):
                return _fail(f"Error: uninstall: Release not loaded: {args[1]}: release: not found")
            st["series"] = {}  # the chart's PVC goes with the release
            print(f'release "{args[1]}" uninstalled')
            return 0
        if verb == "list":
            print("NAME\tNAMESPACE\tREVISION\tSTATUS")
            for key, rel in st["releases"].items():
                rns, name = key.split("/")
                if rns == ns:
                    print(f"{name}\t{rns}\t{rel['revision']}\tdeployed")
            return 0
        if verb == "status":
            if not release(st, args[1], ns):
                return _fail("Error: release: not found")
            print(f"NAME: {args[1]}\nNAMESPACE: {ns}\nSTATUS: deployed")
            return 0
        if verb == "get" and args[1] == "values":
            rel = release(st, args[2], ns)
            if not rel:
                return _fail("Error: release: not found")
            print(json.dumps(rel["values"] or None))
            return 0
        if verb == "upgrade":
            name, chart = args[1], args[2]
            rel = release(st, name, ns)
            if not rel:
                return _fail(f'Error: UPGRADE FAILED: "{name}" has no deployed releases')
            if chart != rel["chart"]:
                return _fail(
                    f"fake helm: upgrade with chart {chart}, installed from {rel['chart']}"
                )
            values = dict(rel["values"]) if "--reuse-values" in args else {}
            for i, a in enumerate(args):
                if a in ("-f", "--values"):
                    values = merge(values, yaml.safe_load(Path(args[i + 1]).read_text()) or {})
            if values != rel["values"]:
                # new server flags roll the pod; on an emptyDir its TSDB starts empty
                restart_server(st)
            rel["values"], rel["revision"] = values, rel["revision"] + 1
            print(f'Release "{name}" has been upgraded.')
            return 0
        return _fail(f"fake helm: unsupported {args}")


def kubectl(args: list[str]) -> int:
    with edit() as st:
        record(st, "kubectl", *args)
        verb = args[0] if args else ""
        if verb == "apply" and OPENEBS in args:
            st["namespaces"]["openebs"] = "Active"
            return 0
        if verb == "delete" and OPENEBS in args:
            terminate(st, "openebs")
            return 0
        if verb == "get" and args[1] in ("namespace", "ns"):
            phase = read_namespace(st, args[2])
            if phase is None:
                return _fail(f'Error from server (NotFound): namespaces "{args[2]}" not found')
            print(f"NAME\tSTATUS\n{args[2]}\t{phase}")
            return 0
        if args[:3] == ["rollout", "restart", "deployment/prometheus-server"]:
            restart_server(st)
            return 0
        if args[:3] == ["rollout", "status", "deployment/prometheus-server"]:
            return 0 if release(st) else _fail('Error from server (NotFound): "prometheus-server"')
        if verb == "get" and args[1] == "pvc":
            return 0 if "--ignore-not-found" in args else _fail("No resources found")
        return 0  # apply/patch/delete of storage classes and PVCs: nothing the glue depends on


def replaybed(args: list[str]) -> int:
    with edit() as st:
        record(st, "replaybed", *args)
        if args[:2] == ["deploy", "prometheus-values"]:
            print(PROMETHEUS_VALUES, end="")
            return 0
        opts = _options(args[2:])
        ns = opts.get("--namespace")
        if not ns:
            return _fail("Error: Missing option '--namespace'.", 2)
        rel = release(st)
        flags, tsdb = prometheus_flags(st)
        if args[:2] == ["deploy", "down"]:
            if st["series"].get(ns) and "web.enable-admin-api" not in flags:
                return _fail(
                    f"error: Prometheus holds series of namespace {ns} and its admin API is off: "
                    "HTTP 404 (enable --web.enable-admin-api)"
                )
            st["series"].pop(ns, None)
            if ns in st["namespaces"]:
                terminate(st, ns)
                if not os.environ.get("FAKE_REPLAYBED_DOWN_NO_WAIT"):
                    while read_namespace(st, ns) is not None:  # waits until it is gone
                        pass
            print(f"removed namespace {ns}")
            return 0
        if args[:2] != ["deploy", "up"]:
            return _fail(f"fake replaybed: unsupported {args}", 2)
        scenario = opts.get("--scenario")
        if not scenario or not opts.get("--store") or "--json" not in args:
            return _fail("Error: deploy up needs --scenario, --store and --json here.", 2)
        if st["namespaces"].get(ns) == "Terminating":
            return _fail(
                f'error: namespaces "{ns}" is forbidden: unable to create new content in '
                f"namespace {ns} because it is being terminated"
            )
        if rel is None:
            return _fail(
                "error: Prometheus at http://prometheus-server.observe: connection refused"
            )
        if "web.enable-remote-write-receiver" not in flags:
            return _fail(
                "error: metrics backfill: HTTP 404: remote write receiver needs to be enabled"
            )
        if not tsdb.get("out_of_order_time_window"):
            return _fail("error: metrics backfill: HTTP 400: out of bounds (too old sample)")
        held = st["series"].get(ns)
        if held and "--replace" not in args:
            return _fail(
                f"error: Prometheus already holds {held['count']} series of namespace {ns} in the "
                f"window of {scenario} (from {held['scenario']}); pass --replace to delete them",
                2,
            )
        if held and "web.enable-admin-api" not in flags:
            return _fail("error: --replace needs the Prometheus admin API (web.enable-admin-api)")
        if st["namespaces"].get(ns) == "Active":
            record(st, "replaybed:took-over", ns)  # deletes the earlier replay and waits
        pods = st["scenario_pods"].get(scenario)
        if pods is None:
            return _fail(f"error: scenario {scenario} is not in store {opts['--store']}")
        st["namespaces"][ns] = "Active"
        quiet = scenario in st["without_logs"]
        st["pods"][ns] = {
            pod: {"app": service, "logs": "" if quiet else sample_logs(pod)}
            for pod, service in pods.items()
        }
        st["series"][ns] = {"scenario": scenario, "count": 100 * len(pods)}
        print(json.dumps({"scenario": scenario, "namespace": ns, "pods": len(pods), "ready": True}))
        return 0


def sample_logs(pod: str) -> str:
    """What a replay pod prints: shifted time + recorded line; three lines repeat."""
    lines = [f"2026-08-20T10:00:0{i}Z {pod} GET /cart 200" for i in range(1, 4)]
    return "\n".join([f"2026-08-20T10:00:00Z {pod} started", *lines, "2026-08-20T10:00:09Z done"])


def _options(args: list[str]) -> dict:
    out = {}
    for i, a in enumerate(args):
        if a.startswith("--") and i + 1 < len(args) and not args[i + 1].startswith("--"):
            out[a] = args[i + 1]
    return out


TOOLS = {"helm": helm, "kubectl": kubectl, "replaybed": replaybed}


def main(tool: str, args: list[str]) -> int:
    return TOOLS[tool](args)


def write_executables(bin_dir: Path) -> None:
    bin_dir.mkdir(parents=True, exist_ok=True)
    support_parent = Path(__file__).resolve().parents[1]
    for tool in TOOLS:
        exe = bin_dir / tool
        exe.write_text(
            f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(support_parent)!r})\n"
            f"from support.fake_aiopslab import main\nsys.exit(main({tool!r}, sys.argv[1:]))\n"
        )
        exe.chmod(0o755)


def calls(tools=("helm", "kubectl", "replaybed")) -> list[list[str]]:
    return [c for c in load()["calls"] if c[0] in tools or c[0].split(".")[0] in tools]


# ---------------------------------------------------------------------------------------------
# aiopslab.* in-process


def _shell(command: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, shell=True, capture_output=True, check=False)


class KubeCtl:
    """AIOpsLab's KubeCtl (ddf7e40): API calls read the state file; exec_command runs a shell."""

    def exec_command(self, command: str, input_data=None):
        out = _shell(command)
        return (out.stdout if out.returncode == 0 else out.stderr).decode()

    def list_pods(self, namespace):
        pods = load()["pods"].get(namespace, {})
        return types.SimpleNamespace(
            items=[
                types.SimpleNamespace(
                    metadata=types.SimpleNamespace(name=p, labels={"app": v["app"]})
                )
                for p, v in pods.items()
            ]
        )

    def get_pod_name(self, namespace, label_selector):
        key, value = label_selector.split("=", 1)
        with edit() as st:
            record(st, "KubeCtl.get_pod_name", namespace, label_selector)
            pods = st["pods"].get(namespace, {})
        matching = [p for p, v in pods.items() if key == "app" and v["app"] == value]
        return matching[0]  # IndexError when nothing matches, as items[0] does

    def get_pod_logs(self, pod_name, namespace):
        with edit() as st:
            record(st, "KubeCtl.get_pod_logs", namespace, pod_name)
            pod = st["pods"].get(namespace, {}).get(pod_name)
        if pod is None:
            raise RuntimeError(f'(404) Reason: Not Found: pods "{pod_name}" not found')
        return pod["logs"]

    def wait_for_ready(self, namespace, sleep=2, max_wait=300):
        with edit() as st:
            record(st, "KubeCtl.wait_for_ready", namespace)
            if st["namespaces"].get(namespace) != "Active":
                raise RuntimeError(f"Timeout: Not all pods in namespace '{namespace}' are ready")

    def wait_for_namespace_deletion(self, namespace, sleep=2, max_wait=300):
        with edit() as st:
            record(st, "KubeCtl.wait_for_namespace_deletion", namespace)
            for _ in range(0, max_wait, sleep):
                if read_namespace(st, namespace) is None:
                    return
        raise RuntimeError(f"Timeout: Namespace '{namespace}' was not deleted within {max_wait} s")

    def delete_namespace(self, namespace):
        with edit() as st:
            record(st, "KubeCtl.delete_namespace", namespace)
            terminate(st, namespace)
        self.wait_for_namespace_deletion(namespace)


class Helm:
    """AIOpsLab's Helm helper (ddf7e40): the same helm command lines, run through a shell."""

    @staticmethod
    def install(**args):
        if not args.get("remote_chart", False):
            _shell(f"helm dependency update {args['chart_path']}")
        command = (
            f"helm install {args['release_name']} {args['chart_path']} -n {args['namespace']} "
            "--create-namespace"
        )
        if args.get("extra_args"):
            command += " " + " ".join(args["extra_args"])
        _shell(command)  # AIOpsLab prints what it gets and does not check the exit code

    @staticmethod
    def uninstall(**args):
        if not Helm.exists_release(args["release_name"], args["namespace"]):
            return
        _shell(f"helm uninstall {args['release_name']} -n {args['namespace']}")

    @staticmethod
    def exists_release(release_name, namespace):
        return release_name in _shell(f"helm list -n {namespace}").stdout.decode()

    @staticmethod
    def status(release_name, namespace):
        out = _shell(f"helm status {release_name} -n {namespace}")
        if out.returncode != 0:
            raise RuntimeError(f"Failed to get status for release {release_name}")
        return out.stdout.decode().strip()

    @staticmethod
    def assert_if_deployed(namespace):
        KubeCtl().wait_for_ready(namespace)
        return True


class Prometheus:
    """AIOpsLab's Prometheus (ddf7e40): metadata from service/metadata/prometheus.json."""

    def __init__(self):
        from aiopslab.paths import BASE_DIR

        meta = json.loads((BASE_DIR / "service" / "metadata" / "prometheus.json").read_text())
        self.name, self.namespace = meta["Name"], meta["Namespace"]
        self.helm_configs = dict(meta["Helm Config"])
        self.helm_configs["chart_path"] = str(BASE_DIR / self.helm_configs["chart_path"])
        self.pvc_config_file = str(BASE_DIR / meta["PersistentVolumeClaimConfig"])

    def deploy(self):
        try:
            status = Helm.status(self.name.lower(), self.namespace)
            if "STATUS: deployed" in status:
                return  # "Prometheus is already running. Skipping redeployment."
        except RuntimeError:
            pass
        KubeCtl().exec_command("kubectl get pvc prometheus-pvc --ignore-not-found")
        Helm.uninstall(**self.helm_configs)
        KubeCtl().exec_command(f"kubectl apply -f {self.pvc_config_file} -n {self.namespace}")
        Helm.install(**self.helm_configs)
        Helm.assert_if_deployed(self.namespace)

    def teardown(self):
        Helm.uninstall(**self.helm_configs)
        KubeCtl().exec_command("kubectl get pvc prometheus-pvc --ignore-not-found")


def write_prometheus_metadata(base_dir: Path) -> None:
    meta = {
        "Name": "Prometheus",
        "Namespace": "observe",
        "Desc": "metrics",
        "Supported Operations": [],
        "Helm Config": {"release_name": "prometheus", "chart_path": CHART, "namespace": "observe"},
        "PersistentVolumeClaimConfig": "observer/prometheus/prometheus-pvc.yml",
    }
    (base_dir / "service" / "metadata" / "prometheus.json").write_text(json.dumps(meta))


class Application:
    """AIOpsLab's Application base (ddf7e40): metadata JSON, app summary as its prompts show it."""

    def __init__(self, config_file):
        self.config_file = config_file
        self.name = None
        self.namespace = None
        self.helm_deploy = True
        self.helm_configs = {}

    def load_app_json(self):
        meta = self.get_app_json()
        self.name = meta["Name"]
        self.namespace = meta["Namespace"]

    def get_app_json(self):
        with open(self.config_file, encoding="utf-8") as fh:
            return json.load(fh)

    def get_app_summary(self):
        meta = self.get_app_json()
        ops = "\n".join(f"  - {op}" for op in meta.get("Supported Operations", []))
        return (
            f"Service Name: {meta['Name']}\nNamespace: {meta['Namespace']}\n"
            f"Description: {meta['Desc']}\nSupported Operations:\n{ops}"
        )


# --- actions (utils.actions decorators and get_actions; base.py is a CRLF file) ---------------


def action(method):
    method.is_action = True
    return method


def read(method):
    method.is_action = True
    method.action_type = "read"
    return method


def get_actions(task: str, subtype=None) -> dict:
    module = sys.modules["aiopslab.orchestrator.actions." + task]
    cls = getattr(module, task.title() + "Actions")
    return {
        m: getattr(cls, m).__doc__.strip()
        for m in dir(cls)
        if callable(getattr(cls, m)) and getattr(getattr(cls, m), "is_action", False)
    }


def greedy_compress_lines(raw: str) -> str:
    """Simplified AIOpsLab compression: off unless LOG_TRIM > 0; then a line that repeats the one
    before it except for timestamps replaces it (block size 1 only)."""
    try:
        trim = int(os.environ.get("LOG_TRIM") or 0)
    except ValueError:
        trim = 0
    if trim <= 0:
        return raw
    stamp = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?")
    out: list[str] = []
    for line in raw.splitlines():
        if out and stamp.sub("", out[-1]) == stamp.sub("", line):
            out[-1] = line
        else:
            out.append(line)
    return "\n".join(out)


ACTIONS_BASE = '''\
"""TaskActions as AIOpsLab has it (shape of ddf7e40), stored with CRLF line endings."""

from aiopslab.orchestrator.actions.log_deduplication import greedy_compress_lines
from aiopslab.service.kubectl import KubeCtl
from aiopslab.utils.actions import action, read


class TaskActions:
    """Base class for task actions."""

    @staticmethod
    @read
    def get_logs(namespace: str, service: str) -> str:
        """
        Collect the logs of a service's pod with kubectl.

        Args:
            namespace (str): Namespace the service runs in.
            service (str): Name of the service.

        Returns:
            str: The logs.
        """
        kubectl = KubeCtl()
        try:
            if namespace == "test-social-network":
                pod = kubectl.get_pod_name(namespace, f"app={service}")
            elif namespace == "test-hotel-reservation":
                pod = kubectl.get_pod_name(namespace, f"io.kompose.service={service}")
            elif namespace == "astronomy-shop":
                pod = kubectl.get_pod_name(namespace, f"app.kubernetes.io/name={service}")
            else:
                raise Exception
            logs = kubectl.get_pod_logs(pod, namespace)
        except Exception:
            return "Error: Your service/namespace does not exist. Use kubectl to check."

        logs = greedy_compress_lines(logs)
        print(logs)
        return logs

    @staticmethod
    @action
    def exec_shell(command: str, timeout: int = 30) -> str:
        """
        Run a shell command (not interactive).

        Args:
            command (str): The command.
        """
        return "exec_shell is not faked"
'''

SUBMIT_DOCS = {
    "detection": ("has_anomaly: str", 'has_anomaly (str): "Yes" or "No".'),
    "localization": (
        "faulty_components: list[str]",
        "faulty_components (list[str]): List of faulty components (i.e., service names).",
    ),
    "analysis": ("analysis: dict[str, str]", "analysis (dict): system_level and fault_type."),
}


def actions_source(task: str) -> str:
    param, doc = SUBMIT_DOCS[task]
    return textwrap.dedent(
        f'''\
        from aiopslab.orchestrator.actions.base import TaskActions
        from aiopslab.utils.actions import action


        class {task.title()}Actions(TaskActions):
            @staticmethod
            @action
            def submit({param}):
                """
                Submit the solution to the orchestrator for evaluation.

                Args:
                    {doc}
                """
                return "VALID_SUBMISSION"
        '''
    )


# --- tasks ------------------------------------------------------------------------------------


class InvalidActionError(Exception):
    pass


class Task:
    """AIOpsLab's Task and Detection/Localization/AnalysisTask (ddf7e40): description templates
    with {app_summary}, dedented and formatted; actions by name; eval adds time and steps."""

    task = ""

    def __init__(self):
        self.results = {}
        self.kubectl = KubeCtl()

    def add_result(self, key, value):
        self.results[key] = value

    def common_eval(self, trace):
        self.add_result("steps", len(trace))

    def get_task_description(self):
        return textwrap.dedent(self.task_desc).format(app_summary=self.app_summary)

    def get_instructions(self):
        return "Respond with one API call per turn."

    def get_available_actions(self):
        return get_actions(task=self.task)

    def perform_action(self, action_name, *args, **kwargs):
        method = getattr(self.actions, action_name, None)
        if method is None or not callable(method):
            raise InvalidActionError(action_name)
        return method(*args, **kwargs)


def _actions_class(task):
    return getattr(sys.modules["aiopslab.orchestrator.actions." + task], task.title() + "Actions")


class DetectionTask(Task):
    task = "detection"
    time_key = "TTD"

    def __init__(self, app):
        super().__init__()
        self.app = app
        self.helm_configs = app.helm_configs
        self.app_summary = app.get_app_summary()
        self.actions = _actions_class(self.task)()
        self.task_desc = """\
            You are a DevOps engineer; find out whether the deployed service has anomalies.

            Service Details:
            {app_summary}

            Analyse the service's state and telemetry, then submit:
            1. str: "Yes" or "No"
            """

    def eval(self, soln, trace, duration):
        self.add_result(self.time_key, duration)
        self.common_eval(trace)
        return self.results


class LocalizationTask(DetectionTask):
    task = "localization"
    time_key = "TTL"

    def __init__(self, app):
        super().__init__(app)
        self.task_desc = """\
            You are a DevOps engineer; localize the fault in the deployed service.

            Service Details:
            {app_summary}

            You are requested to identify the service(s) where the root cause of the fault lies.
            Analyse the service's state and telemetry, then submit one of:
            1. list[str]: list of faulty components (i.e., service names)
            2. list[]: an empty list if no faults were detected
            """


class AnalysisTask(DetectionTask):
    task = "analysis"
    time_key = "TTA"

    def __init__(self, app):
        super().__init__(app)
        self.task_desc = """\
            You are a DevOps engineer; do root cause analysis in the deployed service.

            Service Details:
            {app_summary}

            Submit a dict with 'system_level' and 'fault_type' from AIOpsLab's taxonomy.
            """


def is_exact_match_lower(pred, target):
    return isinstance(pred, str) and pred.lower() == target.lower()


class ProblemRegistry:
    """AIOpsLab's ProblemRegistry (ddf7e40): one dict built in __init__, no plug-in hook."""

    def __init__(self):
        self.PROBLEM_REGISTRY = {"noop_detection_hotel_reservation-1": lambda: "hotel"}
        self.DOCKER_REGISTRY = ["flower_node_stop-detection"]

    def get_problem_instance(self, problem_id):
        if problem_id not in self.PROBLEM_REGISTRY:
            raise ValueError(f"Problem ID {problem_id} not found in registry.")
        return self.PROBLEM_REGISTRY[problem_id]()

    def get_problem_ids(self, task_type=None):
        ids = list(self.PROBLEM_REGISTRY)
        return [i for i in ids if task_type in i] if task_type else ids

    def get_problem_deployment(self, problem_id):
        return "docker" if problem_id in self.DOCKER_REGISTRY else "k8s"


# --- orchestrator -----------------------------------------------------------------------------


class Orchestrator:
    """init_problem / start_problem in AIOpsLab ddf7e40's order (see the module docstring)."""

    def __init__(self):
        registry = sys.modules["aiopslab.orchestrator.problems.registry"]
        self.probs = registry.ProblemRegistry()
        self.kubectl = KubeCtl()
        self.agent = None
        self.problem = None
        self.history = []
        self.solution = None

    def register_agent(self, agent, name="agent"):
        self.agent = agent

    def init_problem(self, problem_id: str):
        prob = self.probs.get_problem_instance(problem_id)
        self.problem, self.history, self.solution = prob, [], None
        if self.probs.get_problem_deployment(problem_id) != "docker":
            self.kubectl.exec_command(f"kubectl apply -f {OPENEBS}")
            self.kubectl.exec_command(
                "kubectl patch storageclass openebs-hostpath -p "
                + shlex.quote(json.dumps({"metadata": {"annotations": {DEFAULT_SC: "true"}}}))
            )
            self.kubectl.wait_for_ready("openebs")
            self.prometheus = Prometheus()
            self.prometheus.deploy()
        prob.app.delete()
        prob.app.deploy()
        prob.inject_fault()
        prob.start_workload()
        return prob.get_task_description(), prob.get_instructions(), prob.get_available_actions()

    def ask_env(self, text: str):
        call = ast.parse(text.strip(), mode="eval").body
        api, args = call.func.id, [ast.literal_eval(a) for a in call.args]
        if api == "submit":
            self.solution = args[0] if len(args) == 1 else args
        try:
            return self.problem.perform_action(api, *args)
        except Exception as e:  # AIOpsLab answers the agent with the error text
            return str(e)

    async def start_problem(self, max_steps: int):
        instr, env_response = "Please take the next action", ""
        try:
            for _ in range(max_steps):
                action_text = await self.agent.get_action(instr)
                self.history.append({"role": "assistant", "content": action_text})
                env_response = self.ask_env(action_text)
                self.history.append({"role": "env", "content": env_response})
                if env_response == "VALID_SUBMISSION":
                    break
                instr = f"{env_response}\nPlease take the next action"
        except Exception:
            self.problem.recover_fault()  # and re-raise: no cleanup, Prometheus stays
            raise
        results = self.problem.eval(self.solution, self.history, 1.0)
        self.problem.recover_fault()
        self.problem.app.cleanup()
        self.prometheus.teardown()
        self.kubectl.exec_command(
            "kubectl delete sc openebs-hostpath openebs-device --ignore-not-found"
        )
        self.kubectl.exec_command(f"kubectl delete -f {OPENEBS}")
        self.kubectl.wait_for_namespace_deletion("openebs")
        return {"history": self.history, "final_state": env_response, "results": results}


class ScriptedAgent:
    """Answers with the given action texts in order; an Exception instance is raised instead."""

    def __init__(self, actions):
        self.actions = list(actions)
        self.seen = []

    async def get_action(self, text):
        self.seen.append(text)
        nxt = self.actions.pop(0)
        if isinstance(nxt, BaseException):
            raise nxt
        return nxt


def run_episode(orchestrator: Orchestrator, problem_id: str, actions, max_steps: int = 10):
    """init_problem then start_problem, as a client script does."""
    agent = ScriptedAgent(actions)
    orchestrator.register_agent(agent)
    desc, instr, acts = orchestrator.init_problem(problem_id)
    return (desc, acts), asyncio.run(orchestrator.start_problem(max_steps))


# --- install ----------------------------------------------------------------------------------


def _module(name: str, **attrs) -> types.ModuleType:
    mod = types.ModuleType(name)
    mod.__dict__.update(attrs)
    return mod


def _load_file(monkeypatch, name: str, path: Path) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, name, mod)
    spec.loader.exec_module(mod)
    return mod


def write_actions(base_dir: Path) -> Path:
    """The checkout's orchestrator/actions/: base.py with CRLF endings, one file per task."""
    folder = base_dir / "orchestrator" / "actions"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "base.py").write_bytes(ACTIONS_BASE.replace("\n", "\r\n").encode())
    for task in SUBMIT_DOCS:
        (folder / f"{task}.py").write_text(actions_source(task))
    return folder


def install(monkeypatch, base_dir: Path) -> dict[str, types.ModuleType]:
    """Fake aiopslab in sys.modules (undone by monkeypatch) and the glue loaded on top of it."""
    (base_dir / "service" / "metadata").mkdir(parents=True, exist_ok=True)
    write_prometheus_metadata(base_dir)
    folder = write_actions(base_dir)
    fakes = {
        "aiopslab": _module("aiopslab"),
        "aiopslab.paths": _module("aiopslab.paths", BASE_DIR=base_dir),
        "aiopslab.utils": _module("aiopslab.utils"),
        "aiopslab.utils.actions": _module(
            "aiopslab.utils.actions", action=action, read=read, get_actions=get_actions
        ),
        "aiopslab.service": _module("aiopslab.service"),
        "aiopslab.service.kubectl": _module("aiopslab.service.kubectl", KubeCtl=KubeCtl),
        "aiopslab.service.helm": _module("aiopslab.service.helm", Helm=Helm),
        "aiopslab.service.telemetry": _module("aiopslab.service.telemetry"),
        "aiopslab.service.telemetry.prometheus": _module(
            "aiopslab.service.telemetry.prometheus", Prometheus=Prometheus
        ),
        "aiopslab.service.apps": _module("aiopslab.service.apps"),
        "aiopslab.service.apps.base": _module(
            "aiopslab.service.apps.base", Application=Application
        ),
        "aiopslab.generators": _module("aiopslab.generators"),
        "aiopslab.generators.fault": _module("aiopslab.generators.fault"),
        "aiopslab.orchestrator": _module("aiopslab.orchestrator"),
        "aiopslab.orchestrator.actions": _module("aiopslab.orchestrator.actions"),
        "aiopslab.orchestrator.actions.log_deduplication": _module(
            "aiopslab.orchestrator.actions.log_deduplication",
            greedy_compress_lines=greedy_compress_lines,
        ),
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
    base = _load_file(monkeypatch, "aiopslab.orchestrator.actions.base", folder / "base.py")
    # a fresh TaskActions per test: install() of the glue extends it
    loaded["aiopslab.orchestrator.actions.base"] = base
    for task in SUBMIT_DOCS:
        name = f"aiopslab.orchestrator.actions.{task}"
        loaded[name] = _load_file(monkeypatch, name, folder / f"{task}.py")
    for filename, name in GLUE_MODULES.items():
        loaded[name] = _load_file(monkeypatch, name, GLUE / filename)
    return loaded
