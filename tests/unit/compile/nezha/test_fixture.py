"""The real Nezha slice compiles into the chosen faults, and every part says what the files say.

Parts are decoded with the official schemas (remote-write protobuf, jaeger.thrift); the expected
rows come from the CSVs through `support.nezha` (stdlib csv/json), never through the reader.
"""

from __future__ import annotations

from collections import Counter

import pytest
from support.nezha import (
    DAYS,
    FIXTURE,
    SCENARIOS,
    log_rows,
    metric_rows,
    scenario_id,
    span_rows,
    value_key,
)

from replaybed.artifacts import bundle
from replaybed.compile import datasets
from replaybed.compile.datasets.nezha import metric_names
from replaybed.compile.datasets.nezha.catalog import service_of
from replaybed.schemas import wire
from replaybed.schemas.framing import decode_part, i64s, u32s

OB_FAULT = SCENARIOS[0]


def _manifest(store, sid):
    return bundle.resolve(store, scenario_id(sid))[1]


def _inside(m, t_ms):
    return m.window.contains(t_ms - m.origin_ms)


def _frames(store, m, kind):
    for ref in m.parts_of(kind):
        yield from decode_part(bundle.read_part(store, ref)).frames


def _hex(v: int, bits: int) -> str:
    return f"{v & ((1 << bits) - 1):0{bits // 4}x}"


def test_the_fixture_is_recognised_and_gives_exactly_the_chosen_faults(nezha_store):
    fmt = datasets.recognise(FIXTURE)
    assert fmt.name == "nezha"
    assert fmt.systems(FIXTURE) == ("online-boutique", "train-ticket")
    ids = sorted(str(sid) for sid, _ in nezha_store.refs())
    assert ids == sorted(SCENARIOS)
    m = _manifest(nezha_store, OB_FAULT)
    assert m.namespace == "nezha-online-boutique" and m.tz == "+00:00"
    assert m.fault.component == "currencyservice-cf787dd48-vpjrd"
    assert m.fault.reason == "cpu_contention" and m.fault.level == "pod"
    assert m.fault.datetime == "2022-08-22 05:18:09" and m.fault.timestamp == 1661145489
    assert m.fault.accepted == ("currencyservice", "currencyservice-cf787dd48-vpjrd")
    assert (m.fault.analysis.system_level, m.fault.analysis.fault_type) == (
        "Virtualization",
        "Operation Error",
    )
    # inject_timestamp is kept as read, even where it is 8 h off (never used for time)
    tt = _manifest(nezha_store, SCENARIOS[1])
    assert tt.fault.original["inject_timestamp"] == "1674960250"
    assert tt.fault.timestamp == 1674989110 and tt.fault.reason == "exception"
    assert (tt.fault.analysis.system_level, tt.fault.analysis.fault_type) == (
        "Application",
        "Code Defect",
    )
    assert tt.namespace == "nezha-train-ticket" and tt.query is None


def test_answer_space_topology_and_nodes_come_from_the_data(nezha_store):
    m = _manifest(nezha_store, SCENARIOS[2])
    pods = m.answer_space.levels["pod"]
    assert len(pods) == 46 and "ts-contacts-service-866bd68c97-xcqfx" in pods
    assert m.answer_space.levels["service"] == tuple(sorted({service_of(p) for p in pods}))
    assert set(m.answer_space.reasons) >= {"cpu_contention", "exception", "return"}
    by_name = {p.name: p for p in m.pods}
    assert set(pods) <= set(by_name)
    # nodes come from the log rows' Node column; the gateway has spans but never logs
    logs = log_rows("train-ticket")
    node_of = {r["pod"]: r["node"] for r in logs}
    for pod, node in node_of.items():
        assert by_name[pod].node == node
    assert by_name["ts-gateway-service-6f6cfc45b-h5m2n"].node is None
    assert set(m.nodes) == set(node_of.values())
    assert by_name["ts-contacts-service-866bd68c97-xcqfx"].service == "ts-contacts-service"


@pytest.mark.parametrize("sid", SCENARIOS)
def test_metric_parts_hold_every_sample_of_the_window_exactly(nezha_store, sid):
    m = _manifest(nezha_store, sid)
    fmt = datasets.get("nezha")
    expected = Counter()
    for table, entity, column, t, value in metric_rows(m.system):
        if _inside(m, t):
            s = fmt.map_metric(table, entity, column, m.namespace)
            expected[(s.labels, t, value_key(value * s.scale))] += 1
    got = Counter()
    for frame in _frames(nezha_store, m, "metrics"):
        req = wire.decode_write_request(bytes(frame.body))
        assert len(u32s(frame.slots)) == len(req.timeseries) == frame.count
        for ts in req.timeseries:
            (sample,) = ts.samples
            if _inside(m, sample.timestamp):
                labels = tuple((lb.name, lb.value) for lb in ts.labels)
                got[(labels, sample.timestamp, value_key(sample.value))] += 1
    assert got == expected
    assert sum(got.values()) == m.counts.samples > 2000
    assert any(k[2] == "NaN" for k in got) or m.system == "online-boutique"


def test_corrupt_timestamp_file_is_keyed_on_time(nezha_store):
    """OB 2022-08-22 adservice: `TimeStamp` is 1861...; its samples sit at their `Time`."""
    m = _manifest(nezha_store, OB_FAULT)
    times = set()
    for frame in _frames(nezha_store, m, "metrics"):
        for ts in wire.decode_write_request(bytes(frame.body)).timeseries:
            labels = dict((lb.name, lb.value) for lb in ts.labels)
            if labels.get("pod") == "adservice-5f6585d649-fnmft":
                times |= {s.timestamp for s in ts.samples}
    assert len(times) == 12 and min(times) == 1661145139863 and max(times) < 1661145860000


@pytest.mark.parametrize("sid", SCENARIOS)
def test_trace_parts_hold_every_span_once(nezha_store, sid):
    m = _manifest(nezha_store, sid)
    expected = Counter()
    for s in span_rows(m.system):
        if _inside(m, s["start_us"] // 1000):
            expected[
                (
                    s["trace"],
                    s["span"],
                    s["parent"],
                    service_of(s["pod"]),
                    s["pod"],
                    s["operation"],
                    s["start_us"],
                    s["duration_us"],
                )
            ] += 1
    got = Counter()
    for frame in _frames(nezha_store, m, "traces"):
        batch = wire.decode_batch(bytes(frame.body))
        process_tags = {t.key: t.vStr for t in batch.process.tags}
        for span in batch.spans:
            if not _inside(m, span.startTime // 1000):
                continue
            trace = _hex(span.traceIdHigh, 64) + _hex(span.traceIdLow, 64)
            got[
                (
                    trace,
                    _hex(span.spanId, 64),
                    _hex(span.parentSpanId, 64) if span.parentSpanId else "",
                    batch.process.serviceName,
                    process_tags["pod"],
                    span.operationName,
                    span.startTime,
                    span.duration,
                )
            ] += 1
            refs = span.references or []
            assert bool(refs) == bool(span.parentSpanId)
    assert got == expected
    assert sum(got.values()) == m.counts.spans > 1000
    assert max(got.values()) == 1, "a span collected in two minute files is sent once"


def test_spans_repeated_across_minute_files_are_sent_once(nezha_store):
    # the OB fixture shares 7 traces between 05_19 and 05_20: 390 identical span rows
    rows = [r for p in ("05_19", "05_20") for r in _trace_rows(p)]
    assert len(rows) - len({(r[0], r[1]) for r in rows}) == 390
    m = _manifest(nezha_store, OB_FAULT)
    assert m.counts.spans == len({(r[0], r[1]) for r in rows}) == 3138


def _trace_rows(minute):
    from support.nezha import day_dir, rows

    return rows(day_dir("online-boutique") / "trace" / f"{minute}_trace.csv")


@pytest.mark.parametrize("sid", SCENARIOS)
def test_log_parts_print_every_line_once_in_time_order(nezha_store, sid):
    m = _manifest(nezha_store, sid)
    expected: dict[str, list] = {}
    for r in sorted(log_rows(m.system), key=lambda r: (r["t_ms"], r["order"])):
        if _inside(m, r["t_ms"]):
            expected.setdefault(r["pod"], []).append((r["t_ms"], r["text"]))
    got: dict[str, list] = {}
    for ref in m.parts_of("logs"):
        for frame in decode_part(bundle.read_part(nezha_store, ref)).frames:
            text, start = bytes(frame.text), 0
            for end, t in zip(u32s(frame.ends), i64s(frame.times)):
                if _inside(m, t):
                    got.setdefault(frame.pod, []).append((t, text[start:end].decode()))
                start = end
    assert got == expected
    assert sum(len(v) for v in got.values()) == m.counts.log_lines > 500
    assert {p.name: p.log_lines for p in m.pods if p.log_lines} == {
        k: len(v) for k, v in got.items()
    }


def test_partial_docker_records_are_printed_as_the_lines_they_are(nezha_store):
    """TT holds records cut at 16 KiB whose continuation the collector never kept."""
    m = _manifest(nezha_store, SCENARIOS[2])
    partial = [r for r in log_rows("train-ticket") if len(r["text"]) == 16384]
    assert partial and all(_inside(m, r["t_ms"]) for r in partial if r["t_ms"] > 1674998000000)
    printed = set()
    for ref in m.parts_of("logs"):
        for frame in decode_part(bundle.read_part(nezha_store, ref)).frames:
            text, start = bytes(frame.text), 0
            for end in u32s(frame.ends):
                printed.add(text[start:end].decode())
                start = end
    inside = [r["text"] for r in partial if _inside(m, r["t_ms"])]
    assert inside and all(t in printed for t in inside)


def test_every_series_names_its_pod_and_namespace(nezha_store):
    m = _manifest(nezha_store, OB_FAULT)
    for frame in _frames(nezha_store, m, "metrics"):
        for ts in wire.decode_write_request(bytes(frame.body)).timeseries:
            labels = dict((lb.name, lb.value) for lb in ts.labels)
            assert labels["namespace"] == "nezha-online-boutique"
            assert labels["__name__"].startswith("nezha_")
            if not labels["__name__"].startswith("nezha_front_service_"):
                assert labels["pod"] == labels["instance"]
                assert labels["service"] == service_of(labels["pod"])
    assert DAYS["online-boutique"] == "2022-08-22"
    assert metric_names.snake("PodServerLatencyP90") == "pod_server_latency_p90"
