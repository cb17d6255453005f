"""The files copied into an AIOpsLab checkout, run against a fake aiopslab with the same interfaces
(support/fake_aiopslab.py, modelled on AIOpsLab ddf7e40)."""

import json
import re

import pytest
from support import fake_aiopslab
from support.aiopslab_manifests import real_manifests

from replaybed.compile.datasets.openrca_market.records import vendored
from replaybed.k8s.aiopslab import registry
from replaybed.k8s.aiopslab.labels import ANALYSIS_LABELS
from replaybed.k8s.aiopslab.problems import problems_from_manifests

GLUE = fake_aiopslab.GLUE


def problems_module(lab):
    return lab["aiopslab.orchestrator.problems.openrca_replay"]


def instance(lab, pid):
    registry_cls = problems_module(lab).ProblemRegistry
    reg = registry_cls()
    problems_module(lab).register(reg)
    return reg.get_problem_instance(pid)


@pytest.mark.parametrize("n", [1, 2])
def test_metadata_json_has_the_keys_aiopslab_reads(n):
    meta = json.loads((GLUE / f"openrca-cloudbed-{n}.json").read_text())
    assert meta["Namespace"] == f"openrca-cloudbed-{n}"
    assert f"cloudbed-{n}" in meta["Name"] and meta["Desc"]
    assert isinstance(meta["Supported Operations"], list) and meta["Supported Operations"]


def test_glue_is_not_a_python_package_and_patches_nothing():
    assert not (GLUE / "__init__.py").exists()
    # issue 10 a: AIOpsLab's files stay as they are (actions/base.py is CRLF: patches never applied)
    assert sorted(p.name for p in GLUE.iterdir() if p.suffix not in (".py", ".json")) == []


def test_registry_holds_every_problem_with_its_ground_truth(lab):
    reg = problems_module(lab).ProblemRegistry()
    added = problems_module(lab).register(reg)
    assert added == 444 + 3
    assert "noop_detection_hotel_reservation-1" in reg.PROBLEM_REGISTRY  # AIOpsLab's own stay
    for cloudbed in ("cloudbed-1", "cloudbed-2"):
        cb = "cb" + cloudbed[-1]
        for rec, _ in vendored(cloudbed)[::7]:
            name = f"{rec.row:03d}"
            loc = reg.get_problem_instance(f"openrca-{cb}-localization-{name}")
            assert type(loc).__name__ == "OpenRCALocalization"
            assert loc.faulty_service == rec.component and rec.component in loc.expected
            assert (
                loc.namespace == f"openrca-{cloudbed}"
                and loc.app.scenario == f"openrca-market/{cloudbed}/{name}"
            )
            ana = reg.get_problem_instance(f"openrca-{cb}-analysis-{name}")
            assert tuple(ana.expected) == ANALYSIS_LABELS[rec.reason]
            assert reg.get_problem_instance(f"openrca-{cb}-detection-{name}").expected == ["Yes"]
    assert reg.get_problem_instance("openrca-cb2-detection-ff-000").expected == ["No"]


def test_install_extends_every_new_registry_once(lab):
    mod = problems_module(lab)
    mod.install()
    mod.install()
    reg = mod.ProblemRegistry()
    assert len(reg.PROBLEM_REGISTRY) == 1 + 447


def test_problems_path_from_the_environment(lab, monkeypatch, tmp_path):
    path = tmp_path / "few.json"
    registry.write(path, problems_from_manifests(real_manifests("cloudbed-2")[:1]))
    monkeypatch.setenv("REPLAYBED_PROBLEMS", str(path))
    assert sorted(problems_module(lab).problem_factories()) == [
        "openrca-cb2-analysis-000",
        "openrca-cb2-detection-000",
        "openrca-cb2-localization-000",
    ]
    path.write_text('{"schema": 1, "problems": []}')
    with pytest.raises(ValueError, match="found schema 1.*regenerate"):
        problems_module(lab).load_problems()


def test_detection_eval(lab):
    yes = instance(lab, "openrca-cb1-detection-000")
    assert yes.eval(" yes ", [], 3.0)["Detection Accuracy"] == "Correct"
    assert yes.results["success"] is True and yes.results["TTD"] == 3.0
    assert (
        instance(lab, "openrca-cb1-detection-000").eval("No", [], 1.0)["Detection Accuracy"]
        == "Incorrect"
    )
    assert (
        instance(lab, "openrca-cb1-detection-000").eval(["Yes"], [], 1.0)["Detection Accuracy"]
        == "Invalid Format"
    )
    no = instance(lab, "openrca-cb1-detection-ff-001")
    assert no.eval("No", [], 1.0)["success"] is True
    assert instance(lab, "openrca-cb1-detection-ff-001").eval("Yes", [], 1.0)["success"] is False


def _record(cloudbed, level):
    return next(r for r, _ in vendored(cloudbed) if r.level == level)


def test_localization_accepts_the_pod_or_its_service_for_pod_faults(lab):
    rec = _record("cloudbed-1", "pod")
    pid = f"openrca-cb1-localization-{rec.row:03d}"
    service = re.sub(r"2?-\d+$", "", rec.component)
    for answer in ([rec.component], [service], rec.component, [rec.component, service]):
        result = instance(lab, pid).eval(answer, [], 2.0)
        assert result["success"] is True and result["Localization Accuracy"] == 100.0, answer
    half = instance(lab, pid).eval([rec.component, "node-1"], [], 2.0)
    assert (
        half["success"] is False
        and half["Localization Accuracy"] == 50.0
        and half["is_subset"] is True
    )
    for wrong in (["node-1"], [], None, {"pod": rec.component}, [service + "x"]):
        result = instance(lab, pid).eval(wrong, [], 2.0)
        assert result["success"] is False and result["Localization Accuracy"] == 0.0, wrong


@pytest.mark.parametrize("level", ["service", "node"])
def test_localization_for_service_and_node_faults_accepts_only_the_component(lab, level):
    rec = _record("cloudbed-2", level)
    pid = f"openrca-cb2-localization-{rec.row:03d}"
    assert instance(lab, pid).eval([rec.component], [], 1.0)["success"] is True
    other = "node-1" if rec.component != "node-1" else "node-2"
    assert instance(lab, pid).eval([other], [], 1.0)["success"] is False
    if level == "service":
        assert instance(lab, pid).eval([f"{rec.component}-0"], [], 1.0)["success"] is False


def test_analysis_eval(lab):
    rec = _record("cloudbed-1", "node")
    level, fault_type = ANALYSIS_LABELS[rec.reason]
    pid = f"openrca-cb1-analysis-{rec.row:03d}"
    ok = instance(lab, pid).eval(
        {"system_level": level.upper(), "fault_type": f" {fault_type.lower()} "}, [], 1.0
    )
    assert ok["success"] is True and ok["TTA"] == 1.0
    wrong_type = instance(lab, pid).eval(
        {"system_level": level, "fault_type": "Code Defect"}, [], 1.0
    )
    assert wrong_type["system_level_correct"] is True and wrong_type["fault_type_correct"] is False
    assert wrong_type["success"] is False
    assert instance(lab, pid).eval("Hardware", [], 1.0)["success"] is False


def test_static_injector_records_the_truth_and_touches_nothing(lab, cluster, capsys):
    rec = _record("cloudbed-1", "pod")
    prob = instance(lab, f"openrca-cb1-analysis-{rec.row:03d}")
    prob.inject_fault()
    prob.start_workload()
    prob.recover_fault()
    assert [e[0] for e in prob.injector.events] == ["inject", "recover"]
    assert rec.reason in prob.injector.events[0][1] and rec.component in prob.injector.events[0][1]
    assert rec.datetime in capsys.readouterr().out
    assert cluster.load()["calls"] == []


def test_deploy_and_delete_run_replaybed_with_the_right_flags(lab, cluster, monkeypatch):
    monkeypatch.setenv("REPLAYBED_PROMETHEUS", "http://prom.observe:80/api/v1/write")
    monkeypatch.setenv("REPLAYBED_IMAGE", "registry.example/replaybed:1")
    monkeypatch.setenv("REPLAYBED_TIMEOUT", "120")
    cluster.Prometheus().deploy()
    prob = instance(lab, "openrca-cb2-detection-005")
    prob.app.delete()
    report = prob.app.deploy()
    assert report["ready"] is True and report["namespace"] == "openrca-cloudbed-2"
    rb = [c[1:] for c in cluster.calls(("replaybed",)) if c[2] != "prometheus-values"]
    assert rb == [
        ["deploy", "down", "--namespace", "openrca-cloudbed-2"]
        + ["--prometheus", "http://prom.observe:80/api/v1/write", "--timeout", "120"],
        [
            "deploy",
            "up",
            "--scenario",
            "openrca-market/cloudbed-2/005",
            "--store",
            "s3://bucket/market",
            "--namespace",
            "openrca-cloudbed-2",
            "--json",
            "--replace",
            "--image",
            "registry.example/replaybed:1",
            "--prometheus",
            "http://prom.observe:80/api/v1/write",
            "--timeout",
            "120",
        ],
    ]


def test_deploy_failures_are_clear(lab, cluster, monkeypatch, tmp_path):
    app_mod = lab["aiopslab.service.apps.openrca_replay"]
    cluster.Prometheus().deploy()
    app = app_mod.OpenRCAReplay("cloudbed-1", "openrca-market/cloudbed-1/999")
    assert app.namespace == "openrca-cloudbed-1" and app.name.startswith("OpenRCA")
    with pytest.raises(app_mod.ReplaybedError, match="exited with 1: error: scenario .*999 is not"):
        app.deploy()
    liar = tmp_path / "liar"
    liar.write_text('#!/bin/sh\n[ "$2" = prometheus-values ] && exit 0\necho not json\n')
    liar.chmod(0o755)
    monkeypatch.setenv("REPLAYBED_BIN", str(liar))
    with pytest.raises(app_mod.ReplaybedError, match="no JSON report"):
        app_mod.OpenRCAReplay("cloudbed-1", "openrca-market/cloudbed-1/000").deploy()
    monkeypatch.delenv("REPLAYBED_STORE")
    calls = len(cluster.load()["calls"])
    with pytest.raises(app_mod.ReplaybedError, match="REPLAYBED_STORE is not set"):
        app_mod.OpenRCAReplay("cloudbed-1", "openrca-market/cloudbed-1/000").deploy()
    assert not [c for c in cluster.load()["calls"][calls:] if c[0] == "replaybed"]


def test_problem_whose_namespace_differs_from_the_metadata_is_refused(lab):
    mod = problems_module(lab)
    spec = next(p for p in mod.load_problems() if p["id"] == "openrca-cb1-detection-000")
    with pytest.raises(ValueError, match="namespace 'elsewhere'"):
        mod.OpenRCADetection({**spec, "namespace": "elsewhere"})
