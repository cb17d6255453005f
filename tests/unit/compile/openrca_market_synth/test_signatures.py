"""Each of the 15 fault reasons leaves the signal an engineer would look for, on the right component."""

from __future__ import annotations

from statistics import mean

import pytest
from support.datasets import day_file, rows

from replaybed.compile.datasets.openrca_market import catalog
from replaybed.compile.datasets.openrca_market.records import vendored
from replaybed.compile.datasets.openrca_market.synth.faults import duration_of
from replaybed.compile.datasets.openrca_market.synth.placement import node_of

# reason -> (metric file, kpi an engineer would chart, direction); independent of the generator's tables
METRIC_SIGNALS = {
    "container CPU load": ("metric_container", "container_cpu_usage_seconds", "up"),
    "container memory load": ("metric_container", "container_memory_usage_MB", "up"),
    "container read I/O load": ("metric_container", "container_fs_reads./dev/vda", "up"),
    "container write I/O load": ("metric_container", "container_fs_writes./dev/vda", "up"),
    "container packet loss": ("metric_container", "container_network_receive_packets.eth0", "down"),
    "container network packet corruption": (
        "metric_container",
        "container_network_receive_packets.eth0",
        "down",
    ),
    "container network packet retransmission": (
        "metric_container",
        "container_network_transmit_packets.eth0",
        "up",
    ),
    "node memory consumption": ("metric_node", "system.mem.used", "up"),
    "node CPU load": ("metric_node", "system.cpu.pct_usage", "up"),
    "node CPU spike": ("metric_node", "system.cpu.pct_usage", "up"),
    "node disk read I/O consumption": ("metric_node", "system.io.r_s", "up"),
    "node disk write I/O consumption": ("metric_node", "system.io.w_s", "up"),
    "node disk space consumption": ("metric_node", "system.disk.used", "up"),
}


def _first_record(reason):
    for cloudbed in catalog.CLOUDBEDS:
        for r, _ in vendored(cloudbed):
            if r.reason == reason:
                return cloudbed, r
    raise AssertionError(reason)


def _day(ts: int) -> str:
    return next(
        d for d in catalog.DAYS if catalog.day_start(d) <= ts < catalog.day_start(d) + 86400
    )


def _series(dataset, cloudbed, ts, file, cmdb, kpi):
    path = day_file(dataset, cloudbed, _day(ts), catalog.FILES[file])
    return {int(r[0]): float(r[3]) for r in rows(path) if r[1] == cmdb and r[2] == kpi}


def _other(record) -> str:
    if record.level == "node":
        return catalog.NODES[(catalog.NODES.index(record.component) + 1) % 6]
    service = catalog.service_of(record.component) if record.level == "pod" else record.component
    other = next(s for s in catalog.SERVICES if s != service)
    return f"{other}-0"


def _cmdb(cloudbed, level, component):
    if level == "node":
        return component
    pod = component if level == "pod" else f"{component}-0"
    return f"{node_of(cloudbed, pod)}.{pod}"


@pytest.mark.parametrize("reason", sorted(METRIC_SIGNALS))
def test_metric_signature(tiny_dataset, reason):
    cloudbed, r = _first_record(reason)
    file, kpi, direction = METRIC_SIGNALS[reason]
    end = r.timestamp + duration_of(cloudbed, r)
    hit = _series(
        tiny_dataset, cloudbed, r.timestamp, file, _cmdb(cloudbed, r.level, r.component), kpi
    )
    before = [v for t, v in hit.items() if r.timestamp - 600 <= t < r.timestamp]
    during = [v for t, v in hit.items() if r.timestamp <= t < end]
    assert before and during, f"{reason}: no samples around {r.datetime}"
    ratio = mean(during) / max(mean(before), 1e-9)
    assert ratio > 1.8 if direction == "up" else ratio < 0.85, (
        f"{reason} on {r.component}: ratio {ratio:.2f}"
    )
    other_level = "node" if r.level == "node" else "pod"
    calm = _series(
        tiny_dataset, cloudbed, r.timestamp, file, _cmdb(cloudbed, other_level, _other(r)), kpi
    )
    calm_during = [v for t, v in calm.items() if r.timestamp <= t < end]
    calm_before = [v for t, v in calm.items() if r.timestamp - 10800 <= t < r.timestamp]
    if calm_during and calm_before and mean(calm_before):
        assert 0.5 < mean(calm_during) / mean(calm_before) < 1.6, (
            f"{reason}: unrelated component moved too"
        )


def _spans_to(dataset, cloudbed, r, pods):
    spans = rows(day_file(dataset, cloudbed, _day(r.timestamp), "trace/trace_span.csv"))
    by_id = {s[2]: s for s in spans}
    # client spans whose server-side child ran on (or should have run on) a hit pod
    server_parent = {s[8] for s in spans if s[1] in pods}
    return [s for s in spans if s[2] in server_parent and s[1] not in pods], spans, by_id


def test_network_latency_slows_calls_into_the_pod(tiny_dataset):
    cloudbed, r = _first_record("container network latency")
    pods = (
        {r.component}
        if r.level == "pod"
        else {p for p in catalog.CANDIDATE_PODS if catalog.service_of(p) == r.component}
    )
    end = r.timestamp + duration_of(cloudbed, r)
    calls, _, _ = _spans_to(tiny_dataset, cloudbed, r, pods)
    before = [int(s[4]) for s in calls if r.timestamp - 600 <= int(s[0]) // 1000 < r.timestamp]
    during = [int(s[4]) for s in calls if r.timestamp <= int(s[0]) // 1000 < end]
    assert before and during
    assert mean(during) > 20 * mean(before)


@pytest.mark.parametrize(
    "reason,codes",
    [("container packet loss", {"4", "14"}), ("container network packet corruption", {"13", "2"})],
)
def test_lossy_network_faults_show_grpc_errors(tiny_dataset, reason, codes):
    cloudbed, r = _first_record(reason)
    end = r.timestamp + duration_of(cloudbed, r)
    spans = rows(day_file(tiny_dataset, cloudbed, _day(r.timestamp), "trace/trace_span.csv"))
    during = {s[6] for s in spans if r.timestamp <= int(s[0]) // 1000 < end}
    before = {s[6] for s in spans if r.timestamp - 600 <= int(s[0]) // 1000 < r.timestamp}
    assert during & codes and not before & codes


def test_process_termination_silences_the_pod_and_callers_see_unavailable(tiny_dataset):
    cloudbed, r = _first_record("container process termination")
    pods = (
        {r.component}
        if r.level == "pod"
        else {p for p in catalog.CANDIDATE_PODS if catalog.service_of(p) == r.component}
    )
    end = r.timestamp + duration_of(cloudbed, r)
    day = _day(r.timestamp)
    container = rows(day_file(tiny_dataset, cloudbed, day, "metric/metric_container.csv"))
    silent = [
        x
        for x in container
        if x[1].split(".", 1)[1] in pods and r.timestamp + 60 <= int(x[0]) < end
    ]
    assert not silent
    spans = rows(day_file(tiny_dataset, cloudbed, day, "trace/trace_span.csv"))
    assert not [s for s in spans if s[1] in pods and r.timestamp + 1 <= int(s[0]) // 1000 < end]
    assert [s for s in spans if s[6] == "14" and r.timestamp <= int(s[0]) // 1000 < end]
    logs = rows(day_file(tiny_dataset, cloudbed, day, "log/log_service.csv"))
    assert [x for x in logs if "code = Unavailable" in x[4] and r.timestamp <= int(x[1]) < end]
