"""The tiny synthetic dataset has the real files, headers, value spaces and traps."""

from __future__ import annotations

import csv
import io
from collections import Counter

import pytest
from support.datasets import day_file, rows

from replaybed.compile.datasets.openrca_market import catalog
from replaybed.compile.datasets.openrca_market.records import vendored
from replaybed.compile.datasets.openrca_market.synth import day as day_work
from replaybed.compile.datasets.openrca_market.synth.topology import operations

CB, DAY = "cloudbed-1", "2022_03_20"


@pytest.mark.parametrize("cloudbed", catalog.CLOUDBEDS)
@pytest.mark.parametrize("day", catalog.DAYS)
def test_every_file_with_its_exact_header(tiny_dataset, cloudbed, day):
    folder = tiny_dataset / "Market" / cloudbed / "telemetry" / day
    assert sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()) == sorted(
        catalog.FILES.values()
    )
    for name, rel in catalog.FILES.items():
        with open(folder / rel, "rb") as fh:
            assert fh.readline() == (",".join(catalog.HEADERS[name]) + "\n").encode()
        assert rows(folder / rel), f"{rel} is empty"


@pytest.mark.parametrize("cloudbed,count", [("cloudbed-1", 70), ("cloudbed-2", 78)])
def test_records_and_queries_are_the_real_rows(tiny_dataset, cloudbed, count):
    base = tiny_dataset / "Market" / cloudbed
    records, queries = rows(base / "record.csv"), rows(base / "query.csv")
    real = vendored(cloudbed)
    assert len(records) == len(queries) == count
    assert records == [
        [str(r.timestamp), r.level, r.component, r.reason, r.datetime] for r, _ in real
    ]
    assert queries == [[q.task_index, q.instruction, q.scoring_points] for _, q in real]


@pytest.fixture(scope="module")
def full_block():
    """The first 10 minutes of `full` cloudbed-1/2022_03_20, file -> rows (as the CSV reader sees them)."""
    metrics, traffic = (day_work.run(i) for i in day_work.items(0, "full", CB, DAY)[:2])
    data = {name: blob for name, (blob, _) in metrics.items()}
    data["trace_span"] = b"".join(h.data + t.data for h, t in traffic.shards)
    data["log_proxy"] = traffic.proxy[0].data + traffic.proxy[1].data
    data["log_service"] = traffic.service
    return {name: list(csv.reader(io.StringIO(blob.decode()))) for name, blob in data.items()}


def test_value_spaces_are_complete_at_full_scale(full_block):
    """Every series, name and id of a real day, already in `full`'s first block."""

    def col(rel, i):
        name = next(n for n, r in catalog.FILES.items() if r == rel)
        return Counter(r[i] for r in full_block[name])

    assert set(col("metric/metric_container.csv", 2)) == set(catalog.CONTAINER_KPIS)
    assert set(col("metric/metric_node.csv", 2)) == set(catalog.NODE_KPIS)
    assert set(col("metric/metric_mesh.csv", 2)) == set(catalog.MESH_KPIS)
    assert set(col("metric/metric_runtime.csv", 2)) == set(catalog.RUNTIME_KPIS)
    assert set(col("metric/metric_runtime.csv", 1)) == set(catalog.RUNTIME_IDS)
    assert set(col("metric/metric_node.csv", 1)) == set(catalog.NODES)
    assert set(col("metric/metric_service.csv", 0)) == set(catalog.SERVICE_IDS)
    pods = {c.split(".", 1)[1] for c in col("metric/metric_container.csv", 1)}
    assert pods == set(catalog.ALL_PODS)
    mesh_ids = set(col("metric/metric_mesh.csv", 1))
    assert set(catalog.ISTIO_GATEWAYS) <= mesh_ids
    assert any(".source." in i for i in mesh_ids) and any(".destination." in i for i in mesh_ids)
    spans = full_block["trace_span"]
    assert {r[7] for r in spans} == set(operations()) and len(operations()) == 27
    assert {r[5] for r in spans} == {"rpc", "telemetry", "http", "db", ""}
    assert {"0", "Ok", "OK", "200"} <= {r[6] for r in spans}
    assert {r[1] for r in spans} <= set(catalog.CANDIDATE_PODS)


def test_tiny_keeps_series_of_the_value_spaces(tiny_dataset):
    for name, kpis, ids in (
        ("metric_container", catalog.CONTAINER_KPIS, None),
        ("metric_node", catalog.NODE_KPIS, catalog.NODES),
        ("metric_mesh", catalog.MESH_KPIS, None),
        ("metric_runtime", catalog.RUNTIME_KPIS, catalog.RUNTIME_IDS),
    ):
        got = rows(day_file(tiny_dataset, CB, DAY, catalog.FILES[name]))
        assert got and {r[2] for r in got} <= set(kpis)
        if ids:
            assert {r[1] for r in got} <= set(ids)
    spans = rows(day_file(tiny_dataset, CB, DAY, "trace/trace_span.csv"))
    assert {r[7] for r in spans} <= set(operations()) and {r[1] for r in spans} <= set(
        catalog.CANDIDATE_PODS
    )


def test_node_kpis_sampled_every_300_s_are_the_documented_ones(tiny_dataset):
    times = {}
    for t, node, kpi, _ in rows(day_file(tiny_dataset, CB, DAY, "metric/metric_node.csv")):
        times.setdefault((node, kpi), []).append(int(t))
    for (_node, kpi), ts in times.items():
        steps = {b - a for a, b in zip(ts, ts[1:])}
        if kpi in catalog.NODE_KPIS_300S:
            assert all(s % 300 == 0 for s in steps)
        assert all(s % 60 == 0 for s in steps)


def test_traps_are_reproduced(tiny_dataset):
    mesh = day_file(tiny_dataset, CB, DAY, "metric/metric_mesh.csv").read_text()
    assert (
        '"istio_tcp_connections_closed.UF,URX"' in mesh or '"istio_tcp_sent_bytes.UF,URX"' in mesh
    )
    service_logs = rows(day_file(tiny_dataset, CB, DAY, "log/log_service.csv"))
    times = [int(r[1]) for r in service_logs]
    assert times != sorted(times), "log_service must not be time-sorted"
    spans = rows(day_file(tiny_dataset, CB, DAY, "trace/trace_span.csv"))
    starts = [int(r[0]) for r in spans]
    runs = 1 + sum(b < a for a, b in zip(starts, starts[1:]))
    assert 2 <= runs <= 10, (
        f"trace_span should be a few concatenated sorted shards, found {runs} runs"
    )
    roots = [r for r in spans if r[8] == ""]
    assert roots and all(r[5] == "http" for r in roots)
    assert all(len(r[3]) == 32 and len(r[2]) == 16 for r in spans)
    assert all(len(r[8]) == 16 for r in spans if r[8])
    logs = rows(day_file(tiny_dataset, CB, DAY, "log/log_proxy.csv"))
    assert all(len(r[0]) == 20 for r in logs) and all(r[3].endswith("-envoy_gateway") for r in logs)
    assert all(r[3].endswith("-service_application") for r in service_logs)


def test_children_lie_inside_their_parents(tiny_dataset):
    spans = rows(day_file(tiny_dataset, "cloudbed-2", "2022_03_21", "trace/trace_span.csv"))
    by_id = {r[2]: r for r in spans}
    checked = 0
    for r in spans:
        parent = by_id.get(r[8])
        if parent is None:
            continue
        p_start, p_end = int(parent[0]) * 1000, int(parent[0]) * 1000 + int(parent[4])
        c_start = int(r[0]) * 1000
        assert p_start <= c_start + 999 and int(r[4]) <= int(parent[4])
        assert c_start <= p_end + 999  # starts are truncated to ms, durations are µs
        checked += 1
    assert checked > 1000


def test_files_parse_with_the_stdlib_csv_reader(tiny_dataset):
    for name, rel in catalog.FILES.items():
        with open(
            day_file(tiny_dataset, "cloudbed-2", DAY, rel), newline="", encoding="utf-8"
        ) as fh:
            assert all(len(r) == len(catalog.HEADERS[name]) for r in csv.reader(fh))
