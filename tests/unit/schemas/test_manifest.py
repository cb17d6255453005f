import json

import pytest

from replaybed.schemas import media_types
from replaybed.schemas.errors import SchemaError
from replaybed.schemas.manifest import (
    Analysis,
    AnswerSpace,
    Counts,
    Fault,
    Manifest,
    PartRef,
    Pod,
    Window,
    tzinfo,
)
from replaybed.schemas.scenario_id import ScenarioId

DIGEST = "sha256:" + "ab" * 32


def manifest(**overrides) -> Manifest:
    values = dict(
        dataset="openrca-market",
        system="cloudbed-1",
        scenario="000",
        fault_free=False,
        origin_ms=1647738546000,
        window=Window.around(1647738546000, 3_600_000, 1_800_000),
        chunk_ms=300_000,
        namespace="openrca-cloudbed-1",
        parts=(PartRef("logs", media_types.LOGS, DIGEST, 10, 20, -300_000, 0, 3, "frontend-0"),),
        pods=(Pod("frontend-0", "frontend", "node-1", 3),),
        services=("frontend",),
        nodes=("node-1",),
        counts=Counts(log_lines=3),
        fault=Fault(
            0,
            1647738546,
            "2022-03-20 09:09:06",
            "pod",
            "shippingservice-1",
            "container read I/O load",
        ),
    )
    values.update(overrides)
    return Manifest(**values)


def test_canonical_json_round_trips_byte_for_byte():
    m = manifest()
    data = m.to_json()
    assert Manifest.from_json(data) == m
    assert Manifest.from_json(data).to_json() == data
    assert (
        data
        == json.dumps(
            json.loads(data), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode()
    )


def test_window_is_snapped_outwards_to_whole_minutes():
    w = Window.around(1647738546000, 3_600_000, 1_800_000)  # 09:09:06 UTC+8
    assert (w.start_ms, w.end_ms) == (-3_606_000, 1_854_000)
    assert w.contains(-3_606_000) and not w.contains(1_854_000)


def test_fault_free_must_agree_with_fault_record():
    with pytest.raises(SchemaError, match="fault_free=True but fault record is present"):
        manifest(fault_free=True)


def test_unknown_schema_version_is_refused():
    obj = json.loads(manifest().to_json())
    obj["schema"] = 99
    with pytest.raises(SchemaError, match="schema 99 is not supported"):
        Manifest.from_dict(obj)


def test_missing_and_unknown_fields_are_named():
    obj = json.loads(manifest().to_json())
    del obj["origin_ms"]
    with pytest.raises(SchemaError, match="missing field 'origin_ms'"):
        Manifest.from_dict(obj)
    obj = json.loads(manifest().to_json())
    obj["counts"]["bogus"] = 1
    with pytest.raises(SchemaError, match=r"unknown Counts field\(s\) \['bogus'\]"):
        Manifest.from_dict(obj)


def test_part_media_type_must_match_kind():
    with pytest.raises(SchemaError, match="does not match kind"):
        PartRef("metrics", media_types.LOGS, DIGEST, 1, 1, 0, 1, 1)


def test_parts_of_filters_kind_pod_and_window():
    inside = PartRef("logs", media_types.LOGS, DIGEST, 1, 1, -300_000, 0, 1, "a")
    other_pod = PartRef("logs", media_types.LOGS, DIGEST, 1, 1, -300_000, 0, 1, "b")
    outside = PartRef("logs", media_types.LOGS, DIGEST, 1, 1, -9_000_000, -8_700_000, 1, "a")
    m = manifest(parts=(outside, other_pod, inside))
    assert m.parts_of("logs", "a") == [inside]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("cloudbed-1/017", ScenarioId("openrca-market", "cloudbed-1", "017")),
        ("openrca-market/cloudbed-2/ff-003", ScenarioId("openrca-market", "cloudbed-2", "ff-003")),
    ],
)
def test_scenario_ids(text, expected):
    assert ScenarioId.parse(text) == expected
    assert ScenarioId.parse(str(expected)) == expected


@pytest.mark.parametrize("text", ["017", "a/b/c/d", "cloudbed-1/", "Cloudbed-1/017"])
def test_bad_scenario_ids(text):
    with pytest.raises(SchemaError, match="invalid scenario id"):
        ScenarioId.parse(text)


def test_schema_2_fields_round_trip_and_are_required():
    m = manifest(
        signals=("metrics", "traces"),
        parts=(),
        answer_space=AnswerSpace({"pod": ("a-0", "b-0"), "node": ("n1",)}, ("cpu",)),
        fault=Fault(
            3,
            1647738546,
            "2022-03-20 09:09:06",
            "pod",
            "a-0",
            "cpu",
            accepted=("a", "a-0"),
            analysis=Analysis("Virtualization", "Operation Error"),
            original={"component": "a-0"},
        ),
    )
    data = m.to_json()
    back = Manifest.from_json(data)
    assert back == m and back.to_json() == data
    assert back.fault.accepted == ("a", "a-0") and back.answer_space.levels["pod"] == ("a-0", "b-0")
    for key in ("signals", "answer_space", "tz", "query"):
        obj = json.loads(data)
        del obj[key]
        with pytest.raises(SchemaError, match=f"missing field '{key}'"):
            Manifest.from_dict(obj)
    obj = json.loads(data)
    del obj["fault"]["accepted"]
    with pytest.raises(SchemaError, match="missing field 'accepted'"):
        Manifest.from_dict(obj)
    obj = json.loads(data)
    obj["fault"]["analysis"]["bogus"] = 1
    with pytest.raises(SchemaError, match=r"unknown Analysis field\(s\) \['bogus'\]"):
        Manifest.from_dict(obj)


def test_schema_1_manifests_are_refused_with_the_version_named():
    obj = json.loads(manifest().to_json())
    obj["schema"] = 1
    with pytest.raises(
        SchemaError, match="schema 1 is not supported; this replaybed reads schema 2"
    ):
        Manifest.from_dict(obj)


def test_signals_must_be_known_and_cover_the_parts():
    with pytest.raises(SchemaError, match="expected distinct names"):
        manifest(signals=("metrics", "pings"))
    with pytest.raises(SchemaError, match="parts of kind logs but signals are metrics"):
        manifest(signals=("metrics",))


def test_tzinfo_is_the_fixed_offset():
    assert tzinfo("+08:00").utcoffset(None).total_seconds() == 8 * 3600
    assert tzinfo("-03:30").utcoffset(None).total_seconds() == -(3 * 3600 + 1800)
    with pytest.raises(SchemaError, match="not a UTC offset"):
        tzinfo("UTC+8")


def test_short_scenario_ids_take_the_given_dataset():
    assert ScenarioId.parse("bank/007", default_dataset="openrca-bank") == ScenarioId(
        "openrca-bank", "bank", "007"
    )
