"""Renders docs/metric-mapping/<format>.md: every metric name a format documents, and its series.

`python -m replaybed.compile.mapping_doc FORMAT > docs/metric-mapping/FORMAT.md` writes one;
`python -m replaybed.compile.mapping_doc --all docs/metric-mapping` writes every registered
format's. A test keeps the files equal to the code.
"""

from __future__ import annotations

import sys
from pathlib import Path

from replaybed.compile import datasets
from replaybed.compile.datasets.base import DatasetFormat, MetricTable

COMMON = {"namespace", "__name__"}
NAMESPACE = "<namespace>"


def _row(fmt: DatasetFormat, table: MetricTable, name: str) -> str:
    m = fmt.map_metric(table.table, table.example_entity, name, NAMESPACE)
    labels = ", ".join(f'{k}="{v}"' for k, v in m.labels if k not in COMMON)
    scale = f" ×{m.scale:.15g}" if m.scale != 1.0 else ""
    unknown = " (unknown)" if m.unknown else ""
    return f"| `{_cell(name)}` | `{m.name}`{scale}{unknown} | {_cell(labels)} |"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render(fmt: DatasetFormat) -> str:
    module = type(fmt).__module__.replace("replaybed.", "").replace(".", "/")
    out = [
        f"# Metric name mapping ({fmt.name} -> Prometheus)",
        "",
        f"Generated from the `{fmt.name}` format (`{module}.py` and its name mapping) by",
        f"`python -m replaybed.compile.mapping_doc {fmt.name} > docs/metric-mapping/{fmt.name}.md`;",
        "a test keeps this file equal to the code. The general rules are in",
        "`docs/metric-mapping.md`; every series also carries `namespace` (the scenario's namespace).",
        "A `×N` after a name: values are multiplied by N. Names outside these lists are mapped by the",
        "general rule (invalid characters -> `_`, original in `kpi_name`) and counted in each",
        "manifest's `unknown_names`.",
        "",
    ]
    for table in fmt.metric_tables():
        out += [
            f"## {table.table} (example id `{table.example_entity}`, {len(table.names)} names)",
            "",
            "| dataset name | Prometheus name | labels |",
            "|---|---|---|",
        ]
        out += [_row(fmt, table, n) for n in table.names]
        out.append("")
    return "\n".join(out)


def main(argv: list[str]) -> None:
    if len(argv) == 2 and argv[0] == "--all":
        folder = Path(argv[1])
        for name, fmt in datasets.formats().items():
            (folder / f"{name}.md").write_text(render(fmt))
        return
    if len(argv) != 1:
        raise SystemExit("usage: mapping_doc FORMAT | --all FOLDER")
    print(render(datasets.get(argv[0])), end="")


if __name__ == "__main__":
    main(sys.argv[1:])
