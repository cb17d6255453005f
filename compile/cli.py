"""`replaybed compile`: dataset folder -> content-addressed scenario bundles in a store."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click

from replaybed.compile.datasets.openrca_market.catalog import CLOUDBEDS

_DURATION = re.compile(r"^(\d+)(ms|s|m|h)$")
_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000}


def duration_ms(text: str, what: str) -> int:
    m = _DURATION.match(text.strip())
    if not m:
        raise click.BadParameter(f"{text!r} is not a duration like 90s, 60m or 1h", param_hint=what)
    return int(m.group(1)) * _UNIT_MS[m.group(2)]


@click.command("compile")
@click.argument("dataset_dir", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option(
    "--store",
    "store_url",
    default=None,
    help="Store URL or path (default: $REPLAYBED_STORE or the local data dir).",
)
@click.option(
    "--cloudbed",
    "cloudbeds",
    multiple=True,
    help=f"Only these ({', '.join(CLOUDBEDS)}); repeatable.",
)
@click.option(
    "--scenario",
    "scenarios",
    multiple=True,
    help="Only these scenario ids (e.g. cloudbed-1/017, cloudbed-2/ff-001); repeatable.",
)
@click.option("--before", default="60m", show_default=True, help="History before the fault.")
@click.option("--after", default="30m", show_default=True, help="Time after the fault.")
@click.option("--chunk", default="5m", show_default=True, help="Part length (dataset time).")
@click.option(
    "--level", default=9, show_default=True, type=click.IntRange(1, 22), help="zstd level of parts."
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON, no progress.")
def compile_command(
    dataset_dir: Path,
    store_url: str | None,
    cloudbeds: tuple[str, ...],
    scenarios: tuple[str, ...],
    before: str,
    after: str,
    chunk: str,
    level: int,
    as_json: bool,
) -> None:
    """Compile an OpenRCA Market dataset (DATASET_DIR holds Market/cloudbed-N/) into scenario bundles.

    Reads each CSV once, writes parts (remote-write bodies, Jaeger batches, log streams), then one
    manifest and ref per scenario. Re-running with the same input writes nothing new.
    """
    from replaybed.artifacts.store import Store
    from replaybed.compile import pipeline
    from replaybed.schemas.scenario_id import ScenarioId

    ids = tuple(ScenarioId.parse(s) for s in scenarios)
    chosen = cloudbeds or (tuple(sorted({i.system for i in ids})) if ids else pipeline.CLOUDBEDS)
    req = pipeline.Request(
        dataset_dir,
        chosen,
        ids,
        duration_ms(before, "--before"),
        duration_ms(after, "--after"),
        duration_ms(chunk, "--chunk"),
        level,
    )
    store = Store.open(store_url)
    try:
        progress = None if as_json else _progress()
        summary = pipeline.run(req, store, progress)
    finally:
        store.close()
    if as_json:
        click.echo(
            json.dumps(
                {
                    "store": store.url,
                    "scenarios": summary.scenarios,
                    "parts": summary.parts,
                    "new_parts": summary.new_parts,
                    "raw_bytes": summary.raw_bytes,
                    "stored_bytes": summary.stored_bytes,
                    "dedup_ratio": round(summary.dedup_ratio, 3),
                    "refs_changed": summary.refs_changed,
                    "unknown_names": summary.unknown_names,
                    "seconds": round(summary.seconds, 3),
                },
                indent=2,
            )
        )
        return
    click.echo(
        f"compiled {len(summary.scenarios)} scenarios into {store.url} in {summary.seconds:.1f} s"
    )
    click.echo(
        f"  parts: {summary.parts} ({summary.new_parts} new), raw {summary.raw_bytes / 1e6:.1f} MB -> "
        f"stored {summary.stored_bytes / 1e6:.1f} MB ({100 * summary.stored_bytes / max(summary.raw_bytes, 1):.1f} %)"
    )
    click.echo(
        f"  dedup ratio (bytes referenced by scenarios / bytes stored): {summary.dedup_ratio:.2f}"
    )
    click.echo(
        f"  refs changed: {summary.refs_changed}; unknown metric names: {len(summary.unknown_names)}"
    )


def _progress():
    def report(stage: str, what) -> None:
        if stage == "read":
            click.echo(f"  read {what}", err=True)

    return report
