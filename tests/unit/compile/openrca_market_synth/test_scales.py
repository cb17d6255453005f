"""`tiny` thins series, not time; the worker count never changes the bytes; sorted files stay
sorted where a request outlives its block."""

from __future__ import annotations

import bisect
import filecmp
from collections import defaultdict

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from support.datasets import day_file, rows

from replaybed.artifacts import bundle
from replaybed.compile.datasets.openrca_market import catalog
from replaybed.compile.datasets.openrca_market.records import vendored
from replaybed.compile.datasets.openrca_market.synth import day as day_work
from replaybed.compile.datasets.openrca_market.synth.chunks import Chunk, Merger, merge, split
from replaybed.compile.datasets.openrca_market.synth.faults import duration_of
from replaybed.compile.datasets.openrca_market.synth.generate import Request, generate
from replaybed.compile.datasets.openrca_market.synth.handoff import in_memory
from replaybed.runtime.clock import offset_ms
from replaybed.schemas import wire
from replaybed.schemas.framing import decode_part
from replaybed.schemas.scenario_id import ScenarioId

CB = "cloudbed-1"
UTC8 = 8 * 3600
METRIC_FILES = ("metric_container", "metric_mesh", "metric_node", "metric_runtime")


def _step(name: str, kpi: str) -> int:
    """The real sampling interval (measured on the real files), independent of the generator."""
    return 300 if name == "metric_node" and kpi in catalog.NODE_KPIS_300S else 60


def _sample_times(dataset):
    """(file, cmdb, kpi) -> sorted sample times over both days of cloudbed-1."""
    times = defaultdict(list)
    for d in catalog.DAYS:
        for name in METRIC_FILES:
            for t, cmdb, kpi, _ in rows(day_file(dataset, CB, d, catalog.FILES[name])):
                times[(name, cmdb, kpi)].append(int(t))
        for row in rows(day_file(dataset, CB, d, catalog.FILES["metric_service"])):
            times[("metric_service", row[0], "sr")].append(int(row[1]))
    return {k: sorted(v) for k, v in times.items()}


def _killed():
    """pod -> [start, end) of the process terminations: a dead pod reports nothing."""
    out = defaultdict(list)
    for r, _ in vendored(CB):
        if r.reason == "container process termination":
            pods = (
                [r.component]
                if r.level == "pod"
                else [p for p in catalog.CANDIDATE_PODS if catalog.service_of(p) == r.component]
            )
            for pod in pods:
                out[pod].append((r.timestamp, r.timestamp + duration_of(CB, r)))
    return out


def _pod_of(name: str, cmdb: str) -> str | None:
    if name == "metric_container":
        return cmdb.split(".", 1)[1]
    if name == "metric_mesh":
        return cmdb.split(".", 1)[0]
    return None


def test_tiny_samples_every_kept_series_at_every_step_of_every_scenario_window(
    tiny_dataset, tiny_store
):
    times = _sample_times(tiny_dataset)
    killed = _killed()
    first = catalog.day_start(catalog.DAYS[0])
    last = catalog.day_start(catalog.DAYS[-1]) + 86400
    windows = 0
    for scenario, _ in tiny_store.refs(f"openrca-market/{CB}/"):
        m = bundle.resolve(tiny_store, scenario)[1]
        lo = max((m.origin_ms + m.window.start_ms) // 1000, first)
        hi = min((m.origin_ms + m.window.end_ms) // 1000, last)
        kept = 0
        for (name, _cmdb, kpi), ts in times.items():
            step = _step(name, kpi)
            inside = ts[bisect.bisect_left(ts, lo) : bisect.bisect_left(ts, hi)]
            if not inside:
                continue
            dead = killed.get(_pod_of(name, _cmdb) or "", [])
            grid = [
                t
                for t in range(lo, hi, 60)
                if (t + UTC8) % step == 0 and not any(a <= t < b for a, b in dead)
            ]
            assert inside == grid, (
                f"{scenario}: {name} {_cmdb} {kpi} has {len(inside)} of the {len(grid)} "
                f"{step}-s steps of the window"
            )
            kept += 1
        assert kept > 50, f"{scenario}: only {kept} series in the window"
        windows += 1
    assert windows >= 74  # 70 fault scenarios and the fault-free ones


def test_the_faulted_pods_cpu_is_there_in_the_last_5_minutes_of_an_anchor_end_replay(tiny_store):
    """AIOpsLab's get_metrics(duration=5) right after `--anchor end`: CPU of the faulted pod."""
    m = bundle.resolve(tiny_store, ScenarioId.parse(f"{CB}/000"))[1]
    assert m.fault is not None and m.fault.level == "pod"
    now = 1_900_000_000_000
    shift = offset_ms(m, "end", now)
    replayed = []
    for ref in m.parts_of("metrics"):
        for frame in decode_part(bundle.read_part(tiny_store, ref)).frames:
            for ts in wire.decode_write_request(bytes(frame.body)).timeseries:
                labels = {lb.name: lb.value for lb in ts.labels}
                if (
                    labels["__name__"] == "container_cpu_usage_seconds_total"
                    and labels.get("pod") == m.fault.component
                ):
                    replayed += [s.timestamp + shift for s in ts.samples]
    last5 = sorted(t for t in replayed if now - 5 * 60_000 <= t < now)
    assert len(last5) == 5 and all(b - a == 60_000 for a, b in zip(last5, last5[1:])), last5


def test_one_worker_writes_the_bytes_of_two(tiny_dataset, tmp_path):
    out = tmp_path / "one"
    files, _ = generate(Request(out, "tiny", cloudbeds=(CB,), days=("2022_03_20",), jobs=1))
    for f in files:
        assert filecmp.cmp(out / f.path, tiny_dataset / f.path, shallow=False), f.path


def _latency_boundary() -> tuple[str, int]:
    """(day, block start) of the first 10-minute boundary inside a network-latency fault on a
    service most requests call: calls there take 150-450 ms longer, so requests started before
    the boundary end after it."""
    for r, _ in vendored(CB):
        if r.reason == "container network latency" and r.component in (
            "cartservice",
            "productcatalogservice",
            "currencyservice",
        ):
            boundary = -(-r.timestamp // 600) * 600
            if boundary < r.timestamp + duration_of(CB, r):
                day = next(d for d in catalog.DAYS if 0 <= boundary - catalog.day_start(d) < 86400)
                return day, boundary
    raise AssertionError("no latency fault spans a block boundary")


def test_full_scale_spans_stay_sorted_where_requests_outlive_their_block(tmp_path):
    """Two full-scale blocks through the writer, around a boundary requests straddle."""
    day, boundary = _latency_boundary()
    work = [i for i in day_work.items(0, "full", CB, day) if i.kind == day_work.TRAFFIC]
    pair = [i for i in work if i.block in (boundary - 600, boundary)]
    results = [day_work.run(i) for i in pair]
    spilled = sum(tail.rows for _, tail in results[0].shards) + results[0].proxy[1].rows
    assert spilled > 0, "no request outlived the first block: the merge went untested"
    writer = day_work.DayWriter(tmp_path / "day", day)
    for item, result in zip(pair, results):
        writer.take(item, in_memory(result))
    writer.finish()
    spans = rows(tmp_path / "day" / catalog.FILES["trace_span"])
    written = sum(h.rows + t.rows for r in results for h, t in r.shards)
    assert len(spans) == written == writer.rows["trace_span"]
    starts = [int(r[0]) for r in spans]
    assert 1 + sum(b < a for a, b in zip(starts, starts[1:])) <= 5  # one run per shard
    proxy = [int(r[1]) for r in rows(tmp_path / "day" / catalog.FILES["log_proxy"])]
    assert proxy == sorted(proxy) and len(proxy) == writer.rows["log_proxy"]


def _chunk(keys):
    data = [f"{k},{i}\n".encode() for i, k in enumerate(keys)]
    return Chunk(
        np.array(keys, dtype=np.int64), np.array([len(d) for d in data]), b"".join(data)
    ), data


@given(
    st.lists(st.integers(100, 130), max_size=30),
    st.lists(st.integers(100, 200), max_size=60),
)
def test_merge_is_a_stable_sorted_merge(carry_keys, head_keys):
    carry, carry_rows = _chunk(sorted(carry_keys))
    head, head_rows = _chunk(sorted(head_keys))
    out = merge(carry, head)
    pairs = sorted(
        [(k, 0, i) for i, k in enumerate(sorted(carry_keys))]
        + [(k, 1, i) for i, k in enumerate(sorted(head_keys))]
    )
    expected = b"".join((carry_rows if src == 0 else head_rows)[i] for _, src, i in pairs)
    assert out.data == expected and list(out.keys) == sorted(carry_keys + head_keys)
    first, rest = split(out, 150)
    assert first.data + rest.data == out.data and all(k < 150 for k in first.keys)
    merger = Merger()
    assert merger.push(first, rest, 201).data == first.data and merger.flush().data == rest.data
