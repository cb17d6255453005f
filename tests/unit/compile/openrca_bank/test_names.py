"""Bank's name mapping, records and format recognition (pure parts)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from replaybed.compile import datasets
from replaybed.compile.datasets import prom_names
from replaybed.compile.datasets.openrca_bank import catalog, metric_names
from replaybed.compile.datasets.openrca_bank.format import FORMAT
from replaybed.compile.datasets.openrca_bank.records import check_pairs, vendored
from replaybed.compile.datasets.openrca_bank.synth.signatures import METRIC_EFFECTS, signature_kpi

NS = "openrca-bank"


@pytest.mark.parametrize(
    ("cmdb", "kpi", "name", "labels"),
    [
        ("Tomcat04", "OSLinux-CPU_CPU_CPUCpuUtil", "OSLinux_CPU_CPUCpuUtil", {}),
        ("Tomcat04", "OSLinux-CPU_CPU-3_SingleCpuidle", "OSLinux_CPU_SingleCpuidle", {"cpu": "3"}),
        (
            "MG01",
            "OSLinux-OSLinux_LOCALDISK_LOCALDISK-sdb_DSKRead",
            "OSLinux_LOCALDISK_DSKRead",
            {"device": "sdb"},
        ),
        (
            "MG01",
            "OSLinux-OSLinux_FILESYSTEM_-cmbc_admin_FSCapacity",
            "OSLinux_FILESYSTEM_FSCapacity",
            {"filesystem": "-cmbc_admin"},
        ),
        (
            "MG01",
            "OSLinux-OSLinux_NETWORK_NETWORK_TCP-CLOSE-WAIT",
            "OSLinux_NETWORK_TCP_CLOSE_WAIT",
            {},
        ),
        (
            "MG01",
            "OSLinux-OSLinux_PROCESS_zabbix-zabbix_agentd_PROCPPCPUPerc",
            "OSLinux_PROCESS_PROCPPCPUPerc",
            {"process": "zabbix-zabbix_agentd"},
        ),
        (
            "IG01",
            "OSLinux-NTP_40.2.208.64_NtpServerTimeOffset",
            "OSLinux_NTP_NtpServerTimeOffset",
            {"ntp_server": "40.2.208.64"},
        ),
        (
            "IG01",
            "JVM-Operating System_7779_JVM_JVM_CPULoad",
            "JVM_Operating_System_JVM_JVM_CPULoad",
            {"port": "7779"},
        ),
        (
            "Tomcat01",
            'Tomcat-Threads_7441-"http-nio-8003"_CurrentThreadsBusyThreadInfo',
            "Tomcat_Threads_CurrentThreadsBusyThreadInfo",
            {"port": "7441", "connector": "http-nio-8003"},
        ),
        (
            "Tomcat01",
            "Tomcat-Sessions_7441--_SESSIONActiveCounter",
            "Tomcat_Sessions_SESSIONActiveCounter",
            {"port": "7441", "context": "-"},
        ),
        (
            "Tomcat01",
            "Tomcat-MEMORY_7441-MEMORY_JVMUsedMemory",
            "Tomcat_MEMORY_JVMUsedMemory",
            {"port": "7441"},
        ),
        (
            "Mysql02",
            "Mysql-MySQL_3306_MySQL  Queries",
            "Mysql_MySQL_MySQL__Queries",
            {"port": "3306"},
        ),
        ("Redis01", "redis-Redis_6379_Redis  (used_memory)", "redis_used_memory", {"port": "6379"}),
        ("Redis01", "redis-Redis_6379_redis server", "redis_Redis_redis_server", {"port": "6379"}),
        (
            "dockerA2",
            "Container-DOCKER_CONTAINER_cb2bbb5e3f90--bcou-role-st-uat-statefulset-1--bcou--UATWKR02_CpuPercent",
            "Container_DOCKER_CpuPercent",
            {
                "container_id": "cb2bbb5e3f90",
                "container": "bcou-role-st-uat-statefulset-1",
                "container_namespace": "bcou",
                "host": "UATWKR02",
            },
        ),
    ],
)
def test_kpi_names_map_by_rule(cmdb, kpi, name, labels):
    s = metric_names.container(cmdb, kpi, NS)
    assert not s.unknown and s.scale == 1.0
    assert dict(s.labels) == {
        "__name__": name,
        "namespace": NS,
        "pod": cmdb,
        "instance": cmdb,
        **labels,
    }


def test_odd_names_are_kept_as_unknown_never_dropped():
    s = metric_names.container("Tomcat01", "Weird metric (x)", NS)
    assert s.unknown and dict(s.labels)["kpi_name"] == "Weird metric (x)"
    assert s.name == prom_names.sanitize("Weird metric (x)")
    assert metric_names.container("MG01", "JVM-Memory_x_HeapMemoryUsed", NS).unknown
    assert metric_names.app("ServiceTest1", "qps", NS).unknown


def test_app_kpis_map_to_service_series():
    s = metric_names.app("ServiceTest3", "mrt", NS)
    assert dict(s.labels) == {
        "__name__": "app_mean_response_time_ms",
        "namespace": NS,
        "service": "ServiceTest3",
    }


def test_every_catalog_name_maps_to_a_distinct_known_series():
    seen = {}
    for pod in catalog.ALL_PODS:
        for kpi in catalog.kpis_of(pod):
            s = metric_names.container(pod, kpi, NS)
            assert not s.unknown, kpi
            assert s.labels not in seen, (kpi, seen.get(s.labels))
            seen[s.labels] = kpi
    assert len(seen) > 1900


def test_vendored_records_are_the_real_136():
    pairs = vendored()
    records = [r for r, _ in pairs]
    assert [r.row for r in records] == list(range(136))
    assert {r.level for r in records} == {"pod"}
    assert set(r.component for r in records) == set(catalog.COMPONENTS)
    assert Counter(r.reason for r in records) == {
        "high CPU usage": 33,
        "network packet loss": 32,
        "network latency": 27,
        "high disk I/O read usage": 19,
        "high memory usage": 10,
        "JVM Out of Memory (OOM) Heap": 7,
        "high disk space usage": 5,
        "high JVM CPU load": 3,
    }
    assert all(r.timestamp % 60 == 0 and r.text.endswith(".0") for r in records)
    windows = Counter(r.timestamp // 1800 for r in records)
    assert sorted(windows.values()).count(2) == 9  # 9 half-hour windows hold two faults
    check_pairs(records, [q for _, q in pairs], Path("record.csv"), Path("query.csv"))
    for r in records:  # the twin can show every record's signature on its component
        assert signature_kpi(r.reason, r.component) in catalog.kpis_of(r.component)
    assert set(METRIC_EFFECTS) == set(catalog.REASONS)


def test_the_format_is_registered_and_recognises_its_layout(tmp_path):
    assert datasets.get("openrca-bank") is FORMAT
    assert not FORMAT.recognise(tmp_path)
    bank = tmp_path / "Bank"
    (bank / "telemetry").mkdir(parents=True)
    assert FORMAT.recognise(tmp_path) and FORMAT.recognise(bank)
    assert FORMAT.systems(tmp_path) == ("bank",)
    other = tmp_path / "renamed"
    other.mkdir()
    (other / "record.csv").write_text("level,component,timestamp,datetime,reason\n")
    assert FORMAT.recognise(other)
    (other / "record.csv").write_text("timestamp,level,component,reason,datetime\n")  # Market's
    assert not FORMAT.recognise(other)
    assert (
        catalog.service_of("Tomcat03") == "Tomcat" and catalog.service_of("dockerB1") == "dockerB"
    )
