"""Telecom KPI names -> valid Prometheus series by the documented rules."""

from __future__ import annotations

import re

import pytest

from replaybed.compile.datasets.openrca_telecom import metric_names
from replaybed.compile.datasets.openrca_telecom.catalog import KPIS

NS = "openrca-telecom"
VALID_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")


def _labels(table, cmdb, kpi, bomc="ZJ-001-010", itemid="999999996487783"):
    m = metric_names.map_metric(table, metric_names.entity(cmdb, bomc, itemid), kpi, NS)
    return m, dict(m.labels)


@pytest.mark.parametrize(
    "table, cmdb, kpi, name, role",
    [
        ("metric_container", "docker_008", "container_mem_used", "container_mem_used", {"pod"}),
        ("metric_node", "os_017", "CPU_iowait_time", "node_CPU_iowait_time", {"node", "instance"}),
        ("metric_service", "db_003", "MEM_Total", "service_MEM_Total", {"service"}),
        (
            "metric_middleware",
            "redis_003",
            "connected_clients",
            "middleware_connected_clients",
            {"service"},
        ),
    ],
)
def test_platform_rows_get_a_prefixed_name_role_labels_and_item_ids(table, cmdb, kpi, name, role):
    m, labels = _labels(table, cmdb, kpi)
    assert m.name == name and not m.unknown and m.scale == 1.0
    assert {k for k, v in labels.items() if v == cmdb} == role
    assert labels["itemid"] == "999999996487783" and labels["bomc_id"] == "ZJ-001-010"
    assert labels["namespace"] == NS
    assert [k for k, _ in m.labels] == sorted(labels, key=str.encode)


def test_every_documented_name_is_valid_and_known():
    for table, kpis in KPIS.items():
        for kpi in kpis:
            m, _ = _labels(table, "x_001", kpi)
            assert VALID_NAME.match(m.name) and not m.unknown


def test_odd_names_are_sanitised_kept_and_counted():
    m, labels = _labels("metric_service", "db_003", "Sess Connect.max")
    assert m.name == "service_Sess_Connect_max" and m.unknown
    assert labels["kpi_name"] == "Sess Connect.max"


def test_a_bomc_id_with_the_separator_still_splits():
    text = metric_names.entity("db_003", "ZJ|odd", "42")
    assert metric_names.split_entity(text) == ("db_003", "ZJ|odd", "42")
    assert metric_names.split_entity("osb_001") == ("osb_001", "", "")


def test_app_columns():
    m = metric_names.map_metric("metric_app", "osb_001", "succee_rate", NS)
    assert m.name == "app_succee_rate" and dict(m.labels)["service"] == "osb_001"
    assert "itemid" not in dict(m.labels)
