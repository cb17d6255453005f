"""replaybed scenario as an AIOpsLab Application.

Install as `aiopslab/service/apps/openrca_replay.py` (see replaybed's docs/aiopslab.md).
deploy() runs `replaybed deploy up --scenario ... --json` and delete() runs
`replaybed deploy down --namespace ...`; replaybed itself renders
and applies the Kubernetes objects, so this class holds no Kubernetes logic of its own.

Settings come from the environment, read once per instance:
  REPLAYBED_STORE       store URL the scenario bundles live in (required to deploy)
  REPLAYBED_BIN         the replaybed executable (default: `replaybed` on PATH)
  REPLAYBED_PROMETHEUS  remote-write URL override (default: replaybed's, the `observe` Prometheus)
  REPLAYBED_IMAGE       runtime image override
"""

import json
import os
import subprocess

from aiopslab.paths import BASE_DIR
from aiopslab.service.apps.base import Application
from aiopslab.service.kubectl import KubeCtl

METADATA_DIR = BASE_DIR / "service" / "metadata"


class ReplaybedError(RuntimeError):
    """`replaybed deploy` failed; the message carries its exit code and stderr."""


class OpenRCAReplay(Application):
    def __init__(self, cloudbed: str, scenario: str):
        # metadata names the namespace (`openrca-cloudbed-N`) and the app summary the prompts show
        super().__init__(str(METADATA_DIR / f"openrca-{cloudbed}.json"))
        self.load_app_json()
        self.kubectl = KubeCtl()
        self.helm_deploy = False
        self.cloudbed = cloudbed
        self.scenario = scenario
        self.replaybed = os.environ.get("REPLAYBED_BIN", "replaybed")
        self.store = os.environ.get("REPLAYBED_STORE", "")
        self.prometheus = os.environ.get("REPLAYBED_PROMETHEUS", "")
        self.image = os.environ.get("REPLAYBED_IMAGE", "")
        self.last_report = None

    def _command(self, verb: str) -> list:
        if verb == "down":
            # down removes what up created in the namespace; it needs neither scenario nor store
            return [self.replaybed, "deploy", "down", "--namespace", self.namespace]
        if not self.store:
            raise ReplaybedError(
                "REPLAYBED_STORE is not set: replaybed needs the store URL of the compiled scenarios"
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
        ]
        if self.prometheus:
            cmd += ["--prometheus", self.prometheus]
        if self.image:
            cmd += ["--image", self.image]
        return cmd

    def _run(self, verb: str):
        cmd = self._command(verb)
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise ReplaybedError(
                f"`{' '.join(cmd)}` exited with {done.returncode}: {done.stderr.strip() or done.stdout.strip()}"
            )
        if "--json" not in cmd:
            return done.stdout.strip()
        try:
            self.last_report = json.loads(done.stdout)
        except ValueError:
            raise ReplaybedError(
                f"`{' '.join(cmd)}` printed no JSON report: {done.stdout[:200]!r}"
            ) from None
        return self.last_report

    def deploy(self):
        """Create the namespace's replay (pods, Jaeger, backfill jobs) and wait until it is ready."""
        print(f"Deploying replay of {self.scenario} into namespace {self.namespace}")
        return self._run("up")

    def delete(self):
        """Remove what deploy() created; harmless when nothing is deployed."""
        print(f"Deleting replay of {self.scenario} from namespace {self.namespace}")
        return self._run("down")

    def cleanup(self):
        self.delete()
