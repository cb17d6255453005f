"""The vendored Nezha slice (tests/fixtures/nezha) and what its files say, read with the stdlib only.

The expected rows here never go through the format's reader: times are parsed from the text,
Docker records with `json`, duplicates removed by the rule the docs state (a span by its ids,
a log row by all its fields, the earliest file in name order kept).
"""

from __future__ import annotations

import csv
import json
import math
from datetime import UTC, datetime
from pathlib import Path

from replaybed.artifacts.store import Store
from replaybed.compile import pipeline
from replaybed.schemas.scenario_id import ScenarioId

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "nezha"
# the fixture keeps metrics 6-10 min before and 5 min after each chosen fault, and the fault's
# log/trace minute files (which reach back to about fault - 1 min): this window holds all of it
BEFORE_MS, AFTER_MS = 10 * 60_000, 6 * 60_000
SCENARIOS = (
    "nezha/online-boutique/2022-08-22-051809",
    "nezha/train-ticket/2023-01-29-104510",
    "nezha/train-ticket/2023-01-29-133154",
)
DAYS = {"online-boutique": "2022-08-22", "train-ticket": "2023-01-29"}

csv.field_size_limit(1 << 30)


def compile_fixture(store_dir: Path, dataset: Path = FIXTURE, **kw) -> Store:
    store = Store.open(str(store_dir))
    pipeline.run(
        pipeline.CompileRequest(dataset, "nezha", before_ms=BEFORE_MS, after_ms=AFTER_MS, **kw),
        store,
    )
    return store


def day_dir(system: str, dataset: Path = FIXTURE) -> Path:
    return dataset / system / "rca_data" / DAYS[system]


def rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        next(reader)
        return list(reader)


def go_time_ms(text: str) -> int:
    """`2022-08-22 05:12:19.863394899 +0000 UTC m=+...` -> epoch ms (truncated)."""
    second, _, rest = text.partition(".")
    digits = rest.split(" ", 1)[0]
    base = datetime.strptime(second, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    return int(base.timestamp()) * 1000 + int(digits[:3].ljust(3, "0"))


def value_key(v: float) -> object:
    """NaN-aware sample value for set/multiset comparisons."""
    return "NaN" if math.isnan(v) else v


def metric_rows(system: str) -> list[tuple[str, str, str, int, float]]:
    """(table, entity, column, t_ms, value) of every metric cell of the fixture day."""
    folder = day_dir(system) / "metric"
    out = []
    for path in sorted(folder.glob("*_metric.csv")) + [folder / "front_service.csv"]:
        table = "front_service" if path.name == "front_service.csv" else "pod_metric"
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            header = next(reader)
            for row in reader:
                for column, value in zip(header[3:], row[3:]):
                    out.append((table, row[2], column, go_time_ms(row[0]), float(value)))
    return out


def span_rows(system: str) -> list[dict]:
    """Every span of the fixture day once (the first copy, minute files in name order)."""
    seen: dict[tuple[str, str], list[str]] = {}
    for path in sorted((day_dir(system) / "trace").glob("*_trace.csv")):
        for r in rows(path):
            if (r[0], r[1]) in seen:
                assert seen[(r[0], r[1])] == r, "the fixture holds no conflicting duplicates"
                continue
            seen[(r[0], r[1])] = r
    return [
        {
            "trace": r[0],
            "span": r[1],
            "parent": "" if r[2] == "root" else r[2],
            "pod": r[3],
            "operation": r[4],
            "start_us": int(r[5]) // 1000,
            "duration_us": int(r[7]),
        }
        for r in seen.values()
    ]


def log_rows(system: str) -> list[dict]:
    """Every log row of the fixture day once, in file-name then line order."""
    seen: set[tuple[str, ...]] = set()
    out = []
    for file_index, path in enumerate(sorted((day_dir(system) / "log").glob("*_log.csv"))):
        for line, r in enumerate(rows(path), start=2):
            if tuple(r) in seen:
                continue
            seen.add(tuple(r))
            record = json.loads(r[7])
            out.append(
                {
                    "t_ms": int(r[1]) // 1_000_000,
                    "pod": r[3],
                    "node": r[2],
                    "text": record["log"].removesuffix("\n"),
                    "order": (file_index, line),
                }
            )
    return out


def scenario_id(text: str) -> ScenarioId:
    return ScenarioId.parse(text)
