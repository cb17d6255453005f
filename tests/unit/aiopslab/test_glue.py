"""The files copied into an AIOpsLab checkout, run against a fake aiopslab with the same interfaces
(support/fake_aiopslab.py, modelled on AIOpsLab ddf7e40)."""

import json
import re

import pytest
from support import fake_aiopslab
from support.aiopslab_manifests import TELECOM_FAULTS, real_manifests

from replaybed.compile.datasets.openrca_market.labels import ANALYSIS_LABELS
from replaybed.compile.datasets.openrca_market.records import vendored
from replaybed.k8s.aiopslab import registry
from replaybed.k8s.aiopslab.problems import problem_set

GLUE = fake_aiopslab.GLUE


def problems_module(lab):
    return lab["aiopslab.orchestrator.problems.replaybed"]


def labels(reason):
    analysis = ANALYSIS_LABELS[reason]
    return (analysis.system_level, analysis.fault_type)


def instance(lab, pid):
    registry_cls = problems_module(lab).ProblemRegistry
    reg = registry_cls()
    problems_module(lab).register(reg)
    return reg.get_problem_instance(pid)


def test_glue_is_not_a_python_package_patches_nothing_and_has_no_metadata_files():
    assert not (GLUE / "__init__.py").exists()
    # issue 10 a: AIOpsLab's files stay as they are (actions/base.py is CRLF: patches never applied)
    # issue 11: no per-dataset metadata file; the app's metadata comes from problems.json
    assert sorted(p.name for p in GLUE.iterdir()) == sorted(fake_aiopslab.GLUE_MODULES)
    for path in GLUE.iterdir():
        text = path.read_text()
        for word in ("cloudbed", "Market", "UTC+8", "openrca-cb"):
            assert word not in text, (path.name, word)


@pytest.mark.parametrize(
    ("pid", "name", "namespace"),
    [
        (
            "openrca-market-cloudbed-2-detection-005",
            "openrca-market cloudbed-2",
            "openrca-cloudbed-2",
        ),
        ("openrca-telecom-telecom-analysis-000", "openrca-telecom telecom", "openrca-telecom"),
        ("openrca-bank-bank-localization-001", "openrca-bank bank", "openrca-bank"),
    ],
)
def test_app_metadata_is_built_from_problems_json_as_aiopslab_reads_it(lab, pid, name, namespace):
    app = instance(lab, pid).app
    meta = app.get_app_json()
    assert set(meta) == {"Name", "Namespace", "Desc", "Supported Operations"}
    assert (app.name, app.namespace) == (f"{name} (replay)", namespace)
    assert meta["Name"] == app.name and meta["Namespace"] == namespace
    assert isinstance(meta["Supported Operations"], list) and meta["Supported Operations"]
    assert app.config_file.endswith("replaybed-problems.json")
    summary = app.get_app_summary()  # AIOpsLab's own Application.get_app_summary
    assert summary.startswith(f"Service Name: {name} (replay)\nNamespace: {namespace}\n")
    assert "Description: A recorded incident window of system" in summary


def test_app_summary_says_which_telemetry_the_dataset_recorded(lab):
    market = instance(lab, "openrca-market-cloudbed-1-detection-000").app.get_app_json()
    assert (
        "metrics are in Prometheus; traces are in Jaeger; each pod prints its recorded logs"
        in (market["Desc"])
    )
    assert "recorded no" not in market["Desc"]
    assert (
        "Read pod logs (get_logs with a pod or service name, kubectl logs <pod>)"
        in (market["Supported Operations"])
    )
    assert "10 services with 42 pods on 6 nodes" not in market["Desc"]  # counts come from the data
    assert "11 services with 42 pods on 6 nodes" in market["Desc"]
    telecom = instance(lab, "openrca-telecom-telecom-detection-ff-000").app.get_app_json()
    assert "metrics are in Prometheus; traces are in Jaeger." in telecom["Desc"]
    assert "The dataset recorded no logs: there are none to read." in telecom["Desc"]
    ops = telecom["Supported Operations"]
    assert "No logs: the dataset recorded none" in ops
    assert not [op for op in ops if "get_logs" in op]
    bank = instance(lab, "openrca-bank-bank-detection-000").app.get_app_json()
    assert "14 pods on 0 nodes" in bank["Desc"] and "recorded no" not in bank["Desc"]


def test_registry_holds_every_problem_with_its_ground_truth(lab):
    reg = problems_module(lab).ProblemRegistry()
    added = problems_module(lab).register(reg)
    assert added == 444 + 3 + 19 + 9
    assert "noop_detection_hotel_reservation-1" in reg.PROBLEM_REGISTRY  # AIOpsLab's own stay
    for cloudbed in ("cloudbed-1", "cloudbed-2"):
        for rec, _ in vendored(cloudbed)[::7]:
            name = f"{rec.row:03d}"
            loc = reg.get_problem_instance(f"openrca-market-{cloudbed}-localization-{name}")
            assert type(loc).__name__ == "ReplayLocalization"
            assert loc.faulty_service == rec.component and rec.component in loc.expected
            assert (
                loc.namespace == f"openrca-{cloudbed}"
                and loc.app.scenario == f"openrca-market/{cloudbed}/{name}"
            )
            ana = reg.get_problem_instance(f"openrca-market-{cloudbed}-analysis-{name}")
            assert tuple(ana.expected) == labels(rec.reason)
            det = reg.get_problem_instance(f"openrca-market-{cloudbed}-detection-{name}")
            assert det.expected == ["Yes"]
    assert reg.get_problem_instance("openrca-market-cloudbed-2-detection-ff-000").expected == ["No"]
    assert reg.get_problem_ids("analysis") == sorted(
        i for i in reg.PROBLEM_REGISTRY if "-analysis-" in i
    )
    # a dataset without analysis labels has no Analysis problems
    assert not [i for i in reg.PROBLEM_REGISTRY if i.startswith("openrca-bank-bank-analysis")]
    assert reg.get_problem_instance("openrca-bank-bank-localization-002").expected == ["apache01"]


def test_install_extends_every_new_registry_once(lab):
    mod = problems_module(lab)
    mod.install()
    mod.install()
    reg = mod.ProblemRegistry()
    assert len(reg.PROBLEM_REGISTRY) == 1 + 447 + 19 + 9


def test_problems_path_from_the_environment(lab, monkeypatch, tmp_path):
    path = tmp_path / "few.json"
    registry.write(path, problem_set(real_manifests("cloudbed-2")[:1]))
    monkeypatch.setenv("REPLAYBED_PROBLEMS", str(path))
    assert sorted(problems_module(lab).problem_factories()) == [
        "openrca-market-cloudbed-2-analysis-000",
        "openrca-market-cloudbed-2-detection-000",
        "openrca-market-cloudbed-2-localization-000",
    ]
    [spec] = [s for s in problems_module(lab).load_problems() if s["task"] == "analysis"]
    assert spec["problems_file"] == str(path) and spec["signals"] == ["metrics", "traces", "logs"]
    assert len(spec["pods"]) == 42 and spec["rules"]["pod"] == ["component", "service"]
    for old in (1, 2):  # schema 2 carried Market's `cloudbed` and the components per problem
        path.write_text(json.dumps({"schema": old, "problems": []}))
        with pytest.raises(ValueError, match=f"found schema {old}.*regenerate"):
            problems_module(lab).load_problems()
    path.write_text('{"schema": 3, "problems": []}')
    with pytest.raises(ValueError, match="environments, systems missing or of another type"):
        problems_module(lab).load_problems()


def test_detection_eval(lab):
    yes = instance(lab, "openrca-market-cloudbed-1-detection-000")
    assert yes.eval(" yes ", [], 3.0)["Detection Accuracy"] == "Correct"
    assert yes.results["success"] is True and yes.results["TTD"] == 3.0
    assert (
        instance(lab, "openrca-market-cloudbed-1-detection-000").eval("No", [], 1.0)[
            "Detection Accuracy"
        ]
        == "Incorrect"
    )
    assert (
        instance(lab, "openrca-market-cloudbed-1-detection-000").eval(["Yes"], [], 1.0)[
            "Detection Accuracy"
        ]
        == "Invalid Format"
    )
    no = instance(lab, "openrca-market-cloudbed-1-detection-ff-001")
    assert no.eval("No", [], 1.0)["success"] is True
    assert (
        instance(lab, "openrca-market-cloudbed-1-detection-ff-001").eval("Yes", [], 1.0)["success"]
        is False
    )


def _record(cloudbed, level):
    return next(r for r, _ in vendored(cloudbed) if r.level == level)


def test_localization_accepts_the_pod_or_its_service_for_pod_faults(lab):
    rec = _record("cloudbed-1", "pod")
    pid = f"openrca-market-cloudbed-1-localization-{rec.row:03d}"
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
    pid = f"openrca-market-cloudbed-2-localization-{rec.row:03d}"
    assert instance(lab, pid).eval([rec.component], [], 1.0)["success"] is True
    other = "node-1" if rec.component != "node-1" else "node-2"
    assert instance(lab, pid).eval([other], [], 1.0)["success"] is False
    if level == "service":
        assert instance(lab, pid).eval([f"{rec.component}-0"], [], 1.0)["success"] is False


def test_analysis_eval(lab):
    rec = _record("cloudbed-1", "node")
    level, fault_type = labels(rec.reason)
    pid = f"openrca-market-cloudbed-1-analysis-{rec.row:03d}"
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
    prob = instance(lab, f"openrca-market-cloudbed-1-analysis-{rec.row:03d}")
    prob.inject_fault()
    prob.start_workload()
    prob.recover_fault()
    assert [e[0] for e in prob.injector.events] == ["inject", "recover"]
    assert rec.reason in prob.injector.events[0][1] and rec.component in prob.injector.events[0][1]
    assert f"at {rec.datetime} (dataset time, UTC+08:00)" in capsys.readouterr().out
    assert cluster.load()["calls"] == []


def test_deploy_and_delete_run_replaybed_with_the_right_flags(lab, cluster, monkeypatch):
    monkeypatch.setenv("REPLAYBED_PROMETHEUS", "http://prom.observe:80/api/v1/write")
    monkeypatch.setenv("REPLAYBED_IMAGE", "registry.example/replaybed:1")
    monkeypatch.setenv("REPLAYBED_TIMEOUT", "120")
    cluster.Prometheus().deploy()
    prob = instance(lab, "openrca-market-cloudbed-2-detection-005")
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
    app_mod = lab["aiopslab.service.apps.replaybed"]
    cluster.Prometheus().deploy()
    spec = instance(lab, "openrca-market-cloudbed-1-detection-000").spec
    app = app_mod.ReplayApp({**spec, "scenario": "openrca-market/cloudbed-1/999"})
    assert app.namespace == "openrca-cloudbed-1" and app.name.startswith("openrca-market")
    with pytest.raises(app_mod.ReplaybedError, match="exited with 1: error: scenario .*999 is not"):
        app.deploy()
    liar = tmp_path / "liar"
    liar.write_text('#!/bin/sh\n[ "$2" = prometheus-values ] && exit 0\necho not json\n')
    liar.chmod(0o755)
    monkeypatch.setenv("REPLAYBED_BIN", str(liar))
    with pytest.raises(app_mod.ReplaybedError, match="no JSON report"):
        app_mod.ReplayApp(spec).deploy()
    monkeypatch.delenv("REPLAYBED_STORE")
    calls = len(cluster.load()["calls"])
    with pytest.raises(app_mod.ReplaybedError, match="REPLAYBED_STORE is not set"):
        app_mod.ReplayApp(spec).deploy()
    assert not [c for c in cluster.load()["calls"][calls:] if c[0] == "replaybed"]


def test_the_agent_is_told_the_namespace_the_replay_lands_in(lab, cluster):
    # one source: the app's metadata and `deploy up --namespace` both read the problem's entry
    cluster.Prometheus().deploy()
    for pid, ns in (
        ("openrca-market-cloudbed-1-detection-000", "openrca-cloudbed-1"),
        ("openrca-telecom-telecom-detection-000", "openrca-telecom"),
    ):
        prob = instance(lab, pid)
        assert f"Namespace: {ns}\n" in prob.get_task_description()
        prob.app.deploy()
        up = [c for c in cluster.calls(("replaybed",)) if c[1:3] == ["deploy", "up"]][-1]
        assert up[up.index("--namespace") + 1] == ns


@pytest.mark.parametrize("row", range(len(TELECOM_FAULTS)))
def test_telecom_shaped_problems_evaluate_against_the_manifests_answers(lab, row):
    level, component, _, analysis = TELECOM_FAULTS[row]
    loc = instance(lab, f"openrca-telecom-telecom-localization-{row:03d}")
    assert loc.expected == [component] and loc.namespace == "openrca-telecom"
    assert loc.eval([component], [], 1.0)["success"] is True
    other = "os_001" if component != "os_001" else "os_002"
    assert instance(lab, loc.problem_id).eval([other], [], 1.0)["success"] is False
    ana = instance(lab, f"openrca-telecom-telecom-analysis-{row:03d}").eval(
        {"system_level": analysis.system_level, "fault_type": analysis.fault_type}, [], 1.0
    )
    assert ana["success"] is True
    det = instance(lab, f"openrca-telecom-telecom-detection-{row:03d}")
    assert det.eval("Yes", [], 1.0)["success"] is True
    assert instance(lab, "openrca-telecom-telecom-detection-ff-000").eval("No", [], 1.0)["success"]
