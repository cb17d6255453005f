"""`run traces` into a Jaeger-collector stand-in that decodes with the official jaeger.thrift."""

from __future__ import annotations

import json

from click.testing import CliRunner
from support.datasets import day_file, rows
from support.jaeger_collector import Collector

from replaybed.compile.datasets.openrca_market import catalog
from replaybed.main import cli

SCENARIO = "cloudbed-1/000"


def _signed(h):
    v = int(h, 16)
    return v - (1 << 64) if v >= 1 << 63 else v


def test_every_span_arrives_shifted_with_ids_parents_and_tags(tiny_dataset, tiny_store):
    with Collector(fail_first=2) as collector:
        result = CliRunner().invoke(
            cli,
            [
                "run",
                "traces",
                "--scenario",
                SCENARIO,
                "--store",
                str(tiny_store.backend.root),
                "--jaeger",
                collector.url,
                "--anchor",
                "end",
                "--json",
            ],
        )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output.strip().splitlines()[-1])
    assert report["retried"] == 2
    shift_us = report["offset_ms"] * 1000
    got = {}
    for batch in collector.batches:
        for span in batch.spans:
            got[span.spanId] = (batch.process.serviceName, span)
    assert len(got) == report["items"] > 100
    source = {}
    for day in catalog.DAYS:
        for r in rows(day_file(tiny_dataset, "cloudbed-1", day, "trace/trace_span.csv")):
            source[_signed(r[2])] = r
    for sid, (service, span) in got.items():
        ts, pod, _, trace, duration, typ, status, op, parent = source[sid]
        assert service == catalog.service_of(pod)
        assert span.startTime == int(ts) * 1000 + shift_us and span.duration == int(duration)
        assert span.traceIdLow == _signed(trace[16:]) and span.parentSpanId == (
            _signed(parent) if parent else 0
        )
        assert span.operationName == op
        assert {t.key: t.vStr for t in span.tags if t.vType == 0}["status.code"] == status


def test_a_collector_that_refuses_the_body_is_a_reported_loss(tiny_store):
    with Collector(fail_first=10**6, status=400) as collector:
        result = CliRunner().invoke(
            cli,
            [
                "run",
                "traces",
                "--scenario",
                SCENARIO,
                "--store",
                str(tiny_store.backend.root),
                "--jaeger",
                collector.url,
                "--anchor",
                "end",
                "--json",
            ],
        )
    assert result.exit_code == 3 and "not delivered" in result.output
