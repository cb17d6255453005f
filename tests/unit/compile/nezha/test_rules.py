"""The Nezha format's small rules: times, names, coverage, metric names (pure functions)."""

from __future__ import annotations

import pytest

from replaybed.compile.datasets.nezha import clock, docker_log, metric_names
from replaybed.compile.datasets.nezha.catalog import POD_METRIC_VALUES, service_of
from replaybed.compile.datasets.nezha.format import spans_of
from replaybed.compile.datasets.nezha.telemetry import log_time_ns

ZERO = clock.GO_ZERO_UNIX_NANO


@pytest.mark.parametrize(
    "stamp, unix_nano, damaged, expected",
    [
        ("2022-08-22T05:18:42.908318Z", 1661145522908318000, False, 1661145522908318000),
        ("2023-01-29T10:06:03.361647039Z", 1674986763361647039, False, 1674986763361647039),
        # Go zero time (real TT rows): the Timestamp, written without zone and to the ms, is UTC
        ("2023-01-29T09:20:29.295", ZERO, False, 1674984029295000000),
        ("2023-01-29T09:20:29.295", ZERO, True, 1674984029295000000),
        ("not a time", ZERO, False, None),
        # TimeUnixNano in ms, or off by 60 s: refused unless the row is a known damaged one
        ("2022-08-22T05:18:42.908318Z", 1661145522908, False, None),
        ("2023-01-29T09:26:03.682444657Z", 1674984423682561657, False, None),
        ("2023-01-29T09:26:03.682444657Z", 1674984423682561657, True, 1674984363682444657),
        # a zone-less Timestamp is only accepted beside Go's zero time
        ("2023-01-29T09:20:29.295", 1674984029295000000, False, None),
    ],
)
def test_log_times(stamp, unix_nano, damaged, expected):
    assert log_time_ns(stamp, unix_nano, damaged=damaged) == expected


def test_go_time_strings():
    text = "2022-08-22 05:12:19.863394899 +0000 UTC m=+4860.169348879"
    assert clock.go_time_ns(text) == 1661145139863394899
    assert clock.go_time_ns("2022-08-22 05:12:19 +0000 UTC") == 1661145139000000000
    assert clock.go_time_ns("2022-08-22 05:12:19.8 +0800 CST") is None
    assert clock.go_time_ns("1661145139") is None


def test_services_strip_the_replicaset_hash_and_pod_id():
    assert service_of("ts-contacts-service-866bd68c97-xcqfx") == "ts-contacts-service"
    assert service_of("frontend-579b9bff58-t2dbm") == "frontend"
    assert service_of("redis-0") == "redis-0"


def test_coverage_spans_split_at_gaps_over_five_minutes():
    m = 60_000
    assert spans_of([0, m, 2 * m, 20 * m, 21 * m]) == [(0, 2 * m + 1), (20 * m, 21 * m + 1)]
    assert spans_of([]) == []


def test_docker_records():
    assert docker_log.line_of('{"log":"a b\\n","stream":"stdout","time":"t"}') == ("a b", "")
    partial = "x" * 16384
    assert docker_log.line_of(f'{{"log":"{partial}","stream":"stdout","time":"t"}}')[0] == partial
    assert docker_log.line_of('{"log":"a","stream":"weird","time":"t"}')[0] is None


def test_metric_names_by_rule():
    names = {c: metric_names.pod_metric("a-b-c", c, "ns").name for c in POD_METRIC_VALUES}
    assert names["CpuUsage(m)"] == "nezha_pod_cpu_usage_cores"
    assert names["MemoryUsage(Mi)"] == "nezha_pod_memory_usage_bytes"
    assert names["PodServerLatencyP99(s)"] == "nezha_pod_server_latency_p99_seconds"
    assert names["NodeNetworkReceiveBytes"] == "nezha_node_network_receive_bytes"
    assert names["PodWorkload(Ops)"] == "nezha_pod_workload_ops"
    assert len(set(names.values())) == len(names)
    cpu = metric_names.pod_metric("a-b-c", "CpuUsage(m)", "ns")
    assert cpu.scale == 0.001 and dict(cpu.labels)["instance"] == "a-b-c"
    odd = metric_names.pod_metric("a-b-c", "GpuUsage(W)", "ns")
    assert odd.unknown and dict(odd.labels)["kpi_name"] == "GpuUsage(W)"
