"""The OpenRCA -> Prometheus name mapping: valid, collision-free, documented."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from replaybed.compile.datasets.openrca_market import metric_names
from replaybed.compile.datasets.openrca_market.format import FORMAT

NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
LABEL = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
text = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=40)


def _valid(m: metric_names.Mapped):
    names = [k for k, _ in m.labels]
    assert names == sorted(names, key=str.encode) and len(set(names)) == len(names)
    assert all(LABEL.match(k) for k in names) and all(v for _, v in m.labels)
    assert NAME.match(m.name) and dict(m.labels)["namespace"] == "openrca-cloudbed-2"


@given(file=st.sampled_from(sorted(metric_names.MAPPERS)), cmdb=text, kpi=text)
def test_any_name_maps_to_a_valid_series(file, cmdb, kpi):
    _valid(metric_names.MAPPERS[file](cmdb, kpi, "openrca-cloudbed-2"))


@given(kpi=text)
def test_unknown_names_keep_the_original(kpi):
    m = metric_names.container("node-1.frontend-0", kpi, "openrca-cloudbed-2")
    if m.unknown:
        assert dict(m.labels)["kpi_name"] == kpi


def test_every_catalog_name_is_known_and_distinct():
    assert {t.table for t in FORMAT.metric_tables()} == set(metric_names.MAPPERS)
    for table in FORMAT.metric_tables():
        file, cmdb, kpis = table.table, table.example_entity, table.names
        mapped = [metric_names.MAPPERS[file](cmdb, k, "openrca-cloudbed-2") for k in kpis]
        assert not [k for k, m in zip(kpis, mapped) if m.unknown], file
        assert len({m.labels for m in mapped}) == len(kpis), f"two {file} names collide"
        for m in mapped:
            _valid(m)


def test_aiopslab_reads_container_metrics_back_as_openrca_ids():
    m = metric_names.container(
        "node-6.adservice2-0", "container_network_receive_MB.eth0", "openrca-cloudbed-2"
    )
    labels = dict(m.labels)
    assert m.name == "container_network_receive_bytes_total" and m.scale == 1048576
    assert (
        labels["instance"] + "." + labels["pod"] == "node-6.adservice2-0"
        and labels["interface"] == "eth0"
    )
    assert (
        metric_names.container("node-1.a-0", "container_cpu_usage_seconds", "n").name
        == "container_cpu_usage_seconds_total"
    )
    assert (
        metric_names.container("node-1.a-0", "container_memory_rss", "n").name
        == "container_memory_rss"
    )
