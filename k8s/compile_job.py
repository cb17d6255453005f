"""Kubernetes Jobs that compile a dataset into a shared store, one shard per index (pure).

The shards come from the dataset itself (`replaybed compile DIR --list-shards --json`: one per
system and span its files cover, e.g. per Market day); nothing here knows a dataset format.
Two Jobs share a run label:
- `replaybed-compile-<run>`, Indexed: index i runs `compile --stage parts --shard <shard i>`,
  which reads that shard's files and stores its parts and chunk index;
- `replaybed-manifests-<run>`: `compile --stage manifests --wait ...` waits until every shard's
  index of this run is in the store, then writes every scenario's manifest and ref (refs last).
The dataset comes from a read-only volume claim; the store is S3, with credentials from a Secret
(the compiler writes; replay pods never get these).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass

from replaybed.k8s.errors import DeployConfigError

_SHARD = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]*$")
_RUN = re.compile(r"^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$")
# cores per parts pod: its worker processes (`--jobs`) match the CPU limit, whatever the node has
PARTS_CPUS = 2
WAIT = "24h"


@dataclass(frozen=True)
class ShardRef:
    """One line of `compile --list-shards --json`: the shard's name and its system."""

    name: str
    system: str
    dataset: str | None = None  # the format name, when the listing gives it

    @classmethod
    def from_dict(cls, d: dict, where: str) -> ShardRef:
        try:
            return cls(str(d["shard"]), str(d["system"]), d.get("format"))
        except (KeyError, TypeError):
            raise DeployConfigError(
                f"{where}: expected objects with 'shard' and 'system' "
                "(the output of `replaybed compile DIR --list-shards --json`), found "
                f"{str(d)[:120]!r}"
            ) from None

    @classmethod
    def named(cls, name: str) -> ShardRef:
        """A shard given by name alone (`<system>@<start>`)."""
        system, at, _ = name.partition("@")
        if not at or not system:
            raise DeployConfigError(
                f"shard {name!r}: expected <system>@<start>, as `compile --list-shards` prints"
            )
        return cls(name, system)


def compile_jobs(
    *,
    namespace: str,
    image: str,
    store_url: str,
    dataset_claim: str,
    credentials_secret: str,
    shards: Sequence[ShardRef],
    run: str,
    endpoint_url: str | None = None,
) -> list[dict]:
    """[the Indexed parts Job, the manifests Job] for `shards`."""
    if not shards:
        raise DeployConfigError("no shards to compile (expected at least one)")
    bad = [s.name for s in shards if not _SHARD.match(s.name)]
    if bad:
        raise DeployConfigError(f"shard name(s) {', '.join(map(repr, bad))} are not plain words")
    names = [s.name for s in shards]
    if len(set(names)) != len(names):
        raise DeployConfigError(
            f"shards listed twice: {sorted({n for n in names if names.count(n) > 1})}"
        )
    if not _RUN.match(run):
        raise DeployConfigError(
            f"run label {run!r}: expected 1-32 lower-case letters, digits and '-' (a DNS label)"
        )
    formats = sorted({s.dataset for s in shards if s.dataset})
    if len(formats) > 1:
        raise DeployConfigError(
            f"shards of several formats ({', '.join(formats)}): one dataset per job"
        )
    common = ["/dataset", "--store", store_url, "--run", run, "--json"]
    if formats:
        common += ["--format", formats[0]]
    script = (
        "set -eu; set -- "
        + " ".join(names)
        + '; shift "$JOB_COMPLETION_INDEX"; exec replaybed compile '
        + " ".join(shlex.quote(a) for a in common)
        + f' --stage parts --jobs {PARTS_CPUS} --shard "$1"'
    )
    systems = sorted({s.system for s in shards})
    manifests_args = [
        "replaybed",
        "compile",
        *common,
        "--stage",
        "manifests",
        "--wait",
        WAIT,
        *[a for system in systems for a in ("--system", system)],
    ]
    env = [{"name": "HOME", "value": "/tmp"}]
    if endpoint_url:
        env.append({"name": "REPLAYBED_S3_ENDPOINT_URL", "value": endpoint_url})
    parts = _job(
        f"replaybed-compile-{run}",
        namespace=namespace,
        image=image,
        command=["sh", "-c", script],
        env=env,
        credentials_secret=credentials_secret,
        dataset_claim=dataset_claim,
        run=run,
        # the spill holds the shard's needed hours of rows on local disk; each worker one hour
        # in memory (about 0.7 GB for a full Market hour)
        resources={
            "requests": {"cpu": str(PARTS_CPUS), "memory": "3Gi"},
            "limits": {"cpu": str(PARTS_CPUS), "memory": "4Gi"},
        },
        tmp="40Gi",
    )
    parts["spec"].update(
        {"completionMode": "Indexed", "completions": len(shards), "parallelism": len(shards)}
    )
    manifests = _job(
        f"replaybed-manifests-{run}",
        namespace=namespace,
        image=image,
        command=manifests_args,
        env=env,
        credentials_secret=credentials_secret,
        dataset_claim=dataset_claim,
        run=run,
        resources={
            "requests": {"cpu": "1", "memory": "1Gi"},
            "limits": {"cpu": "2", "memory": "2Gi"},
        },
        tmp="1Gi",
    )
    return [parts, manifests]


def _job(
    name: str,
    *,
    namespace: str,
    image: str,
    command: list[str],
    env: list[dict],
    credentials_secret: str,
    dataset_claim: str,
    run: str,
    resources: dict,
    tmp: str,
) -> dict:
    labels = {"replaybed.io/job": "compile", "replaybed.io/run": run}
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {"app.kubernetes.io/managed-by": "replaybed", **labels},
        },
        "spec": {
            "backoffLimit": 4,
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "restartPolicy": "OnFailure",
                    "automountServiceAccountToken": False,
                    "securityContext": {"runAsNonRoot": True, "runAsUser": 10001, "fsGroup": 10001},
                    "containers": [
                        {
                            "name": "compile",
                            "image": image,
                            "command": command,
                            "env": env,
                            "envFrom": [{"secretRef": {"name": credentials_secret}}],
                            "volumeMounts": [
                                {"name": "dataset", "mountPath": "/dataset", "readOnly": True},
                                {"name": "tmp", "mountPath": "/tmp"},
                            ],
                            "securityContext": {
                                "readOnlyRootFilesystem": True,
                                "allowPrivilegeEscalation": False,
                                "capabilities": {"drop": ["ALL"]},
                            },
                            "resources": resources,
                        }
                    ],
                    "volumes": [
                        {
                            "name": "dataset",
                            "persistentVolumeClaim": {"claimName": dataset_claim, "readOnly": True},
                        },
                        {"name": "tmp", "emptyDir": {"sizeLimit": tmp}},
                    ],
                },
            },
        },
    }
