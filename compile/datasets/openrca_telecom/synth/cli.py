"""`replaybed synth OUT --format openrca-telecom`: write a synthetic OpenRCA Telecom dataset."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import click

from replaybed.compile.datasets.openrca_telecom.synth.scales import SCALES


@click.command("synth")
@click.argument("out_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option("--scale", default="tiny", show_default=True, help=f"One of {', '.join(SCALES)}.")
@click.option("--seed", default=0, show_default=True, type=int, help="Same seed, same bytes.")
@click.option(
    "--day", "days", multiple=True, help="Only these day folders (YYYY_MM_DD); repeatable."
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def synth(out_dir: Path, scale: str, seed: int, days: tuple[str, ...], as_json: bool) -> None:
    """Write a synthetic OpenRCA Telecom dataset (real records and queries) into OUT_DIR.

    Files, headers, units (every time in epoch ms) and id shapes are those of the real dataset;
    metrics and traces only (Telecom has no logs); each of the 51 recorded faults leaves its
    signature at its component and time. See docs/synthetic-dataset.md.
    """
    from replaybed.compile.datasets.openrca_telecom.synth.generate import Request, generate

    req = Request(out_dir, scale, seed, days)
    progress = None if as_json else (lambda day: click.echo(f"  wrote {day}", err=True))
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
        click.echo(f"{f.path:60} {f.rows:>10} rows {f.bytes:>12} B")
    click.echo(
        f"{scale} dataset: {len(files)} files, {total / 1e6:.1f} MB in {seconds:.1f} s -> {out_dir}"
    )
