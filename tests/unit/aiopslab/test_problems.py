from collections import Counter
from dataclasses import replace

import pytest
from support.aiopslab_manifests import (
    BANK_PODS,
    TELECOM_FAULTS,
    bank_manifests,
    manifest,
    market_fault,
    real_manifests,
    telecom_manifests,
)
from support.fake_aiopslab import FAULT_TYPES, SYSTEM_LEVELS

from replaybed.compile.datasets.openrca_market import catalog
from replaybed.compile.datasets.openrca_market.records import vendored
from replaybed.k8s.aiopslab import problems
from replaybed.k8s.errors import DeployConfigError
from replaybed.schemas.manifest import AnswerSpace


def market_set(fault_free=(0, 0)):
    return problems.problem_set(
        real_manifests("cloudbed-1", fault_free=fault_free[0])
        + real_manifests("cloudbed-2", fault_free=fault_free[1])
    )


def _one(reason, level="pod", component="adservice2-0"):
    m = manifest("cloudbed-1", "017", market_fault(17, 1647761000, "x", level, component, reason))
    return {p.task: p for p in problems.problems_of(m)}


# --- Market: as before the seam, answers now read from the manifest ---------------------------


def test_both_cloudbeds_give_444_fault_problems_plus_one_detection_per_fault_free_window():
    found = market_set((4, 3)).problems
    faulty = [p for p in found if p.component is not None]
    free = [p for p in found if p.component is None]
    assert len(faulty) == 148 * 3 == 444
    assert Counter(p.task for p in faulty) == {
        "detection": 148,
        "localization": 148,
        "analysis": 148,
    }
    assert Counter(p.system for p in faulty) == {"cloudbed-1": 210, "cloudbed-2": 234}
    assert {p.dataset for p in found} == {"openrca-market"}
    assert (
        len(free) == 7
        and {p.task for p in free} == {"detection"}
        and {p.answers for p in free} == {("No",)}
    )
    assert [p.id for p in found] == sorted(p.id for p in found)
    assert len({p.id for p in found}) == len(found)
    assert market_set().without_analysis() == {}


@pytest.mark.parametrize("cloudbed", catalog.CLOUDBEDS)
def test_every_problem_carries_the_ground_truth_of_its_record(cloudbed):
    by_id = {p.id: p for p in problems.problem_set(real_manifests(cloudbed)).problems}
    for rec, _ in vendored(cloudbed):
        name = f"{rec.row:03d}"
        det = by_id[f"openrca-market-{cloudbed}-detection-{name}"]
        loc = by_id[f"openrca-market-{cloudbed}-localization-{name}"]
        ana = by_id[f"openrca-market-{cloudbed}-analysis-{name}"]
        assert det.answers == ("Yes",)
        assert rec.component in loc.answers
        if rec.level == "pod":
            assert set(loc.answers) == {rec.component, catalog.service_of(rec.component)}
        else:
            assert loc.answers == (rec.component,)
        level, fault_type = ana.answers
        assert level in SYSTEM_LEVELS and fault_type in FAULT_TYPES  # AIOpsLab's taxonomy
        for p in (det, loc, ana):
            assert (p.level, p.component, p.reason, p.fault_time) == (
                rec.level,
                rec.component,
                rec.reason,
                rec.datetime,
            )
            assert p.scenario == f"openrca-market/{cloudbed}/{name}"
            assert p.namespace == f"openrca-{cloudbed}"


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("container CPU load", ("Virtualization", "Operation Error")),
        ("container read I/O load", ("Hardware", "Network/Storage Issue")),
        ("container process termination", ("Virtualization", "Dependency Problem")),
        ("node CPU spike", ("Hardware", "Operation Error")),
        ("node disk space consumption", ("Hardware", "Network/Storage Issue")),
    ],
)
def test_market_analysis_answers_are_the_spec_rows(reason, expected):
    assert _one(reason)["analysis"].answers == expected


def test_every_market_reason_gets_labels_in_aiopslabs_taxonomy():
    for reason in catalog.REASONS:
        level, fault_type = _one(reason)["analysis"].answers
        assert level in SYSTEM_LEVELS and fault_type in FAULT_TYPES, reason


def test_localization_answers_are_the_manifests_accepted_names():
    assert _one("container CPU load")["localization"].answers == ("adservice", "adservice2-0")
    assert _one("node CPU load", "node", "node-3")["localization"].answers == ("node-3",)
    # whatever a format accepts is what counts: nothing is recomputed from names
    m = manifest(
        "cloudbed-1",
        "017",
        market_fault(17, 1647761000, "x", "pod", "cartservice-1", "container CPU load"),
    )
    odd = replace(m, fault=replace(m.fault, accepted=("cartservice-1", "node-2")))
    [loc] = [p for p in problems.problems_of(odd) if p.task == "localization"]
    assert loc.answers == ("cartservice-1", "node-2")


def test_market_components_are_stored_once_for_every_problem():
    found = market_set((1, 1))
    assert len(found.environments) == 1  # both cloudbeds list the same pods, nodes and signals
    [env] = found.environments.values()
    assert {p.environment for p in found.problems} == {env.key}
    [m] = [m for m in real_manifests("cloudbed-2") if m.scenario == "005"]
    assert env == problems.Environment.of(m)
    assert env.nodes == m.nodes and env.services == m.services
    assert [(q.name, q.service, q.node) for q in env.pods] == [
        (q.name, q.service, q.node) for q in m.pods
    ]
    assert env.signals == ("metrics", "traces", "logs") and env.tz == "+08:00"
    assert {"name": "adservice2-0", "service": "adservice", "node": env.pods[3].node} in (
        env.to_dict()["pods"]
    )
    assert problems.Environment.from_dict(env.to_dict(), "x") == env


def test_market_localization_rules_and_answer_space_per_system():
    found = market_set()
    assert sorted(found.systems) == ["openrca-market/cloudbed-1", "openrca-market/cloudbed-2"]
    cb1 = found.systems["openrca-market/cloudbed-1"]
    assert cb1.namespace == "openrca-cloudbed-1"
    assert cb1.levels == {
        "node": catalog.NODES,
        "pod": catalog.CANDIDATE_PODS,
        "service": catalog.SERVICES,
    }
    assert cb1.rules == {
        "node": ("component",),
        "pod": ("component", "service"),
        "service": ("component",),
    }


def test_rules_list_every_level_whatever_faults_the_store_holds():
    # a store holding one node fault must not tell the agent that only node faults exist
    node = manifest(
        "cloudbed-1", "005", market_fault(5, 1647761000, "x", "node", "node-2", "node CPU load")
    )
    rules = problems.problem_set([node]).systems["openrca-market/cloudbed-1"].rules
    assert set(rules) == {"node", "pod", "service"}
    assert rules["pod"] == problems.DEFAULT_RELATIONS


def test_a_rule_states_only_what_every_fault_of_its_level_accepts():
    def pod_fault(name, accepted):
        f = market_fault(int(name), 1647761000, "x", "pod", "cartservice-1", "container CPU load")
        return manifest("cloudbed-1", name, replace(f, accepted=accepted))

    both = problems.problem_set(
        [pod_fault("001", ("cartservice", "cartservice-1")), pod_fault("002", ("cartservice-1",))]
    )
    assert both.systems["openrca-market/cloudbed-1"].rules["pod"] == ("component",)
    # a service fault that accepts every pod of the service: any one of them counts
    pods = tuple(p.name for p in real_manifests("cloudbed-1")[0].pods if p.service == "cartservice")
    f = market_fault(3, 1647761000, "x", "service", "cartservice", "container CPU load")
    svc = manifest("cloudbed-1", "003", replace(f, accepted=("cartservice", *pods)))
    rules = problems.problem_set([svc]).systems["openrca-market/cloudbed-1"].rules
    assert rules["service"] == ("component", "pods")


def test_fault_free_problem_id_and_answer():
    [p] = problems.problems_of(manifest("cloudbed-1", "ff-003", None))
    assert p.id == "openrca-market-cloudbed-1-detection-ff-003"
    assert p.answers == ("No",) and p.component is None


def test_two_scenarios_with_one_problem_id_are_refused():
    fault = market_fault(17, 1647761000, "2022-03-20 15:23:20", "node", "node-3", "node CPU load")
    same = manifest("cloudbed-1", "017", fault)
    with pytest.raises(DeployConfigError, match="openrca-market-cloudbed-1-detection-017"):
        problems.problem_set([same, same])


def test_problem_dict_round_trip_and_bad_input():
    p = problems.problems_of(manifest("cloudbed-2", "ff-000", None))[0]
    assert problems.Problem.from_dict(p.to_dict(), "x") == p
    assert "pods" not in p.to_dict() and "cloudbed" not in p.to_dict()
    with pytest.raises(DeployConfigError, match="where: bad problem"):
        problems.Problem.from_dict({**p.to_dict(), "colour": "red"}, "where")
    with pytest.raises(DeployConfigError, match="task 'mitigation'"):
        problems.Problem.from_dict({**p.to_dict(), "task": "mitigation"}, "where")


def test_manifests_without_what_problems_need_are_refused_with_the_scenario():
    m = manifest(
        "cloudbed-1", "017", market_fault(17, 1, "x", "pod", "adservice-0", "container CPU load")
    )
    with pytest.raises(DeployConfigError, match=r"cloudbed-1/017: the manifest's fault.accepted"):
        problems.problems_of(replace(m, fault=replace(m.fault, accepted=())))
    with pytest.raises(DeployConfigError, match=r"fault level 'pod' is not in the .*node, service"):
        problems.problems_of(
            replace(m, answer_space=AnswerSpace({"node": ("n",), "service": ("s",)}))
        )
    other = replace(manifest("cloudbed-1", "ff-000", None), answer_space=AnswerSpace({"node": ()}))
    with pytest.raises(DeployConfigError, match="disagree on the answer space"):
        problems.problem_set([m, other])


# --- other datasets: Telecom-shaped (no logs) and Bank-shaped (no analysis labels) -------------


def test_telecom_shaped_dataset_gives_its_problems_and_says_it_has_no_logs():
    found = problems.problem_set(telecom_manifests(fault_free=1))
    assert Counter(p.task for p in found.problems) == {
        "detection": 7,
        "localization": 6,
        "analysis": 6,
    }
    by_id = {p.id: p for p in found.problems}
    for row, (level, component, _, analysis) in enumerate(TELECOM_FAULTS):
        loc = by_id[f"openrca-telecom-telecom-localization-{row:03d}"]
        assert loc.answers == (component,) and loc.level == level
        assert (
            loc.namespace == "openrca-telecom"
            and loc.scenario == f"openrca-telecom/telecom/{row:03d}"
        )
        ana = by_id[f"openrca-telecom-telecom-analysis-{row:03d}"]
        assert ana.answers == (analysis.system_level, analysis.fault_type)
    assert by_id["openrca-telecom-telecom-detection-ff-000"].answers == ("No",)
    [env] = found.environments.values()
    assert env.signals == ("metrics", "traces")  # no logs
    system = found.systems["openrca-telecom/telecom"]
    assert system.rules == {
        "node": ("component",),
        "pod": ("component",),
        "service": ("component",),
    }
    assert system.levels["service"][0] == "db_001"


def test_bank_shaped_dataset_without_analysis_labels_gets_no_analysis_problems():
    found = problems.problem_set(bank_manifests(fault_free=1))
    assert Counter(p.task for p in found.problems) == {"detection": 5, "localization": 4}
    assert found.without_analysis() == {"openrca-bank/bank": 4}
    assert found.systems["openrca-bank/bank"].rules == {"pod": ("component",)}
    [env] = found.environments.values()
    assert env.nodes == () and {p.node for p in env.pods} == {None}
    assert len(env.pods) == len(BANK_PODS)
    loc = next(p for p in found.problems if p.id == "openrca-bank-bank-localization-000")
    assert loc.answers == ("Tomcat01",)


def test_datasets_mix_in_one_problem_set():
    found = problems.problem_set(
        real_manifests("cloudbed-1") + telecom_manifests() + bank_manifests()
    )
    assert Counter(p.dataset for p in found.problems) == {
        "openrca-market": 210,
        "openrca-telecom": 19,
        "openrca-bank": 9,
    }
    assert len(found.environments) == 3 and len(found.systems) == 3
    assert found.without_analysis() == {"openrca-bank/bank": 4}
