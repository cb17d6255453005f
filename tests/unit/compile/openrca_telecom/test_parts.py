"""Telecom parts decoded with the official schemas say exactly what the twin's CSV rows say."""

from __future__ import annotations

import hashlib
import struct
from collections import Counter

import numpy as np
import pytest
from support.telecom import day_file, rows

from replaybed.artifacts import bundle
from replaybed.compile.datasets.openrca_telecom import metric_names
from replaybed.compile.datasets.openrca_telecom.catalog import APP_KPIS, PLATFORM_TABLES
from replaybed.schemas import wire
from replaybed.schemas.framing import decode_part, u32s
from replaybed.schemas.scenario_id import ScenarioId

NS = "openrca-telecom"
DAY = "2020_04_11"
SCENARIO = ScenarioId(NS, "telecom", "000")  # 2020-04-11 00:05, CPU fault on docker_003


@pytest.fixture(scope="module")
def scenario(telecom_store):
    return bundle.resolve(telecom_store, SCENARIO)[1]


def _parts(store, manifest, kind):
    for ref in manifest.parts_of(kind):
        yield decode_part(bundle.read_part(store, ref))


def _bounds(manifest, kind):
    refs = manifest.parts_of(kind)
    return (
        min(r.start_ms for r in refs) + manifest.origin_ms,
        max(r.end_ms for r in refs) + manifest.origin_ms,
    )


def _in_window(manifest, t_ms):
    return manifest.window.contains(t_ms - manifest.origin_ms)


def test_metric_parts_hold_every_row_of_every_metric_file(telecom_tiny, telecom_store, scenario):
    lo, hi = _bounds(scenario, "metrics")
    expected, in_window = Counter(), 0
    for table in PLATFORM_TABLES:
        for itemid, name, bomc, t, value, cmdb in rows(
            day_file(telecom_tiny, DAY, f"metric/{table}.csv")
        ):
            if lo <= int(t) < hi:
                m = metric_names.map_metric(
                    table, metric_names.entity(cmdb, bomc, itemid), name, NS
                )
                labels = dict(m.labels)
                # the rule, spelled out: the role label and the item ids travel with every sample
                assert labels["itemid"] == itemid and labels["bomc_id"] == bomc
                assert cmdb in labels.values() and labels["namespace"] == NS
                expected[(m.labels, int(t), float(value))] += 1
                in_window += _in_window(scenario, int(t))
    for service, t, *values in rows(day_file(telecom_tiny, DAY, "metric/metric_app.csv")):
        if lo <= int(t) < hi:
            for column, value in zip(APP_KPIS, values):
                m = metric_names.map_metric("metric_app", service, column, NS)
                expected[(m.labels, int(t), float(value))] += 1
                in_window += _in_window(scenario, int(t))
    got = Counter()
    for part in _parts(telecom_store, scenario, "metrics"):
        for frame in part.frames:
            req = wire.decode_write_request(bytes(frame.body))
            for ts in req.timeseries:
                labels = tuple((lb.name, lb.value) for lb in ts.labels)
                (sample,) = ts.samples
                assert sample.timestamp == frame.t0
                got[(labels, sample.timestamp, sample.value)] += 1
    assert got == expected and sum(got.values()) > 1000
    assert scenario.counts.samples == in_window
    names = {dict(labels)["__name__"] for labels, _, _ in got}
    assert {"container_cpu_used", "node_Sent_queue", "app_succee_rate"} <= names


def _signed(v: int) -> int:
    return v - (1 << 64) if v >= 1 << 63 else v


def _sha_span(text: str) -> int:
    return _signed(int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big"))


def test_trace_parts_hold_every_span_with_mapped_ids_and_original_tags(
    telecom_tiny, telecom_store, scenario
):
    lo, hi = _bounds(scenario, "traces")
    expected = {}
    in_window = 0
    for r in rows(day_file(telecom_tiny, DAY, "trace/trace_span.csv")):
        if lo <= int(r[1]) < hi:
            expected[r[5]] = r
            in_window += _in_window(scenario, int(r[1]))
    got = {}
    for part in _parts(telecom_store, scenario, "traces"):
        for frame in part.frames:
            batch = wire.decode_batch(bytes(frame.body))
            assert batch.process.serviceName == frame.pod == frame.service
            slots = u32s(frame.slots)
            for span, slot in zip(batch.spans, slots):
                assert struct.unpack(">q", bytes(frame.body)[slot : slot + 8])[0] == span.startTime
                tags = {t.key: (t.vStr if t.vType == 0 else t.vBool) for t in span.tags}
                got[tags["original.span_id"]] = (frame.pod, span, tags)
    assert set(got) == set(expected) and len(got) > 100
    assert scenario.counts.spans == in_window
    kinds = Counter()
    for span_id, (pod, span, tags) in got.items():
        call, start, elapsed, success, trace, _, pid, cmdb, ds, service = expected[span_id]
        kinds[call] += 1
        assert pod == cmdb
        assert span.startTime == int(start) * 1000
        assert span.duration == int(np.rint(float(elapsed) * 1000))
        # 20 hex digits = an 80-bit trace id: read as the number, original kept as a tag
        value = int(trace, 16)
        assert (span.traceIdHigh, span.traceIdLow) == (value >> 64, _signed(value & (2**64 - 1)))
        assert tags["original.trace_id"] == trace
        # 20 hex digits do not fit 64 bits: the first 8 bytes of their SHA-256
        assert span.spanId == _sha_span(span_id)
        if pid == "None":
            assert span.parentSpanId == 0 and not span.references
            assert "original.parent_id" not in tags
        else:
            assert span.parentSpanId == _sha_span(pid) == span.references[0].spanId
            assert tags["original.parent_id"] == pid
        assert span.operationName == (service or call)
        assert tags["span.type"] == call and tags["success"] == success
        assert tags.get("db.instance", "") == ds
        assert tags.get("error", False) == (success.lower() == "false")
        assert "status.code" not in tags
    assert set(kinds) >= {"OSB", "RemoteProcess", "LOCAL", "JDBC", "FlyRemote", "CSF"}


def test_the_fault_is_in_the_parts(telecom_store, scenario):
    """Record 000: CPU fault on docker_003 from 00:05 - its CPU series moves, others do not."""
    fault_ms = scenario.origin_ms
    cpu = {}
    for part in _parts(telecom_store, scenario, "metrics"):
        for frame in part.frames:
            for ts in wire.decode_write_request(bytes(frame.body)).timeseries:
                labels = {lb.name: lb.value for lb in ts.labels}
                if labels["__name__"] == "container_cpu_used":
                    for s in ts.samples:
                        during = fault_ms <= s.timestamp < fault_ms + 600_000
                        cpu.setdefault((labels["pod"], during), []).append(s.value)
    assert min(cpu[("docker_003", True)]) >= 85 > max(cpu[("docker_003", False)])
    assert max(cpu[("docker_001", True)]) < 40
