"""`replaybed synth`: write a synthetic OpenRCA Market dataset."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import click

from replaybed.compile.datasets.openrca_market.catalog import CLOUDBEDS, DAYS
from replaybed.compile.datasets.openrca_market.synth.scales import SCALES


@click.command("synth")
@click.argument("out_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option("--scale", default="tiny", show_default=True, help=f"One of {', '.join(SCALES)}.")
@click.option("--seed", default=0, show_default=True, type=int, help="Same seed, same bytes.")
@click.option(
    "--system",
    "--cloudbed",
    "cloudbeds",
    multiple=True,
    help=f"Only these systems ({', '.join(CLOUDBEDS)}); repeatable.",
)
@click.option(
    "--day", "days", multiple=True, help=f"Only these day folders ({', '.join(DAYS)}); repeatable."
)
@click.option(
    "--jobs",
    type=int,
    default=None,
    help="Worker processes (default: one per core); never changes the bytes.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def synth(
    *,
    out_dir: Path,
    scale: str,
    seed: int,
    cloudbeds: tuple[str, ...],
    days: tuple[str, ...],
    jobs: int | None,
    as_json: bool,
) -> None:
    """Write a synthetic OpenRCA Market dataset (both cloudbeds, real records) into OUT_DIR.

    The files, headers, units and value spaces are those of the real dataset; each of the 148
    recorded faults leaves its signature in the telemetry. See docs/synthetic-dataset.md.
    """
    from replaybed.compile.datasets.openrca_market.synth.generate import Request, generate

    req = Request(out_dir, scale, seed, cloudbeds or CLOUDBEDS, days or DAYS, jobs)
    progress = None if as_json else (lambda cb, day: click.echo(f"  wrote {cb}/{day}", err=True))
    files, seconds = generate(req, on_day=progress)
    total = sum(f.bytes for f in files)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "out_dir": str(out_dir),
                    "scale": scale,
                    "seed": seed,
                    "seconds": round(seconds, 3),
                    "bytes": total,
                    "files": [asdict(f) for f in files],
                },
                indent=2,
            )
        )
        return
    for f in files:
        click.echo(f"{f.path:70} {f.rows:>10} rows {f.bytes:>12} B")
    click.echo(
        f"{scale} dataset: {len(files)} files, {total / 1e6:.1f} MB in {seconds:.1f} s -> {out_dir}"
    )
