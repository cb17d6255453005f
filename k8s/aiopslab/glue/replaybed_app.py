"""replaybed scenario as an AIOpsLab Application, for any dataset replaybed compiles.

Install as `aiopslab/service/apps/replaybed.py` (see replaybed's docs/aiopslab.md).
replaybed itself renders and applies the Kubernetes objects; this class only runs `replaybed` and
makes AIOpsLab's own Prometheus fit for the backfill. Read against microsoft/AIOpsLab ddf7e40.

AIOpsLab's own applications read their metadata (Name, Namespace, Desc, Supported Operations:
the app summary every task description shows the agent) from a JSON file per application. Here
it is built from the problem's entry in replaybed's problems.json (dataset, system, namespace,
components, signals), the same way for every dataset: `get_app_json` returns it and
`load_app_json` sets `name` and `namespace` from it, so no per-dataset file exists.

What AIOpsLab's problem flow does around it (Orchestrator.init_problem / start_problem):
- every problem (re)installs the Helm release `prometheus` (namespace `observe`) with the chart's
  own values: no remote-write receiver, no out-of-order window, no admin API; start_problem
  uninstalls it after cleanup(). So deploy() and delete() check the running release and, when
  it lacks replaybed's values (`replaybed deploy prometheus-values`), upgrade it with them
  (`helm upgrade ... --reuse-values -f <values> --wait`) before touching the namespace;
- init_problem calls delete() then deploy(); when the agent raised in the previous episode,
  AIOpsLab skipped cleanup() (and the Prometheus uninstall), so delete() meets the earlier replay:
  it removes it (`replaybed deploy down`: series and namespace) and returns only once the
  namespace is gone, as AIOpsLab's own apps do;
- deploy() passes `--replace`: the namespace belongs to the replay problems alone, so any series
  of it already inside the window can only be an earlier episode's leftover (a down that could not
  run, a crash between down and up, a replay run by hand); they are replaced rather than mixed
  with this incident, and never make the episode fail.

Settings come from the environment, read once per instance:
  REPLAYBED_STORE       store URL the scenario bundles live in (required to deploy)
  REPLAYBED_BIN         the replaybed executable (default: `replaybed` on PATH)
  REPLAYBED_PROMETHEUS  remote-write URL override (default: replaybed's, the `observe` Prometheus)
  REPLAYBED_IMAGE       runtime image override
  REPLAYBED_TIMEOUT     seconds for `deploy up/down --timeout` and the Helm upgrade (default: 300
                        for Helm, replaybed's own default otherwise)
  REPLAYBED_PROMETHEUS_UPGRADE=0  leave the Prometheus release alone (labs that run their own,
                        already configured Prometheus)
"""

import json
import os
import subprocess
import tempfile

import yaml
from aiopslab.service.apps.base import Application
from aiopslab.service.kubectl import KubeCtl
from aiopslab.service.telemetry.prometheus import Prometheus

HELM_TIMEOUT_S = 300  # AIOpsLab's KubeCtl.wait_for_ready gives up after 300 s too


class ReplaybedError(RuntimeError):
    """`replaybed`, `helm` or `kubectl` failed; the message carries the command, code and stderr."""


def contains(have, want) -> bool:
    """True when every value set in `want` is set the same in `have` (mappings key by key)."""
    if isinstance(want, dict):
        return isinstance(have, dict) and all(
            k in have and contains(have[k], v) for k, v in want.items()
        )
    return have == want


def run(cmd: list, what: str) -> str:
    """Run one command (no shell), return its stdout; a non-zero exit raises with its stderr."""
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise ReplaybedError(f"{what}: cannot run `{cmd[0]}` ({exc.strerror})") from None
    if done.returncode != 0:
        raise ReplaybedError(
            f"{what}: `{' '.join(map(str, cmd))}` exited with {done.returncode}: "
            f"{done.stderr.strip() or done.stdout.strip()}"
        )
    return done.stdout


SIGNAL_PLACES = {
    "metrics": "metrics are in Prometheus",
    "traces": "traces are in Jaeger",
    "logs": "each pod prints its recorded logs",
}
SIGNAL_OPERATIONS = {
    "logs": "Read pod logs (get_logs with a pod or service name, kubectl logs <pod>)",
    "metrics": "Export metrics from Prometheus (get_metrics)",
    "traces": "Export traces from Jaeger (get_traces)",
}


def missing_signals(spec: dict) -> list:
    return [s for s in SIGNAL_PLACES if s not in spec["signals"]]


def app_metadata(spec: dict) -> dict:
    """The application's metadata in AIOpsLab's shape, from a problem's problems.json entry."""
    signals = [s for s in SIGNAL_PLACES if s in spec["signals"]]
    recorded = "; ".join(SIGNAL_PLACES[s] for s in signals) or "no telemetry was recorded"
    desc = (
        f"A recorded incident window of system {spec['system']} of the {spec['dataset']} "
        f"dataset, replayed at the current time: {len(spec['services'])} services with "
        f"{len(spec['pods'])} pods on {len(spec['nodes'])} nodes. Recorded telemetry: "
        f"{recorded}."
    )
    missing = missing_signals(spec)
    if missing:
        desc += f" The dataset recorded no {' and no '.join(missing)}: there are none to read."
    operations = [SIGNAL_OPERATIONS[s] for s in signals]
    operations += [f"No {s}: the dataset recorded none" for s in missing]
    operations.append("Inspect pods with kubectl (read-only: the telemetry is recorded)")
    return {
        "Name": f"{spec['dataset']} {spec['system']} (replay)",
        "Namespace": spec["namespace"],
        "Desc": desc,
        "Supported Operations": operations,
    }


class ReplayApp(Application):
    # namespace -> scenario deployed into it by this process (get_logs reads the pods from it)
    deployed: dict = {}

    def __init__(self, spec: dict):
        # config_file: the problems.json the metadata comes from (AIOpsLab keeps it as a path)
        super().__init__(str(spec.get("problems_file") or "problems.json"))
        self.spec = dict(spec)
        self.load_app_json()
        self.kubectl = KubeCtl()
        self.helm_deploy = False
        self.scenario = spec["scenario"]
        self.replaybed = os.environ.get("REPLAYBED_BIN", "replaybed")
        self.store = os.environ.get("REPLAYBED_STORE", "")
        self.prometheus = os.environ.get("REPLAYBED_PROMETHEUS", "")
        self.image = os.environ.get("REPLAYBED_IMAGE", "")
        self.timeout = os.environ.get("REPLAYBED_TIMEOUT", "")
        self.upgrade_prometheus = os.environ.get("REPLAYBED_PROMETHEUS_UPGRADE", "1") != "0"
        self.last_report = None
        self._values = None

    def get_app_json(self) -> dict:
        return app_metadata(self.spec)

    def load_app_json(self):
        meta = self.get_app_json()
        self.name = meta["Name"]
        self.namespace = meta["Namespace"]

    # -- commands -------------------------------------------------------------------------------

    def _command(self, verb: str) -> list:
        if verb == "down":
            # down removes the namespace's series and the namespace: no scenario, no store needed
            cmd = [self.replaybed, "deploy", "down", "--namespace", self.namespace]
        else:
            if not self.store:
                raise ReplaybedError(
                    "REPLAYBED_STORE is not set: replaybed needs the store URL of the compiled "
                    "scenarios"
                )
            cmd = [
                self.replaybed,
                "deploy",
                "up",
                "--scenario",
                self.scenario,
                "--store",
                self.store,
                "--namespace",
                self.namespace,
                "--json",
                "--replace",
            ]
            if self.image:
                cmd += ["--image", self.image]
        if self.prometheus:
            cmd += ["--prometheus", self.prometheus]
        if self.timeout:
            cmd += ["--timeout", self.timeout]
        return cmd

    # -- Prometheus -----------------------------------------------------------------------------

    def prometheus_values(self) -> str:
        """replaybed's Helm values for AIOpsLab's Prometheus chart (YAML text), read once."""
        if self._values is None:
            self._values = run(
                [self.replaybed, "deploy", "prometheus-values"], "replaybed's Prometheus values"
            )
        return self._values

    def ensure_prometheus(self, required: bool = True) -> bool:
        """Upgrade AIOpsLab's Prometheus release with replaybed's values unless it has them.

        Returns True when it upgraded. `required=False` (delete) tolerates a missing release.
        """
        if not self.upgrade_prometheus:
            return False
        # AIOpsLab's own metadata (service/metadata/prometheus.json) names release, chart, namespace
        helm = Prometheus().helm_configs
        release, chart, namespace = helm["release_name"], helm["chart_path"], helm["namespace"]
        get_values = ["helm", "get", "values", release, "-n", namespace, "-o", "json"]
        try:
            current = json.loads(run(get_values, "Prometheus release") or "null") or {}
        except ReplaybedError as exc:
            if not required:
                return False
            raise ReplaybedError(
                f"{exc}\nAIOpsLab's Prometheus (Helm release {release!r} in namespace "
                f"{namespace!r}) must be running: init_problem installs it before deploy()"
            ) from None
        text = self.prometheus_values()
        wanted = yaml.safe_load(text) or {}
        if contains(current, wanted):
            return False
        print(
            f"Prometheus release {release} ({namespace}) lacks replaybed's settings "
            "(remote-write receiver, out-of-order window, admin API, scrape relabeling): upgrading"
        )
        timeout = f"{self.timeout or HELM_TIMEOUT_S}s"
        with tempfile.NamedTemporaryFile("w", prefix="replaybed-prometheus-", suffix=".yaml") as fh:
            fh.write(text)
            fh.flush()
            run(
                ["helm", "upgrade", release, chart, "-n", namespace, "--reuse-values"]
                + ["-f", fh.name, "--wait", "--timeout", timeout],
                "Prometheus upgrade",
            )
        current = json.loads(run(get_values, "Prometheus release") or "null") or {}
        if not contains(current, wanted):
            raise ReplaybedError(
                f"helm upgrade of {release} ({namespace}) finished but the release still lacks "
                f"replaybed's values: {json.dumps(current)[:300]}"
            )
        return True

    def fresh_prometheus(self) -> None:
        """Restart the Prometheus server so it starts with an empty TSDB.

        replaybed's values keep the TSDB on an emptyDir: Prometheus cannot delete samples it
        ingested out of order (prometheus/prometheus#11790), so only an empty TSDB guarantees that
        nothing of an earlier episode shows (AIOpsLab leaves Prometheus running when an agent
        raised). A release that was just upgraded has restarted already.
        """
        helm = Prometheus().helm_configs
        deployment, namespace = f"deployment/{helm['release_name']}-server", helm["namespace"]
        timeout = f"--timeout={self.timeout or HELM_TIMEOUT_S}s"
        run(["kubectl", "rollout", "restart", deployment, "-n", namespace], "Prometheus restart")
        run(["kubectl", "rollout", "status", deployment, "-n", namespace, timeout], "Prometheus")

    # -- Application ----------------------------------------------------------------------------

    def deploy(self):
        """Replay the scenario into the namespace (pods, Jaeger, backfill) and wait until ready."""
        print(f"Deploying replay of {self.scenario} into namespace {self.namespace}")
        if self.upgrade_prometheus and not self.ensure_prometheus():
            self.fresh_prometheus()
        cmd = self._command("up")
        out = run(cmd, f"replay of {self.scenario}")
        try:
            self.last_report = json.loads(out)
        except ValueError:
            raise ReplaybedError(
                f"`{' '.join(cmd)}` printed no JSON report: {out[:200]!r}"
            ) from None
        ReplayApp.deployed[self.namespace] = self.scenario
        return self.last_report

    def delete(self):
        """Remove the namespace's replay and series; returns once the namespace is gone."""
        print(f"Deleting replay from namespace {self.namespace}")
        # down deletes series through the admin API, which a fresh chart-default release lacks
        self.ensure_prometheus(required=False)
        out = run(self._command("down"), f"removal of namespace {self.namespace}")
        ReplayApp.deployed.pop(self.namespace, None)
        # as AIOpsLab's own apps do: deploy() must never meet a Terminating namespace
        self.kubectl.wait_for_namespace_deletion(self.namespace)
        return out.strip()

    def cleanup(self):
        self.delete()
