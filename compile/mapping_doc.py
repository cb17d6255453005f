"""Renders docs/metric-mapping.md: every KPI name the Market files carry, and what it becomes."""

from __future__ import annotations

from replaybed.compile.datasets.openrca_market import catalog, metric_names

EXAMPLES = {
    "metric_container": ("node-6.adservice2-0", catalog.CONTAINER_KPIS),
    "metric_node": ("node-1", catalog.NODE_KPIS),
    "metric_mesh": ("frontend-0.source.frontend.cartservice", catalog.MESH_KPIS),
    "metric_runtime": ("adservice.ts:8088", catalog.RUNTIME_KPIS),
    "metric_service": ("adservice-grpc", catalog.SERVICE_KPIS),
}
COMMON = {"namespace", "__name__"}


def _row(file: str, cmdb: str, kpi: str) -> str:
    m = metric_names.MAPPERS[file](cmdb, kpi, "openrca-cloudbed-1")
    labels = ", ".join(f'{k}="{v}"' for k, v in m.labels if k not in COMMON)
    scale = " ×1048576" if m.scale != 1.0 else ""
    return f"| `{kpi}` | `{m.name}`{scale} | {labels} |"


def render() -> str:
    out = [
        "# Metric name mapping (OpenRCA Market -> Prometheus)",
        "",
        "Generated from `compile/datasets/openrca_market/metric_names.py` by "
        "`python -m replaybed.compile.mapping_doc > docs/metric-mapping.md`;",
        "a test keeps this file equal to the code. The rules are in the module docstring; every series",
        'also carries `namespace="openrca-<cloudbed>"`. Values of `_MB` names are multiplied by 1048576 (`×1048576`).',
        "Names outside these lists are mapped by the general rule (invalid characters -> `_`, original in",
        "`kpi_name`) and counted in each manifest's `unknown_names`.",
        "",
    ]
    for file, (cmdb, kpis) in EXAMPLES.items():
        out += [
            f"## {file} (example id `{cmdb}`, {len(kpis)} names)",
            "",
            "| OpenRCA kpi | Prometheus name | labels |",
            "|---|---|---|",
        ]
        out += [_row(file, cmdb, k) for k in kpis]
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    print(render(), end="")
