"""`replaybed deploy problems`: write the AIOpsLab problem set of a store as problems.json."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import click

from replaybed.artifacts.store import Store
from replaybed.k8s.aiopslab import registry
from replaybed.k8s.aiopslab.problems import TASKS, ProblemSet


def summary(found: ProblemSet, output: Path | None) -> str:
    """Counts per task, and the fault scenarios that got no Analysis problem (and why)."""
    per_task = Counter(p.task for p in found.problems)
    tasks = ", ".join(f"{per_task[task]} {task}" for task in TASKS if per_task[task])
    text = f"{len(found.problems)} problems ({tasks})"
    text = f"wrote {text} to {output}" if output else text
    missing = found.without_analysis()
    if missing:
        systems = ", ".join(f"{n} of {system}" for system, n in missing.items())
        text += (
            f"; no analysis problem for {sum(missing.values())} fault scenarios ({systems}): "
            "their dataset defines no analysis labels"
        )
    return text


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
    """Write the AIOpsLab problems (Detection/Localization/Analysis) of every compiled scenario.

    The summary (on standard error) says which fault scenarios have no Analysis problem because
    their dataset defines no analysis labels.
    """
    store = Store.open(store_url)
    try:
        found = registry.problems_from_store(store)
    finally:
        store.close()
    if output is None:
        click.echo(registry.dumps(found).decode())
        click.echo(summary(found, None), err=True)
        return
    registry.write(output, found)
    click.echo(summary(found, output), err=True)
