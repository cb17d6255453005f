"""The dataset seam: a format written only against `compile/datasets/base.py` compiles end to end.

`TwinFormat` below is a complete format in a few lines (as a new format package would be), with
the traps the next formats bring: non-hex trace ids, 20-digit decimal span ids, µs span starts,
wide metric rows, a system without logs, node placement from log rows. Its parts, decoded with
the official schemas, must say exactly what its rows say.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from click.testing import CliRunner

from replaybed.artifacts import bundle
from replaybed.artifacts.store import Store
from replaybed.compile import datasets, pipeline, trace_ids
from replaybed.compile.datasets import prom_names
from replaybed.compile.datasets.base import (
    Case,
    LogBatch,
    MetricBatch,
    MetricTable,
    Series,
    SpanBatch,
    SystemInfo,
    Topology,
)
from replaybed.compile.errors import DatasetError
from replaybed.main import cli
from replaybed.schemas import wire
from replaybed.schemas.framing import decode_part, i64s, u32s
from replaybed.schemas.manifest import AnswerSpace, Fault, Pod, Query
from replaybed.schemas.scenario_id import ScenarioId

T0 = 1_700_000_000_000 - 1_700_000_000_000 % 3_600_000  # an hour boundary, epoch ms
FAULT_MS = T0 + 2 * 3_600_000 + 7 * 60_000 + 30_000
HOURS = 4
PODS = {"web-0": "node-a", "db-0": "node-b"}


def rows_at(minute: int):
    """The twin's telemetry of one minute: metric rows, spans and log lines (as a file holds them)."""
    t = T0 + minute * 60_000
    metrics = [
        (pod, kpi, t, float(minute * 10 + i))
        for i, pod in enumerate(PODS)
        for kpi in ("cpu", "mem")
    ]
    trace = f"gw01{minute:020d}"  # Bank-like: not hex
    root = f"{21030300016145900000 + minute}"  # 20 decimal digits
    child = f"{minute + 1:016x}"  # already a Jaeger span id
    spans = [
        (t * 1000 + 123, 4567, trace, root, "", "web-0"),
        (t * 1000 + 500, 1000, trace, child, root, "db-0"),
    ]
    logs = [(t + 10, "web-0", f"GET / minute {minute}"), (t + 20, "db-0", f"query {minute}")]
    return metrics, spans, logs


class TwinSystem:
    def __init__(self, name: str, with_logs: bool):
        self.with_logs = with_logs
        self.info = SystemInfo(
            dataset="test-twin",
            system=name,
            namespace=f"twin-{name}",
            tz="+00:00",
            signals=("metrics", "traces", "logs") if with_logs else ("metrics", "traces"),
            answer_space=AnswerSpace({"pod": tuple(PODS), "service": ("web", "db")}, ("cpu hog",)),
        )

    def cases(self):
        fault = Fault(
            0,
            FAULT_MS // 1000,
            "-",
            "pod",
            "db-0",
            "cpu hog",
            accepted=("db", "db-0"),
            original={"pod": "db-0"},
        )
        query = Query("task_1", "find it", "db-0") if self.with_logs else None
        return [Case("000", FAULT_MS, fault, query, "faults.json", 2)]

    def coverage(self):
        return [(T0, T0 + HOURS * 3_600_000)]

    def topology(self):
        return Topology((Pod("web-0", "web", None),), ("web",), ())

    def service_of(self, pod: str) -> str:
        return pod.split("-")[0]

    def read(self, spans):
        minutes = sorted(
            {m for lo, hi in spans for m in range((lo - T0) // 60_000, (hi - T0) // 60_000)}
        )
        for m in minutes:
            metrics, span_rows, logs = rows_at(m)
            line = np.arange(2, 2 + len(metrics), dtype=np.int64)
            for kpi in ("cpu", "mem"):  # wide file: one batch per value column
                rows = [r for r in metrics if r[1] == kpi]
                yield MetricBatch(
                    table="pods",
                    entity=pa.array([r[0] for r in rows]),
                    name=kpi,
                    t_ms=np.array([r[2] for r in rows], np.int64),
                    value=np.array([r[3] for r in rows]),
                    file=f"metric/{m}.csv",
                    line=line[: len(rows)],
                )
            yield SpanBatch(
                start_us=np.array([s[0] for s in span_rows], np.int64),
                duration_us=np.array([s[1] for s in span_rows], np.int64),
                trace_id=pa.array([s[2] for s in span_rows]),
                span_id=pa.array([s[3] for s in span_rows]),
                parent_id=pa.array([s[4] for s in span_rows]),
                pod=pa.array([s[5] for s in span_rows], pa.large_string()),  # cast by the spill
                file=f"trace/{m}.csv",
                line=np.arange(2, 2 + len(span_rows), dtype=np.int64),
                tags=(
                    (
                        "db.instance",
                        pa.array(["" if s[5] == "web-0" else "db_003" for s in span_rows]),
                    ),
                ),
            )
            if self.with_logs:
                yield LogBatch(
                    t_ms=np.array([r[0] for r in logs], np.int64),
                    pod=pa.array([r[1] for r in logs]),
                    text=pa.array([r[2] for r in logs]),
                    file=f"log/{m}.csv",
                    line=np.arange(2, 2 + len(logs), dtype=np.int64),
                    node=pa.array([PODS[r[1]] for r in logs]),
                )


class TwinFormat:
    name = "test-twin"
    title = "a test format"
    layout = "twin.json"
    signals = ("metrics", "traces", "logs")
    synth = None

    def recognise(self, folder: Path) -> bool:
        return (folder / "twin.json").exists()

    def systems(self, folder: Path):
        return ("alpha", "beta")

    def open(self, folder: Path, system: str):
        return TwinSystem(system, with_logs=system == "alpha")

    def metric_tables(self):
        return (MetricTable("pods", "web-0", ("cpu", "mem")),)

    def map_metric(self, table: str, entity: str, name: str, namespace: str) -> Series:
        scale = 1000.0 if name == "cpu" else 1.0
        labels = {"pod": entity}
        if entity == "db-0":  # this file says where db-0 runs
            labels["instance"] = PODS[entity]
            return prom_names.series(
                f"twin_{name}", labels, namespace, scale=scale, placement=(entity, PODS[entity])
            )
        return prom_names.series(f"twin_{name}", labels, namespace, scale=scale)


@pytest.fixture
def twin(monkeypatch, tmp_path):
    monkeypatch.setitem(datasets.formats(), TwinFormat.name, TwinFormat())
    folder = tmp_path / "twin"
    folder.mkdir()
    (folder / "twin.json").write_text("{}")
    return folder


def _compile(folder, store, **kw) -> pipeline.CompileSummary:
    req = pipeline.CompileRequest(folder, before_ms=10 * 60_000, after_ms=5 * 60_000, **kw)
    return pipeline.run(req, store)


def _decoded(store, manifest, kind):
    for ref in manifest.parts_of(kind):
        yield ref, decode_part(bundle.read_part(store, ref))


def test_a_format_written_against_the_seam_compiles_exactly(twin, memory_store):
    summary = _compile(twin, memory_store)
    assert summary.format == "test-twin"
    refs = dict(memory_store.refs())
    assert ScenarioId("test-twin", "alpha", "000") in refs and len(refs) > 4
    _, m = bundle.resolve(memory_store, ScenarioId("test-twin", "alpha", "000"))
    assert m.signals == ("metrics", "traces", "logs") and m.namespace == "twin-alpha"
    assert m.fault.accepted == ("db", "db-0") and m.answer_space.levels["pod"] == ("web-0", "db-0")
    assert {p.name: (p.service, p.node) for p in m.pods} == {
        "web-0": ("web", "node-a"),  # from the log rows
        "db-0": ("db", "node-b"),  # from the series placement
    }
    assert m.nodes == ("node-a", "node-b") and m.services == ("db", "web")
    lo, hi = m.origin_ms + m.window.start_ms, m.origin_ms + m.window.end_ms
    minutes = range((lo - T0) // 60_000, (hi - T0) // 60_000)

    got = {}
    for _, part in _decoded(memory_store, m, "traces"):
        for frame in part.frames:
            batch = wire.decode_batch(bytes(frame.body))
            assert batch.process.serviceName == frame.pod.split("-")[0]
            for span, slot in zip(batch.spans, u32s(frame.slots)):
                assert int.from_bytes(bytes(frame.body)[slot : slot + 8], "big") == span.startTime
                tags = {t.key: t.vStr for t in span.tags}
                if m.window.contains(span.startTime // 1000 - m.origin_ms):
                    got[(span.traceIdHigh, span.traceIdLow, span.spanId)] = (frame.pod, span, tags)
    expected = [s for minute in minutes for s in rows_at(minute)[1]]
    assert len(got) == len(expected) and m.counts.spans == len(expected)
    for start_us, dur, trace, span_id, parent, pod in expected:
        high, low, trace_mapped = trace_ids.trace_halves(trace)
        sid, span_mapped = trace_ids.span_signed(span_id)
        frame_pod, span, tags = got[(high, low, sid)]
        assert frame_pod == pod and span.startTime == start_us and span.duration == dur
        # the Bank-like ids are mapped and kept as tags; the hex child id is used as it is
        assert trace_mapped and tags["original.trace_id"] == trace
        assert span_mapped == (not parent) and tags.get("original.span_id") == (
            span_id if span_mapped else None
        )
        assert span.operationName == "" and "status.code" not in tags and "error" not in tags
        assert tags.get("db.instance") == (None if pod == "web-0" else "db_003")
        if parent:
            assert span.parentSpanId == trace_ids.span_signed(parent)[0]
            assert span.references[0].spanId == span.parentSpanId
            assert tags["original.parent_id"] == parent
        else:
            assert span.parentSpanId == 0 and not span.references

    expected_samples = Counter()
    for minute in minutes:
        for pod, kpi, t, value in rows_at(minute)[0]:
            expected_samples[(kpi, pod, t, value * (1000.0 if kpi == "cpu" else 1.0))] += 1
    got_samples = Counter()
    for _, part in _decoded(memory_store, m, "metrics"):
        for frame in part.frames:
            for ts in wire.decode_write_request(bytes(frame.body)).timeseries:
                labels = {lb.name: lb.value for lb in ts.labels}
                assert labels["namespace"] == "twin-alpha"
                (sample,) = ts.samples
                if m.window.contains(sample.timestamp - m.origin_ms):
                    key = (labels["__name__"][5:], labels["pod"], sample.timestamp, sample.value)
                    got_samples[key] += 1
    assert got_samples == expected_samples
    assert m.counts.samples == sum(expected_samples.values())

    lines = {}
    for ref, part in _decoded(memory_store, m, "logs"):
        (frame,) = part.frames
        text, ends = bytes(frame.text), u32s(frame.ends)
        starts = [0, *ends[:-1]]
        for t, a, b in zip(i64s(frame.times), starts, ends):
            if m.window.contains(t - m.origin_ms):
                lines.setdefault(ref.pod, []).append(text[a:b].decode())
    assert lines["web-0"] == [f"GET / minute {minute}" for minute in minutes]


def test_a_system_without_logs_says_so_and_has_no_query(twin, memory_store):
    _compile(twin, memory_store, systems=("beta",))
    _, m = bundle.resolve(memory_store, ScenarioId("test-twin", "beta", "000"))
    assert m.signals == ("metrics", "traces") and m.query is None
    assert not m.parts_of("logs") and m.counts.log_lines == 0 and m.counts.spans > 0


def test_the_same_rows_give_the_same_bytes(twin, tmp_path):
    a, b = Store.open(str(tmp_path / "a")), Store.open(str(tmp_path / "b"))
    _compile(twin, a, systems=("alpha",))
    _compile(twin, b, systems=("alpha",))
    assert dict(a.refs()) == dict(b.refs())


def test_a_fault_outside_the_coverage_names_the_record(twin, memory_store, monkeypatch):
    monkeypatch.setattr(TwinSystem, "coverage", lambda self: [(T0, T0 + 3_600_000)])
    with pytest.raises(DatasetError, match=r"faults.json:2: record 000 .* outside the telemetry"):
        _compile(twin, memory_store, systems=("alpha",))
    assert not list(memory_store.refs())


def test_formats_are_recognised_or_named(twin, tmp_path):
    assert datasets.recognise(twin).name == "test-twin"
    with pytest.raises(
        DatasetError, match="no dataset format recognises this folder.*openrca-market: Market/"
    ):
        datasets.recognise(tmp_path)
    (twin / "Market" / "cloudbed-1").mkdir(parents=True)
    with pytest.raises(DatasetError, match="several formats recognise this folder"):
        datasets.recognise(twin)
    with pytest.raises(DatasetError, match="unknown dataset format 'nezha-9'"):
        datasets.get("nezha-9")


def test_the_formats_command_lists_what_each_provides(twin):
    out = CliRunner().invoke(cli, ["formats", "--json"])
    assert out.exit_code == 0, out.output
    rows = {r["name"]: r for r in json.loads(out.output)}
    assert rows["openrca-market"]["signals"] == ["metrics", "traces", "logs"]
    assert rows["openrca-market"]["synth"] is True and rows["test-twin"]["synth"] is False
    text = CliRunner().invoke(cli, ["formats"]).output
    assert "replaybed synth OUT --format openrca-market" in text


def test_compile_cli_recognises_takes_format_and_system(twin, tmp_path):
    out = CliRunner().invoke(
        cli,
        [
            "compile",
            str(twin),
            "--store",
            str(tmp_path / "s"),
            "--system",
            "beta",
            "--json",
            "--before",
            "10m",
            "--after",
            "5m",
            "--scenario",
            "beta/000",
        ],
    )
    assert out.exit_code == 0, out.output
    summary = json.loads(out.output)
    assert summary["format"] == "test-twin"
    assert [s["id"] for s in summary["scenarios"]] == ["test-twin/beta/000"]
    bad = CliRunner().invoke(
        cli, ["compile", str(twin), "--store", str(tmp_path / "s"), "--format", "openrca-market"]
    )
    assert bad.exit_code != 0 and "no openrca-market system found" in bad.output


def test_synth_without_a_twin_is_refused(twin, tmp_path):
    out = CliRunner().invoke(cli, ["synth", str(tmp_path / "o"), "--format", "test-twin"])
    assert out.exit_code != 0 and "has no synthetic twin" in out.output
    with_twin = out.output.split("formats with one: ", 1)[1]
    assert "openrca-market" in with_twin and "test-twin" not in with_twin


def test_nothing_past_the_seam_imports_a_format_package():
    import ast

    root = Path(datasets.__file__).resolve().parents[1]  # the compile/ folder
    formats = {p.name for p in (root / "datasets").iterdir() if (p / "format.py").exists()}
    generic = [*root.glob("*.py"), *(root / "datasets").glob("*.py")]
    assert len(generic) > 10 and "openrca_market" in formats
    for path in generic:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [f"{node.module}.{a.name}" for a in node.names] + [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            for name in names:
                parts = name.split(".")
                assert not (
                    parts[:3] == ["replaybed", "compile", "datasets"]
                    and len(parts) > 3
                    and parts[3] in formats
                ), f"{path.name} imports {name}"


def test_synth_dispatches_to_the_formats_generator(tmp_path):
    out = CliRunner().invoke(cli, ["synth", "--format", "openrca-market", "--help"])
    assert out.exit_code == 0 and "--scale" in out.output and "--system" in out.output
    assert "synth --format openrca-market" in out.output
    bad = CliRunner().invoke(
        cli, ["synth", str(tmp_path / "o"), "--format", "openrca-market", "--scale", "huge"]
    )
    assert bad.exit_code != 0 and "huge" in bad.output
