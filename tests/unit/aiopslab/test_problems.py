from collections import Counter

import pytest
from support.aiopslab_manifests import manifest, real_manifests

from replaybed.compile.datasets.openrca_market import catalog
from replaybed.compile.datasets.openrca_market.records import vendored
from replaybed.k8s.aiopslab import labels, problems
from replaybed.k8s.errors import DeployConfigError
from replaybed.schemas.manifest import Fault


def test_label_table_covers_exactly_the_15_reasons_with_taxonomy_values():
    assert set(labels.ANALYSIS_LABELS) == set(catalog.REASONS)
    assert len(labels.ANALYSIS_LABELS) == 15
    for level, fault_type in labels.ANALYSIS_LABELS.values():
        assert level in labels.SYSTEM_LEVELS and fault_type in labels.FAULT_TYPES


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
def test_label_rows_as_in_the_spec(reason, expected):
    assert labels.analysis_labels(reason) == expected


def test_unknown_reason_is_an_error_naming_it():
    with pytest.raises(DeployConfigError, match="'disk on fire'"):
        labels.analysis_labels("disk on fire")


def test_service_of_agrees_with_the_compiler_catalog():
    for pod in catalog.ALL_PODS:
        assert problems.service_of(pod) == catalog.service_of(pod), pod
    assert problems.service_of("adservice2-0") == problems.service_of("adservice-1") == "adservice"


def test_accepted_components_per_level():
    assert problems.accepted_components("pod", "adservice2-0") == ("adservice", "adservice2-0")
    assert problems.accepted_components("service", "adservice") == ("adservice",)
    assert problems.accepted_components("node", "node-3") == ("node-3",)
    with pytest.raises(DeployConfigError, match="level 'cluster'"):
        problems.accepted_components("cluster", "x")


def test_both_cloudbeds_give_444_fault_problems_plus_one_detection_per_fault_free_window():
    manifests = real_manifests("cloudbed-1", fault_free=4) + real_manifests(
        "cloudbed-2", fault_free=3
    )
    found = problems.problems_from_manifests(manifests)
    faulty = [p for p in found if p.component is not None]
    free = [p for p in found if p.component is None]
    assert len(faulty) == 148 * 3 == 444
    assert Counter(p.task for p in faulty) == {
        "detection": 148,
        "localization": 148,
        "analysis": 148,
    }
    assert Counter(p.cloudbed for p in faulty) == {"cloudbed-1": 210, "cloudbed-2": 234}
    assert (
        len(free) == 7
        and {p.task for p in free} == {"detection"}
        and {p.answers for p in free} == {("No",)}
    )
    assert [p.id for p in found] == sorted(p.id for p in found)
    assert len({p.id for p in found}) == len(found)


@pytest.mark.parametrize("cloudbed", catalog.CLOUDBEDS)
def test_every_problem_carries_the_ground_truth_of_its_record(cloudbed):
    by_id = {p.id: p for p in problems.problems_from_manifests(real_manifests(cloudbed))}
    cb = "cb" + cloudbed[-1]
    for rec, _ in vendored(cloudbed):
        name = f"{rec.row:03d}"
        det = by_id[f"openrca-{cb}-detection-{name}"]
        loc = by_id[f"openrca-{cb}-localization-{name}"]
        ana = by_id[f"openrca-{cb}-analysis-{name}"]
        assert det.answers == ("Yes",)
        assert rec.component in loc.answers
        if rec.level == "pod":
            assert set(loc.answers) == {rec.component, catalog.service_of(rec.component)}
        else:
            assert loc.answers == (rec.component,)
        assert ana.answers == labels.ANALYSIS_LABELS[rec.reason]
        for p in (det, loc, ana):
            assert (p.level, p.component, p.reason, p.fault_time) == (
                rec.level,
                rec.component,
                rec.reason,
                rec.datetime,
            )
            assert p.scenario == f"openrca-market/{cloudbed}/{name}"
            assert p.namespace == f"openrca-{cloudbed}"


def test_every_problem_carries_its_scenarios_components_from_the_manifest():
    [m] = [m for m in real_manifests("cloudbed-2") if m.scenario == "005"]
    for p in problems.problems_of(m):
        assert p.nodes == m.nodes and p.services == m.services
        assert [(q.name, q.service, q.node) for q in p.pods] == [
            (q.name, q.service, q.node) for q in m.pods
        ]
        assert problems.Problem.from_dict(p.to_dict(), "x") == p
    [free] = problems.problems_of(manifest("cloudbed-1", "ff-000", None))
    assert len(free.pods) == len(catalog.ALL_PODS) and "node-6" in free.nodes
    assert {"name": "adservice2-0", "service": "adservice", "node": free.pods[3].node} in (
        free.to_dict()["pods"]
    )


def test_fault_free_problem_id_and_answer():
    [p] = problems.problems_of(manifest("cloudbed-1", "ff-003", None))
    assert p.id == "openrca-cb1-detection-ff-003"
    assert p.answers == ("No",) and p.component is None


def test_two_scenarios_with_one_problem_id_are_refused():
    fault = Fault(17, 1647761000, "2022-03-20 15:23:20", "node", "node-3", "node CPU load")
    same = manifest("cloudbed-1", "017", fault)
    with pytest.raises(DeployConfigError, match="openrca-cb1-detection-017"):
        problems.problems_from_manifests([same, same])


def test_problem_dict_round_trip_and_bad_input():
    p = problems.problems_of(manifest("cloudbed-2", "ff-000", None))[0]
    assert problems.Problem.from_dict(p.to_dict(), "x") == p
    with pytest.raises(DeployConfigError, match="where: bad problem"):
        problems.Problem.from_dict({**p.to_dict(), "colour": "red"}, "where")
    with pytest.raises(DeployConfigError, match="task 'mitigation'"):
        problems.Problem.from_dict({**p.to_dict(), "task": "mitigation"}, "where")
