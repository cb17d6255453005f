"""Compiled parts decode with the official schemas and say exactly what the CSV rows say."""

from __future__ import annotations

import struct
from collections import Counter

import pytest
from support.datasets import day_file, rows

from replaybed.artifacts import bundle
from replaybed.compile.datasets.openrca_market import catalog, metric_names
from replaybed.schemas import wire
from replaybed.schemas.framing import decode_part, i64s, u32s
from replaybed.schemas.scenario_id import ScenarioId

CB = "cloudbed-1"
NS = f"openrca-{CB}"


@pytest.fixture(scope="module")
def scenario(tiny_store):
    return bundle.resolve(tiny_store, ScenarioId.parse(f"{CB}/000"))[1]


def _parts(store, manifest, kind):
    for ref in manifest.parts_of(kind):
        yield ref, decode_part(bundle.read_part(store, ref))


def _in(manifest, t_ms):
    return manifest.window.contains(t_ms - manifest.origin_ms)


def _chunk_bounds(manifest, kind):
    refs = manifest.parts_of(kind)
    return min(r.start_ms for r in refs) + manifest.origin_ms, max(
        r.end_ms for r in refs
    ) + manifest.origin_ms


def test_metrics_parts_hold_every_mapped_sample_exactly(tiny_dataset, tiny_store, scenario):
    lo, hi = _chunk_bounds(scenario, "metrics")
    expected = Counter()
    for day in catalog.DAYS:
        for name in ("metric_container", "metric_mesh", "metric_node", "metric_runtime"):
            for t, cmdb, kpi, value in rows(day_file(tiny_dataset, CB, day, catalog.FILES[name])):
                if lo <= int(t) * 1000 < hi:
                    m = metric_names.MAPPERS[name](cmdb, kpi, NS)
                    expected[(m.labels, int(t) * 1000, float(value) * m.scale)] += 1
        for row in rows(day_file(tiny_dataset, CB, day, catalog.FILES["metric_service"])):
            if lo <= int(row[1]) * 1000 < hi:
                for col, value in zip(catalog.SERVICE_KPIS, row[2:]):
                    expected[
                        (
                            metric_names.service(row[0], col, NS).labels,
                            int(row[1]) * 1000,
                            float(value),
                        )
                    ] += 1
    got = Counter()
    last_t = 0
    for _ref, part in _parts(tiny_store, scenario, "metrics"):
        for frame in part.frames:
            assert frame.t0 >= last_t, "frames must be oldest first"
            last_t = frame.t0
            req = wire.decode_write_request(bytes(frame.body))
            slots = u32s(frame.slots)
            assert len(slots) == len(req.timeseries) == frame.count
            seen = set()
            for ts, slot in zip(req.timeseries, slots):
                labels = tuple((lb.name, lb.value) for lb in ts.labels)
                assert list(labels) == sorted(labels, key=lambda kv: kv[0].encode())
                assert labels not in seen, "a series twice in one frame"
                seen.add(labels)
                (sample,) = ts.samples
                assert sample.timestamp == frame.t0
                assert bytes(frame.body)[slot : slot + 6] == _varint(sample.timestamp)
                got[(labels, sample.timestamp, sample.value)] += 1
    assert got == expected and sum(got.values()) > 1000


def _varint(n):
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _signed(h):
    v = int(h, 16)
    return v - (1 << 64) if v >= 1 << 63 else v


def test_trace_parts_hold_every_span_exactly(tiny_dataset, tiny_store, scenario):
    lo, hi = _chunk_bounds(scenario, "traces")
    expected = {}
    for day in catalog.DAYS:
        for r in rows(day_file(tiny_dataset, CB, day, "trace/trace_span.csv")):
            if lo <= int(r[0]) < hi:
                expected[r[2]] = r
    got = {}
    for _ref, part in _parts(tiny_store, scenario, "traces"):
        for frame in part.frames:
            batch = wire.decode_batch(bytes(frame.body))
            assert batch.process.serviceName == catalog.service_of(frame.pod) == frame.service
            ptags = {t.key: t.vStr for t in batch.process.tags}
            assert ptags["pod"] == frame.pod and ptags["node"].startswith("node-")
            slots = u32s(frame.slots)
            assert len(batch.spans) == len(slots) == frame.count
            for span, slot in zip(batch.spans, slots):
                assert struct.unpack(">q", bytes(frame.body)[slot : slot + 8])[0] == span.startTime
                sid = f"{span.spanId & (2**64 - 1):016x}"
                got[sid] = (frame.pod, span)
            assert frame.end >= max(s.startTime + s.duration for s in batch.spans) // 1000
    assert set(got) == set(expected) and len(got) > 100
    for sid, (pod, span) in got.items():
        ts, cmdb, _, trace_id, duration, typ, status, op, parent = expected[sid]
        assert pod == cmdb and span.operationName == op
        assert span.startTime == int(ts) * 1000 and span.duration == int(duration)
        assert (span.traceIdHigh, span.traceIdLow) == (
            _signed(trace_id[:16]),
            _signed(trace_id[16:]),
        )
        tags = {t.key: (t.vStr if t.vType == 0 else t.vBool) for t in span.tags}
        assert tags["status.code"] == status and tags.get("span.type", "") == typ
        assert tags.get("error", False) == (status not in ("0", "Ok", "OK", "200", ""))
        if parent:
            assert span.parentSpanId == _signed(parent)
            (ref,) = span.references
            assert (
                ref.refType == 0
                and ref.spanId == _signed(parent)
                and ref.traceIdLow == span.traceIdLow
            )
        else:
            assert span.parentSpanId == 0 and not span.references


def test_log_parts_keep_each_pods_lines_in_order(tiny_dataset, tiny_store, scenario):
    lo, hi = _chunk_bounds(scenario, "logs")
    expected = {}
    for day in catalog.DAYS:
        for kind, rel in enumerate(("log/log_service.csv", "log/log_proxy.csv")):
            for n, r in enumerate(rows(day_file(tiny_dataset, CB, day, rel))):
                if lo <= int(r[1]) * 1000 < hi:
                    expected.setdefault(r[2], []).append((int(r[1]) * 1000, kind, n, r[4]))
    got = {}
    for ref, part in _parts(tiny_store, scenario, "logs"):
        (frame,) = part.frames
        assert frame.pod == ref.pod
        text, ends, times = bytes(frame.text), u32s(frame.ends), i64s(frame.times)
        starts = [0, *ends[:-1]]
        got.setdefault(frame.pod, []).extend(
            zip(times, (text[a:b].decode() for a, b in zip(starts, ends)))
        )
    assert set(got) == set(expected)
    for pod, lines in expected.items():
        assert got[pod] == [(t, v) for t, _, _, v in sorted(lines, key=lambda x: x[:3])]


def test_manifest_counts_are_what_a_replay_of_the_window_sends(tiny_store, scenario):
    samples, series, spans, traces, lines = 0, set(), 0, set(), Counter()
    for _, part in _parts(tiny_store, scenario, "metrics"):
        for frame in part.frames:
            if _in(scenario, frame.t0):
                for ts in wire.decode_write_request(bytes(frame.body)).timeseries:
                    samples += 1
                    series.add(tuple((lb.name, lb.value) for lb in ts.labels))
    for _, part in _parts(tiny_store, scenario, "traces"):
        for frame in part.frames:
            for span in wire.decode_batch(bytes(frame.body)).spans:
                if _in(scenario, span.startTime // 1000):
                    spans += 1
                    traces.add((span.traceIdHigh, span.traceIdLow))
    for ref, part in _parts(tiny_store, scenario, "logs"):
        lines[ref.pod] += sum(_in(scenario, t) for t in i64s(part.frames[0].times))
    c = scenario.counts
    assert (c.samples, c.series, c.spans, c.traces, c.log_lines) == (
        samples,
        len(series),
        spans,
        len(traces),
        sum(lines.values()),
    )
    assert {p.name: p.log_lines for p in scenario.pods if p.log_lines} == {
        k: v for k, v in lines.items() if v
    }
    assert scenario.fault.component and scenario.query.task_index and scenario.tz == "+08:00"
    assert scenario.window.start_ms <= -3600_000 and scenario.window.end_ms >= 1800_000


def test_market_manifests_carry_what_the_glue_needs(tiny_store):
    # the AIOpsLab problems read these fields and nothing else of Market (k8s/aiopslab/problems.py)
    from replaybed.compile.datasets.openrca_market.labels import ANALYSIS_LABELS

    seen = 0
    for sid, _ in tiny_store.refs():
        m = bundle.resolve(tiny_store, sid)[1]
        assert m.signals == ("metrics", "traces", "logs") and m.tz == "+08:00"
        assert m.namespace == f"openrca-{sid.system}"
        space = m.answer_space
        assert space.levels == {
            "node": catalog.NODES,
            "pod": catalog.CANDIDATE_PODS,
            "service": catalog.SERVICES,
        }
        assert space.reasons == catalog.REASONS
        if m.fault is None:
            continue
        f = m.fault
        assert f.analysis == ANALYSIS_LABELS[f.reason]
        # a pod fault accepts the pod or its service; a service or node fault only itself
        if f.level == "pod":
            assert f.accepted == tuple(sorted({f.component, catalog.service_of(f.component)}))
        else:
            assert f.accepted == (f.component,)
        assert f.component in space.levels[f.level]
        assert f.original == {
            "timestamp": str(f.timestamp),
            "level": f.level,
            "component": f.component,
            "reason": f.reason,
            "datetime": f.datetime,
        }
        seen += 1
    assert seen == 70
