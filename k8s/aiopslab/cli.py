"""`replaybed deploy problems`: write the AIOpsLab problem set of a store as problems.json."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import click

from replaybed.artifacts.store import Store
from replaybed.k8s.aiopslab import registry
from replaybed.k8s.aiopslab.problems import TASKS


@click.command("problems")
@click.option(
    "--store",
    "store_url",
    envvar="REPLAYBED_STORE",
    required=True,
    help="Store URL (directory, file://, s3://); env REPLAYBED_STORE.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write problems.json here (default: standard output).",
)
def problems(store_url: str, output: Path | None) -> None:
    """Write the AIOpsLab problems (Detection/Localization/Analysis) of every compiled scenario."""
    store = Store.open(store_url)
    try:
        found = registry.problems_from_store(store)
    finally:
        store.close()
    if output is None:
        click.echo(registry.dumps(found).decode())
        return
    registry.write(output, found)
    per_task = Counter(p.task for p in found)
    summary = ", ".join(f"{per_task[task]} {task}" for task in TASKS if per_task[task])
    click.echo(f"wrote {len(found)} problems ({summary}) to {output}", err=True)
