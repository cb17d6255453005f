"""A fake AIOpsLab checkout (support/fake_aiopslab.py) with the glue installed, and a cluster."""

import os
import shutil

import pytest
from support import fake_aiopslab
from support.aiopslab_manifests import real_manifests

from replaybed.k8s.aiopslab import registry
from replaybed.k8s.aiopslab.problems import problems_from_manifests

GLUE = fake_aiopslab.GLUE


@pytest.fixture
def lab(monkeypatch, tmp_path):
    """The checkout's metadata and problems.json installed, the glue loaded; no cluster yet."""
    base = tmp_path / "aiopslab"
    (base / "service" / "metadata").mkdir(parents=True)
    for n in (1, 2):
        shutil.copy(GLUE / f"openrca-cloudbed-{n}.json", base / "service" / "metadata")
    manifests = real_manifests("cloudbed-1", fault_free=2) + real_manifests(
        "cloudbed-2", fault_free=1
    )
    registry.write(
        base / "service" / "metadata" / "openrca-problems.json", problems_from_manifests(manifests)
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
    scenario_pods = {}
    for spec in lab["aiopslab.orchestrator.problems.openrca_replay"].load_problems():
        scenario_pods[spec["scenario"]] = {p["name"]: p["service"] for p in spec["pods"]}
    fake_aiopslab.save(fake_aiopslab.new_state(scenario_pods))
    return fake_aiopslab
