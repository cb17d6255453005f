"""`replaybed compile`, `replaybed formats`, `replaybed synth`: the compile layer's commands."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click

_DURATION = re.compile(r"^(\d+)(ms|s|m|h)$")
_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000}
DEFAULT_SYNTH_FORMAT = "openrca-market"


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
    "--format",
    "format_name",
    default=None,
    help="Dataset format (default: recognised from the folder; see `replaybed formats`).",
)
@click.option(
    "--system",
    "--cloudbed",
    "systems",
    multiple=True,
    help="Only these systems (e.g. cloudbed-1); repeatable. --cloudbed is an alias.",
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
@click.option(
    "--stage",
    type=click.Choice(["all", "parts", "manifests"]),
    default="all",
    show_default=True,
    help="parts: build the shards' parts and store their indexes; manifests: publish every "
    "scenario from the stored indexes; all: both, in this process.",
)
@click.option(
    "--shard",
    "shard_names",
    multiple=True,
    help="Only these shards (with --stage parts); repeatable. See --list-shards.",
)
@click.option(
    "--list-shards", is_flag=True, help="Print the shards this compile splits into, and exit."
)
@click.option(
    "--jobs",
    default=0,
    type=click.IntRange(0),
    help="Worker processes building parts (default 0: one per available core).",
)
@click.option(
    "--run",
    "run_label",
    default="",
    help="A label the parts stage records in its shard indexes and the manifests stage requires.",
)
@click.option(
    "--wait",
    default="0s",
    show_default=True,
    help="With --stage manifests: how long to wait for shard indexes that are not stored yet.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON, no progress.")
def compile_command(
    *,
    dataset_dir: Path,
    store_url: str | None,
    format_name: str | None,
    systems: tuple[str, ...],
    scenarios: tuple[str, ...],
    before: str,
    after: str,
    chunk: str,
    level: int,
    stage: str,
    shard_names: tuple[str, ...],
    list_shards: bool,
    jobs: int,
    run_label: str,
    wait: str,
    as_json: bool,
) -> None:
    """Compile a recorded incident dataset in DATASET_DIR into scenario bundles.

    The format is recognised from the folder (or given with --format; `replaybed formats` lists
    them). Reads each file once, writes parts (remote-write bodies, Jaeger batches, log streams),
    then one manifest and ref per scenario. Re-running with the same input writes nothing new.

    A system's work splits into shards (one per span its files cover; Market: per day), which
    can run apart: `--stage parts --shard S` on each, then `--stage manifests` once.
    """
    from replaybed.artifacts.store import Store
    from replaybed.compile import pipeline
    from replaybed.schemas.scenario_id import ScenarioId

    req = pipeline.CompileRequest(dataset_dir, format_name)
    fmt = pipeline.resolve_format(req)
    req = pipeline.CompileRequest(
        dataset_dir,
        fmt.name,
        systems,
        tuple(ScenarioId.parse(s, default_dataset=fmt.name) for s in scenarios),
        before_ms=duration_ms(before, "--before"),
        after_ms=duration_ms(after, "--after"),
        chunk_ms=duration_ms(chunk, "--chunk"),
        level=level,
        stage=stage,
        shards=shard_names,
        jobs=jobs,
        run=run_label,
        wait_s=duration_ms(wait, "--wait") / 1000,
    )
    if list_shards:
        fmt, planned = pipeline.plan_all(req)
        found = [{**s.to_dict(), "format": fmt.name} for p in planned for s in p.shards]
        if as_json:
            click.echo(json.dumps(found, indent=2))
        else:
            for s in found:
                click.echo(f"{s['shard']}\t{s['system']}\t{s['chunks']} chunks")
        return
    store = Store.open(store_url)
    try:
        summary = pipeline.run(req, store, None if as_json else _progress)
    finally:
        store.close()
    if as_json:
        click.echo(
            json.dumps(
                {
                    "store": store.url,
                    "format": summary.format,
                    "stage": stage,
                    "shards": summary.shards,
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
    if stage == "parts":
        click.echo(
            f"built the parts of {len(summary.shards)} shard(s) ({', '.join(summary.shards)}) "
            f"into {store.url} in {summary.seconds:.1f} s"
        )
    else:
        click.echo(
            f"compiled {len(summary.scenarios)} {summary.format} scenarios into {store.url} "
            f"in {summary.seconds:.1f} s"
        )
    ratio = 100 * summary.stored_bytes / max(summary.raw_bytes, 1)
    click.echo(
        f"  parts: {summary.parts} ({summary.new_parts} new), raw {summary.raw_bytes / 1e6:.1f} MB"
        f" -> stored {summary.stored_bytes / 1e6:.1f} MB ({ratio:.1f} %)"
    )
    click.echo(
        f"  dedup ratio (bytes referenced by scenarios / bytes stored): {summary.dedup_ratio:.2f}"
    )
    click.echo(
        f"  refs changed: {summary.refs_changed}; unknown metric names: {len(summary.unknown_names)}"
    )


def _progress(stage: str, what: object) -> None:
    if stage == "read":
        click.echo(f"  read {what}", err=True)


@click.command("formats")
@click.option("--json", "as_json", is_flag=True, help="Print the formats as JSON.")
def formats_command(as_json: bool) -> None:
    """List the dataset formats `replaybed compile` reads, and what each provides."""
    from replaybed.compile import datasets

    rows: list[dict] = [
        {
            "name": f.name,
            "title": f.title,
            "layout": f.layout,
            "signals": list(f.signals),
            "synth": f.synth is not None,
        }
        for f in datasets.formats().values()
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for r in rows:
        click.echo(f"{r['name']}: {r['title']}")
        click.echo(f"  layout:  {r['layout']}")
        click.echo(f"  signals: {', '.join(r['signals'])}")
        click.echo(
            f"  synth:   {'replaybed synth OUT --format ' + r['name'] if r['synth'] else '-'}"
        )


@click.command(
    "synth",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    add_help_option=False,
)
@click.option("--format", "format_name", default=DEFAULT_SYNTH_FORMAT, show_default=True)
@click.pass_context
def synth_command(ctx: click.Context, format_name: str) -> None:
    """Write a schema-exact synthetic twin of a dataset format: `synth OUT --format NAME ...`.

    Every other option goes to the format's generator; `replaybed synth [--format NAME] --help`
    shows them.
    """
    import importlib

    from replaybed.compile import datasets
    from replaybed.compile.errors import SynthError

    fmt = datasets.get(format_name)
    if fmt.synth is None:
        with_twin = [f.name for f in datasets.formats().values() if f.synth]
        raise SynthError(
            f"format {fmt.name} has no synthetic twin; formats with one: {', '.join(with_twin)}"
        )
    module, _, attr = fmt.synth.partition(":")
    command: click.Command = getattr(importlib.import_module(module), attr)
    command.main(
        list(ctx.args), prog_name=f"{ctx.command_path} --format {fmt.name}", standalone_mode=False
    )
