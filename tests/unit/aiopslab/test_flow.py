"""The glue in AIOpsLab's real problem flow (issue 10 part 2), against the recording fake of
AIOpsLab ddf7e40 (support/fake_aiopslab.py): helm/kubectl/replaybed are executables that keep the
cluster's state, the orchestrator runs init_problem/start_problem in AIOpsLab's order."""

import hashlib
import re
from pathlib import Path

import pytest
import yaml
from support.aiopslab_manifests import TELECOM_FAULTS
from support.fake_aiopslab import CHART, PROMETHEUS_VALUES, Orchestrator, run_episode

from replaybed.compile.datasets.openrca_market.records import vendored

NS = "openrca-cloudbed-1"
TELECOM = "openrca-telecom"
TELECOM_LEVELS = ("node", "service", "pod")


def glue(lab):
    return lab["aiopslab.orchestrator.problems.replaybed"]


def app_module(lab):
    return lab["aiopslab.service.apps.replaybed"]


def problem(lab, pid):
    reg = glue(lab).ProblemRegistry()
    glue(lab).register(reg)
    return reg.get_problem_instance(pid)


def row(cloudbed, level, nth=0):
    return [r for r, _ in vendored(cloudbed) if r.level == level][nth]


def loc_id(rec, cloudbed="cloudbed-1"):
    return f"openrca-market-{cloudbed}-localization-{rec.row:03d}"


def short(call):
    """A call as `tool verb [object]`, enough to check the order."""
    tool, *args = call
    if tool == "replaybed":
        return " ".join(["replaybed", *args[:2]])
    if tool.startswith("KubeCtl."):
        return " ".join([tool, *args[:1]])
    if tool == "helm":
        return " ".join(["helm", *args[:2]]) if args[0] == "get" else f"helm {args[0]}"
    if args[0] in ("apply", "delete") and "-f" in args:
        target = args[args.index("-f") + 1]
        return f"kubectl {args[0]} -f " + ("openebs" if "openebs" in target else Path(target).name)
    return " ".join(["kubectl", *args[:2]])


def deploy_prometheus(cluster):
    """What init_problem does before app.delete(): AIOpsLab's chart with its own values."""
    cluster.Prometheus().deploy()
    assert cluster.release(cluster.load())["values"] == {}


def prometheus_already_upgraded(cluster):
    """A release that already has replaybed's values (an episode whose agent raised keeps it)."""
    deploy_prometheus(cluster)
    with cluster.edit() as st:
        cluster.release(st)["values"] = yaml.safe_load(PROMETHEUS_VALUES)


# --- a / e: get_logs --------------------------------------------------------------------------


def test_get_logs_takes_pod_and_service_names_in_replay_namespaces_without_patching(
    lab, cluster, monkeypatch, capsys
):
    base_py = lab["base_dir"] / "orchestrator" / "actions" / "base.py"
    before = base_py.read_bytes()
    assert b"\r\n" in before and b"def get_logs(namespace: str, service: str)" in before
    monkeypatch.setenv("LOG_TRIM", "1")  # AIOpsLab's compression is on only with LOG_TRIM
    glue(lab).install()
    prometheus_already_upgraded(cluster)
    prob = problem(lab, loc_id(row("cloudbed-1", "pod")))
    prob.app.deploy()
    get_logs = prob.actions.get_logs  # LocalizationActions inherits TaskActions.get_logs

    one = get_logs(NS, "shippingservice-1")
    assert one.splitlines()[0].endswith("shippingservice-1 started")
    assert one.count("GET /cart 200") == 1  # three repeated lines compressed to one, as AIOpsLab
    assert "2026-08-20T10:00:03Z shippingservice-1 GET /cart 200" in one

    every = get_logs(NS, "shippingservice")
    heads = re.findall(r"^==== pod (\S+) ====$", every, re.M)
    assert heads == ["shippingservice-0", "shippingservice-1", "shippingservice-2"] + [
        "shippingservice2-0"
    ]
    for pod in heads:
        assert f"{pod} started" in every
    assert every.count("GET /cart 200") == 4

    unknown = get_logs(NS, "shipping")
    assert unknown.startswith("Error: 'shipping' is neither a service nor a pod of namespace")
    assert "Services: adservice, cartservice," in unknown and "shippingservice2-0" in unknown
    assert "frontend2-0" in unknown and "redis-cart" in unknown
    assert one in capsys.readouterr().out  # printed, as AIOpsLab's get_logs does

    # every other namespace: AIOpsLab's own get_logs, unchanged
    with cluster.edit() as st:
        st["pods"]["test-social-network"] = {
            "user-service-5d8f": {"app": "user-service", "logs": "native line"},
            "user-service-7c2a": {"app": "user-service", "logs": "second pod"},
        }
    assert get_logs("test-social-network", "user-service") == "native line"
    assert get_logs("openrca-cloudbed-9", "x").startswith("Error: Your service/namespace does not")
    assert get_logs("test-social-network", "shippingservice-1").startswith(
        "Error: Your service/namespace does not exist"
    )
    assert base_py.read_bytes() == before  # AIOpsLab's file untouched


def test_get_logs_extension_keeps_the_action_markers_and_documents_pod_names(lab, cluster):
    mod = glue(lab)
    task_actions = lab["aiopslab.orchestrator.actions.base"].TaskActions
    original = task_actions.get_logs
    mod.install()
    mod.install()
    wrapped = task_actions.get_logs
    assert wrapped.__wrapped__ is original  # extended once, not wrapped twice
    assert wrapped.is_action and wrapped.action_type == "read"
    prob = problem(lab, "openrca-market-cloudbed-2-detection-000")
    doc = prob.get_available_actions()["get_logs"]
    assert "openrca-bank, openrca-cloudbed-1, openrca-cloudbed-2, openrca-telecom" in doc
    assert "may also be a pod name" in doc
    assert "The datasets replayed in openrca-telecom recorded no logs" in doc
    # a pod that is listed but not running answers with an error for that pod only
    with cluster.edit() as st:
        st["namespaces"]["openrca-cloudbed-2"] = "Active"
        st["pods"]["openrca-cloudbed-2"] = {"adservice-0": {"app": "adservice", "logs": "a0"}}
    out = prob.actions.get_logs("openrca-cloudbed-2", "adservice")
    assert "==== pod adservice-0 ====\na0" in out
    assert "Error: cannot read the logs of pod adservice2-0 in namespace openrca-cloudbed-2" in out


# --- b: every problem's Prometheus accepts the backfill ---------------------------------------


def test_deploy_upgrades_aiopslabs_chart_default_prometheus_before_replaying(lab, cluster):
    deploy_prometheus(cluster)
    prob = problem(lab, "openrca-market-cloudbed-1-analysis-000")
    prob.app.deploy()
    calls = cluster.load()["calls"]
    upgrade = next(c for c in calls if c[:2] == ["helm", "upgrade"])
    chart = str(lab["base_dir"] / CHART)
    assert upgrade[:9] == ["helm", "upgrade", "prometheus", chart, "-n", "observe"] + [
        "--reuse-values",
        "-f",
        upgrade[8],
    ]
    assert upgrade[9:] == ["--wait", "--timeout", "300s"]
    assert calls.index(upgrade) < next(i for i, c in enumerate(calls) if c[1:3] == ["deploy", "up"])
    flags = cluster.release(cluster.load())["values"]["server"]["extraFlags"]
    assert "web.enable-remote-write-receiver" in flags and "web.enable-admin-api" in flags
    # the next deploy finds the values in place and leaves the release alone
    problem(lab, "openrca-market-cloudbed-1-detection-000").app.deploy()
    assert sum(c[:2] == ["helm", "upgrade"] for c in cluster.load()["calls"]) == 1


def test_deploy_without_aiopslabs_prometheus_says_what_is_missing(lab, cluster, monkeypatch):
    app = problem(lab, "openrca-market-cloudbed-1-analysis-000").app
    with pytest.raises(app_module(lab).ReplaybedError, match="release 'prometheus' in namespace"):
        app.deploy()
    app.delete()  # delete tolerates a missing release: nothing to repair for a removal
    monkeypatch.setenv("REPLAYBED_PROMETHEUS_UPGRADE", "0")
    deploy_prometheus(cluster)
    with pytest.raises(app_module(lab).ReplaybedError, match="remote write receiver"):
        problem(lab, "openrca-market-cloudbed-1-analysis-000").app.deploy()
    assert not [c for c in cluster.load()["calls"] if c[:2] == ["helm", "upgrade"]]


# --- c: leftovers of an episode whose agent raised --------------------------------------------


def test_delete_returns_only_once_the_namespace_is_gone(lab, cluster, monkeypatch):
    prometheus_already_upgraded(cluster)
    problem(lab, "openrca-market-cloudbed-1-detection-000").app.deploy()
    # a replaybed whose `deploy down` returns while the namespace is still Terminating
    monkeypatch.setenv("FAKE_REPLAYBED_DOWN_NO_WAIT", "1")
    nxt = problem(lab, "openrca-market-cloudbed-1-detection-001")
    nxt.app.delete()
    assert NS not in cluster.load()["namespaces"]
    assert nxt.app.deploy()["ready"] is True


def test_deploy_replaces_series_an_earlier_episode_left_in_prometheus(lab, cluster):
    prometheus_already_upgraded(cluster)
    problem(lab, "openrca-market-cloudbed-1-detection-000").app.deploy()
    # the namespace is gone (e.g. removed by hand) but its series stayed in Prometheus
    with cluster.edit() as st:
        del st["namespaces"][NS]
    assert cluster.load()["series"][NS]["scenario"] == "openrca-market/cloudbed-1/000"
    problem(lab, "openrca-market-cloudbed-1-detection-001").app.deploy()
    assert cluster.load()["series"][NS]["scenario"] == "openrca-market/cloudbed-1/001"


def test_every_problem_starts_with_an_empty_prometheus(lab, cluster):
    """Series Prometheus cannot delete (out-of-order, prometheus/prometheus#11790) must not reach
    the next problem: a server that kept running is restarted on its emptyDir before deploy up."""
    prometheus_already_upgraded(cluster)
    with cluster.edit() as st:
        st["series"]["openrca-cloudbed-1"] = {"scenario": "earlier", "count": 7}
        st["series"]["other-namespace"] = {"scenario": "earlier", "count": 3}
    problem(lab, "openrca-market-cloudbed-1-detection-001").app.deploy()
    series = cluster.load()["series"]
    assert list(series) == [NS] and series[NS]["scenario"] == "openrca-market/cloudbed-1/001"


# --- d: the description tells what counts, not which level this fault is ----------------------


def test_localization_description_gives_the_answer_space_without_the_fault_level(lab, cluster):
    node = problem(lab, loc_id(row("cloudbed-1", "node")))
    pod = problem(lab, loc_id(row("cloudbed-1", "pod")))
    service = problem(lab, loc_id(row("cloudbed-1", "service")))
    text = node.get_task_description()
    assert text == pod.get_task_description() == service.get_task_description()
    assert "Service Name: openrca-market cloudbed-1 (replay)" in text  # AIOpsLab's app summary
    assert "Namespace: openrca-cloudbed-1" in text
    assert "(i.e., service names)" not in text and "identify the service(s)" not in text
    assert "node, service or pod names" in text
    assert "- nodes: node-1, node-2, node-3, node-4, node-5, node-6" in text
    assert "- services: adservice, cartservice, checkoutservice," in text
    assert "  - shippingservice: shippingservice-0 on node-" in text
    assert ", shippingservice2-0 on node-" in text
    for rule in ("only that node's name counts", "only the service's name counts"):
        assert rule in text
    assert "that pod's name or its service's name counts" in text
    submit = node.get_available_actions()["submit"]
    assert "(i.e., service names)" not in submit and "node, service or pod names" in submit


def test_detection_and_analysis_descriptions_list_the_components(lab, cluster):
    for pid in (
        "openrca-market-cloudbed-2-detection-ff-000",
        "openrca-market-cloudbed-2-analysis-010",
    ):
        text = problem(lab, pid).get_task_description()
        assert "Components of namespace openrca-cloudbed-2:" in text
        assert "Service Name: openrca-market cloudbed-2 (replay)" in text
        assert "{" not in text.replace("{app_summary}", "")


def test_localization_description_lists_the_answer_space_by_kind(lab, cluster):
    text = problem(lab, loc_id(row("cloudbed-2", "pod"), "cloudbed-2")).get_task_description()
    space = text[text.index("Names that may count, by kind:") :]
    assert "- nodes: node-1, node-2, node-3, node-4, node-5, node-6\n" in space
    assert "- services: frontend, shippingservice, checkoutservice," in space
    assert "- pods: frontend-0, frontend-1, frontend-2, frontend2-0, shippingservice-0" in space
    assert "redis-cart" not in space  # listed as a component, never a valid answer
    assert "redis-cart-0" in text


def _telecom_loc(level):
    row = next(i for i, f in enumerate(TELECOM_FAULTS) if f[0] == level)
    return f"openrca-telecom-telecom-localization-{row:03d}"


def test_telecom_shaped_descriptions_say_there_are_no_logs(lab, cluster):
    texts = {lv: problem(lab, _telecom_loc(lv)).get_task_description() for lv in TELECOM_LEVELS}
    text = texts["node"]
    assert texts["service"] == text == texts["pod"]  # the level is for the agent to find out
    assert "Service Name: openrca-telecom telecom (replay)\nNamespace: openrca-telecom" in text
    assert "The dataset recorded no logs: there are none to read." in text
    assert "No logs: the dataset recorded none" in text
    assert "identify the component(s) (nodes, services or pods) where" in text
    assert "(i.e., node, service or pod names, as the task description lists them)" in text
    for rule in (
        "- a fault on a node: only that node's name counts",
        "- a fault that hit a whole service (all of its pods): only the service's name counts",
        "- a fault in one pod: only that pod's name counts",
    ):
        assert rule in text
    assert "- services: docker, db_001, db_002," in text  # components
    assert "  - docker: docker_001 on os_018, docker_002 on os_019," in text
    assert "- services: db_001, db_002, db_003," in text  # answer space
    assert "- pods: docker_001, docker_002," in text
    for pid in ("openrca-telecom-telecom-detection-ff-000", "openrca-telecom-telecom-analysis-003"):
        other = problem(lab, pid).get_task_description()
        assert "The dataset recorded no logs" in other and "Components of namespace" in other


def test_bank_shaped_descriptions_name_pods_only_and_no_nodes(lab, cluster):
    prob = problem(lab, "openrca-bank-bank-localization-000")
    text = prob.get_task_description()
    assert "identify the component(s) (pods) where" in text
    assert "(i.e., pod names, as the task description lists them)" in text
    assert "- a fault in one pod: only that pod's name counts" in text
    assert "a fault on a node" not in text and "whole service" not in text
    assert "- nodes: (none recorded)" in text
    assert "- pods of each service (pod, on its node where the dataset records it):" in text
    assert "  - Tomcat: Tomcat01, Tomcat02, Tomcat03, Tomcat04\n" in text
    assert "recorded no" not in text
    submit = prob.get_available_actions()["submit"]
    assert "(i.e., pod names, as the task description lists them)" in submit


# --- a dataset without logs: get_logs says so -------------------------------------------------


def test_get_logs_where_the_dataset_recorded_no_logs_says_so(lab, cluster, capsys):
    glue(lab).install()
    prometheus_already_upgraded(cluster)
    prob = problem(lab, _telecom_loc("pod"))
    get_logs = prob.actions.get_logs
    before_deploy = get_logs(TELECOM, "docker_002")
    prob.app.deploy()
    assert cluster.load()["pods"][TELECOM]["docker_002"]["logs"] == ""  # the pods print nothing
    answers = {get_logs(TELECOM, name) for name in ("docker_002", "docker", "db_003", "nope")}
    assert answers == {before_deploy}
    [answer] = answers
    assert answer.startswith("No logs: the recording replayed in namespace openrca-telecom")
    assert "(system telecom of the openrca-telecom dataset)" in answer
    assert "the dataset recorded none" in answer
    assert "Its telemetry: metrics (get_metrics), traces (get_traces)." in answer
    assert answer in capsys.readouterr().out
    assert not [c for c in cluster.calls(("KubeCtl",)) if "logs" in c[0]]  # nothing read from pods
    # a dataset with logs in the same lab still reads its pods
    bank = problem(lab, "openrca-bank-bank-detection-000")
    bank.app.deploy()
    every = get_logs("openrca-bank", "Tomcat")
    assert re.findall(r"^==== pod (\S+) ====$", every, re.M) == [
        "Tomcat01",
        "Tomcat02",
        "Tomcat03",
        "Tomcat04",
    ]


def test_a_telecom_episode_in_aiopslabs_flow(lab, cluster):
    glue(lab).install()
    orch = Orchestrator()
    level, component, _, _ = next(f for f in TELECOM_FAULTS if f[0] == "service")
    (desc, actions), out = run_episode(
        orch,
        _telecom_loc("service"),
        [f'get_logs("{TELECOM}", "docker")', f'submit(["{component}"])'],
    )
    assert "The dataset recorded no logs" in desc and "get_logs" in actions
    assert out["history"][1]["content"].startswith("No logs: ")
    assert out["final_state"] == "VALID_SUBMISSION" and out["results"]["success"] is True
    ups = [c for c in cluster.load()["calls"] if c[1:3] == ["deploy", "up"]]
    assert [c[c.index("--namespace") + 1] for c in ups] == [TELECOM]
    assert [c[c.index("--scenario") + 1] for c in ups] == ["openrca-telecom/telecom/002"]
    assert not [c for c in cluster.load()["calls"] if c[0] == "KubeCtl.get_pod_logs"]
    end = cluster.load()
    assert TELECOM not in end["namespaces"] and end["series"] == {}


# --- the whole order, two problems back to back, the first agent raising ----------------------

EPISODE_1 = [
    # init_problem: OpenEBS, Prometheus().deploy() with the chart's own values
    "kubectl apply -f openebs",
    "kubectl patch storageclass",
    "KubeCtl.wait_for_ready openebs",
    "helm status",
    "kubectl get pvc",
    "helm list",
    "kubectl apply -f prometheus-pvc.yml",
    "helm dependency",
    "helm install",
    "KubeCtl.wait_for_ready observe",
    # app.delete(): repair Prometheus, remove leftovers, wait for the namespace
    "helm get values",
    "replaybed deploy prometheus-values",
    "helm upgrade",
    "helm get values",
    "replaybed deploy down",
    "KubeCtl.wait_for_namespace_deletion openrca-cloudbed-1",
    # app.deploy(): the release has replaybed's values; restart the server for an empty TSDB
    "helm get values",
    "kubectl rollout restart",
    "kubectl rollout status",
    "replaybed deploy up",
    # the agent reads a pod's logs, then raises: recover, re-raise, no cleanup
    "KubeCtl.get_pod_logs openrca-cloudbed-1",
]
EPISODE_2 = [
    "kubectl apply -f openebs",
    "kubectl patch storageclass",
    "KubeCtl.wait_for_ready openebs",
    "helm status",  # still deployed (no teardown after the raise): skipped
    "helm get values",
    "replaybed deploy prometheus-values",
    "replaybed deploy down",  # removes episode 1's replay and series
    "KubeCtl.wait_for_namespace_deletion openrca-cloudbed-1",
    "helm get values",
    "kubectl rollout restart",  # Prometheus kept running after the raise: empty its TSDB
    "kubectl rollout status",
    "replaybed deploy up",
    *["KubeCtl.get_pod_logs openrca-cloudbed-1"] * 4,  # get_logs of a service: its 4 pods
    # eval, recover, app.cleanup(), Prometheus().teardown(), OpenEBS removal
    "helm get values",
    "replaybed deploy down",
    "KubeCtl.wait_for_namespace_deletion openrca-cloudbed-1",
    "helm list",
    "helm uninstall",
    "kubectl get pvc",
    "kubectl delete sc",
    "kubectl delete -f openebs",
    "KubeCtl.wait_for_namespace_deletion openebs",
]


def test_two_problems_back_to_back_the_first_agent_raising(lab, cluster, monkeypatch):
    monkeypatch.setenv("LOG_TRIM", "1")
    glue(lab).install()  # the client script's one line, before creating the orchestrator
    orch = Orchestrator()
    pod_fault = row("cloudbed-1", "pod")
    with pytest.raises(RuntimeError, match="model quota exhausted"):
        run_episode(
            orch,
            loc_id(pod_fault),
            [f'get_logs("{NS}", "{pod_fault.component}")', RuntimeError("model quota exhausted")],
        )
    assert orch.problem.injector.events[-1][0] == "recover"
    first = [short(c) for c in cluster.load()["calls"]]
    assert first == EPISODE_1
    left = cluster.load()
    assert (
        left["namespaces"][NS] == "Active" and left["series"][NS]
    )  # leftovers, as AIOpsLab leaves
    assert cluster.release(cluster.load()) is not None

    node_fault = row("cloudbed-1", "node")
    (desc, actions), out = run_episode(
        orch,
        loc_id(node_fault),
        [f'get_logs("{NS}", "frontend")', f'submit(["{node_fault.component}"])'],
    )
    assert "only that node's name counts" in desc and "get_logs" in actions
    assert out["final_state"] == "VALID_SUBMISSION"
    assert out["results"]["success"] is True and out["results"]["Localization Accuracy"] == 100.0
    assert "==== pod frontend2-0 ====" in out["history"][1]["content"]
    assert [short(c) for c in cluster.load()["calls"][len(first) :]] == EPISODE_2
    ups = [c for c in cluster.load()["calls"] if c[1:3] == ["deploy", "up"]]
    assert [c[c.index("--scenario") + 1] for c in ups] == [
        f"openrca-market/cloudbed-1/{pod_fault.row:03d}",
        f"openrca-market/cloudbed-1/{node_fault.row:03d}",
    ]
    assert all("--replace" in c for c in ups)
    end = cluster.load()
    assert NS not in end["namespaces"] and "openebs" not in end["namespaces"]
    assert cluster.release(cluster.load()) is None and end["series"] == {}


def test_crlf_base_py_is_the_file_the_actions_come_from(lab):
    path = lab["base_dir"] / "orchestrator" / "actions" / "base.py"
    module = lab["aiopslab.orchestrator.actions.base"]
    assert module.__file__ == str(path)
    assert hashlib.sha256(path.read_bytes()).hexdigest()  # a real file, CRLF (see test above)
