"""A Kubernetes Indexed Job that compiles a dataset into a shared store, one cloudbed per index (pure).

Cloudbeds are independent (each has its own records, files and scenarios), so index i runs
`replaybed compile --cloudbed <cloudbeds[i]>` to completion — parts, manifests and refs — and no
final merge step is needed. The dataset comes from a read-only volume claim; the store is S3,
with credentials from a Secret (the compiler writes; replay pods never get these).
"""

from __future__ import annotations

CLOUDBEDS = ("cloudbed-1", "cloudbed-2")


def compile_job(
    namespace: str,
    image: str,
    store_url: str,
    dataset_claim: str,
    credentials_secret: str,
    endpoint_url: str | None = None,
    cloudbeds: tuple[str, ...] = CLOUDBEDS,
) -> dict:
    script = (
        "set -eu; CB=$(echo "
        + " ".join(cloudbeds)
        + " | cut -d' ' -f$((JOB_COMPLETION_INDEX + 1))); "
        f'exec replaybed compile /dataset --store {store_url} --cloudbed "$CB" --json'
    )
    env = [{"name": "HOME", "value": "/tmp"}]
    if endpoint_url:
        env.append({"name": "REPLAYBED_S3_ENDPOINT_URL", "value": endpoint_url})
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": "replaybed-compile",
            "namespace": namespace,
            "labels": {"app.kubernetes.io/managed-by": "replaybed", "replaybed.io/job": "compile"},
        },
        "spec": {
            "completionMode": "Indexed",
            "completions": len(cloudbeds),
            "parallelism": len(cloudbeds),
            "backoffLimit": 4,
            "template": {
                "metadata": {"labels": {"replaybed.io/job": "compile"}},
                "spec": {
                    "restartPolicy": "OnFailure",
                    "automountServiceAccountToken": False,
                    "securityContext": {"runAsNonRoot": True, "runAsUser": 10001, "fsGroup": 10001},
                    "containers": [
                        {
                            "name": "compile",
                            "image": image,
                            "command": ["sh", "-c", script],
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
                            # the compile spills an hour of rows at a time and holds one cloudbed's chunk index
                            "resources": {
                                "requests": {"cpu": "1", "memory": "2Gi"},
                                "limits": {"cpu": "2", "memory": "6Gi"},
                            },
                        }
                    ],
                    "volumes": [
                        {
                            "name": "dataset",
                            "persistentVolumeClaim": {"claimName": dataset_claim, "readOnly": True},
                        },
                        {"name": "tmp", "emptyDir": {"sizeLimit": "40Gi"}},
                    ],
                },
            },
        },
    }
