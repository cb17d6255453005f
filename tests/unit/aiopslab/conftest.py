"""A fake AIOpsLab checkout (support/fake_aiopslab.py) with the glue installed, and a cluster.

The checkout's problems.json holds three datasets: Market (both cloudbeds, 3 fault-free windows),
a Telecom-shaped one (no logs) and a Bank-shaped one (no analysis labels), as one store would.
"""

import os

import pytest
from support import fake_aiopslab
from support.aiopslab_manifests import bank_manifests, real_manifests, telecom_manifests

from replaybed.k8s.aiopslab import registry
from replaybed.k8s.aiopslab.problems import problem_set

GLUE = fake_aiopslab.GLUE
GLUE_PROBLEMS = "aiopslab.orchestrator.problems.replaybed"


def lab_manifests():
    return (
        real_manifests("cloudbed-1", fault_free=2)
        + real_manifests("cloudbed-2", fault_free=1)
        + telecom_manifests(fault_free=1)
        + bank_manifests(fault_free=1)
    )


@pytest.fixture
def lab(monkeypatch, tmp_path):
    """The checkout with problems.json installed, the glue loaded; no cluster yet."""
    base = tmp_path / "aiopslab"
    (base / "service" / "metadata").mkdir(parents=True)
    registry.write(
        base / "service" / "metadata" / "replaybed-problems.json", problem_set(lab_manifests())
    )
    for var in (
        "REPLAYBED_PROBLEMS",
        "REPLAYBED_PROMETHEUS",
        "REPLAYBED_IMAGE",
        "REPLAYBED_BIN",
        "REPLAYBED_TIMEOUT",
        "REPLAYBED_PROMETHEUS_UPGRADE",
        "FAKE_REPLAYBED_DOWN_NO_WAIT",
        "LOG_TRIM",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("REPLAYBED_STORE", "s3://bucket/market")
    monkeypatch.setenv(fake_aiopslab.STATE_ENV, str(tmp_path / "no-cluster.json"))
    mods = fake_aiopslab.install(monkeypatch, base)
    mods["base_dir"] = base
    return mods


@pytest.fixture
def cluster(lab, monkeypatch, tmp_path):
    """A fake cluster (state file) and fake helm/kubectl/replaybed first on PATH."""
    bin_dir = tmp_path / "bin"
    fake_aiopslab.write_executables(bin_dir)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("REPLAYBED_BIN", str(bin_dir / "replaybed"))
    path = tmp_path / "cluster.json"
    monkeypatch.setenv(fake_aiopslab.STATE_ENV, str(path))
    scenario_pods, quiet = {}, set()
    for spec in lab[GLUE_PROBLEMS].load_problems():
        scenario_pods[spec["scenario"]] = {p["name"]: p["service"] for p in spec["pods"]}
        if "logs" not in spec["signals"]:
            quiet.add(spec["scenario"])
    fake_aiopslab.save(fake_aiopslab.new_state(scenario_pods, quiet))
    return fake_aiopslab
