"""`replaybed synth --format openrca-bank`: write a synthetic OpenRCA Bank dataset."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import click

from replaybed.compile.datasets.openrca_bank.catalog import DAYS
from replaybed.compile.datasets.openrca_bank.synth.scales import SCALES


@click.command("synth")
@click.argument("out_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option(
    "--scale",
    default="tiny",
    show_default=True,
    type=click.Choice(tuple(SCALES)),
    help="How many series and how much traffic (docs/synthetic-dataset.md).",
)
@click.option("--seed", default=0, show_default=True, type=int, help="Same seed, same bytes.")
@click.option(
    "--day",
    "days",
    multiple=True,
    help=f"Only these day folders ({', '.join(DAYS)}); repeatable. Default: the scale's days.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def synth(out_dir: Path, scale: str, seed: int, days: tuple[str, ...], as_json: bool) -> None:
    """Write a synthetic OpenRCA Bank dataset (the 136 real records) into OUT_DIR/Bank.

    Files, headers, units and id shapes are those of the real dataset; each record's fault leaves
    its signature on its component. See docs/synthetic-dataset.md.
    """
    from replaybed.compile.datasets.openrca_bank.synth.generate import Request, generate

    progress = None if as_json else (lambda day: click.echo(f"  wrote {day}", err=True))
    files, seconds = generate(Request(out_dir, scale, seed, days), on_day=progress)
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
        click.echo(f"{f.path:60} {f.rows:>10} rows {f.bytes:>12} B")
    click.echo(
        f"{scale} Bank dataset: {len(files)} files, {total / 1e6:.1f} MB in {seconds:.1f} s -> {out_dir}"
    )
