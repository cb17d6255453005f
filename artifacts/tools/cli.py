"""`replaybed scenarios` and `replaybed store ...`: thin click shells over the store library modules.

Errors are raised as `artifacts.errors` and printed (without a traceback) by the umbrella CLI.
"""

from __future__ import annotations

import functools
import json
import sys
from typing import Any

import click

from replaybed.artifacts import locator
from replaybed.artifacts.store import Store
from replaybed.artifacts.tools import copy, durations, gc, listing, reach, repack
from replaybed.artifacts.tools import verify as verifying
from replaybed.schemas.scenario_id import ScenarioId


def store_options(fn):
    """Options every store command shares; they resolve into StoreConfig (flag > env > default)."""

    @click.option(
        "--endpoint-url",
        default=None,
        help="S3 endpoint (env REPLAYBED_S3_ENDPOINT_URL, AWS_ENDPOINT_URL_S3).",
    )
    @click.option(
        "--s3-addressing",
        "addressing",
        type=click.Choice(["auto", "path", "virtual"]),
        default=None,
        help="S3 bucket addressing (env REPLAYBED_S3_ADDRESSING; path for MinIO/RGW).",
    )
    @click.option(
        "--profile",
        default=None,
        help="AWS profile for credentials (default: the standard AWS chain).",
    )
    @click.option(
        "-j",
        "--jobs",
        type=click.IntRange(1, 64),
        default=8,
        show_default=True,
        help="Parallel transfers.",
    )
    @click.option(
        "--pack-mb",
        type=click.FloatRange(0.0625, 4096),
        default=None,
        help="Size new packs aim for, in MiB (env REPLAYBED_PACK_MB; default 32).",
    )
    @functools.wraps(fn)
    def wrapper(*args, endpoint_url, addressing, profile, jobs, pack_mb, **kwargs):
        ctx = click.get_current_context()

        def opener(url: str | None, endpoint: str | None = None) -> Store:
            extra = {} if pack_mb is None else {"pack_bytes": int(pack_mb * 1024 * 1024)}
            # closed (connections released) when the command's context ends, error or not
            return ctx.with_resource(
                Store.open(
                    url,
                    endpoint_url=endpoint or endpoint_url,
                    addressing=addressing,
                    profile=profile,
                    max_concurrency=jobs,
                    **extra,
                )
            )

        return fn(*args, opener=opener, jobs=jobs, **kwargs)

    return wrapper


class _Bar:
    """A click progress bar on stderr, sized once the operation knows its total."""

    def __init__(self, label: str, enabled: bool):
        self.label, self.enabled = label, enabled
        self.bar: Any = None  # click's ProgressBar once started

    def start(self, total_bytes: int) -> None:
        if self.enabled and total_bytes:
            self.bar = click.progressbar(
                length=total_bytes, label=self.label, file=sys.stderr, show_pos=False
            )
            self.bar.__enter__()

    def advance(self, nbytes: int) -> None:
        if self.bar is not None:
            self.bar.update(nbytes)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)


def _emit_json(obj) -> None:
    click.echo(json.dumps(obj, indent=2, sort_keys=True))


def _mib(n: int) -> str:
    return f"{n / 1048576:.1f} MiB"


@click.command("scenarios")
@click.option(
    "--store",
    "url",
    default=None,
    help="Store URL (env REPLAYBED_STORE; default: the local store).",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list, one object per scenario.")
@store_options
def scenarios(url, as_json, opener, jobs):
    """List the scenarios compiled into a store."""
    store = opener(url)
    rows = [listing.scenario_row(item) for item in reach.load(store, (), jobs)]
    if as_json:
        _emit_json(rows)
        return
    click.echo(
        f"{'scenario':<34} {'time':<19} {'tz':<6} {'epoch':>10} {'level':<6} {'component':<22} "
        f"{'reason':<28} {'series':>7} {'samples':>9} {'spans':>8} {'traces':>7} {'logs':>8}  manifest"
    )
    for r in rows:
        reason = "(fault-free)" if r["fault_free"] else r["reason"]
        click.echo(
            f"{r['id']:<34} {r['time']:<19} {r['tz']:<6} {r['epoch']:>10} {r['level']:<6} {r['component']:<22} "
            f"{reason:<28} {r['series']:>7} {r['samples']:>9} {r['spans']:>8} {r['traces']:>7} "
            f"{r['log_lines']:>8}  {r['manifest'][:19]}"
        )


@click.group("store")
def store():
    """Inspect, verify, copy, clean and share a bundle store (a path, file://, s3://bucket/prefix)."""


@store.command("ls")
@click.argument("url")
@click.option(
    "--json", "as_json", is_flag=True, help="Print {scenarios: [...], totals: {...}} as JSON."
)
@store_options
def ls(url, as_json, opener, jobs):
    """Scenarios in the store and their sizes (referenced, unique to the scenario, raw)."""
    rows, totals = listing.size_rows(reach.load(opener(url), (), jobs))
    if as_json:
        _emit_json({"scenarios": rows, "totals": totals})
        return
    click.echo(f"{'scenario':<34} {'parts':>6} {'referenced':>12} {'unique':>12} {'raw':>12}")
    for r in rows:
        click.echo(
            f"{r['id']:<34} {r['parts']:>6} {_mib(r['referenced_bytes']):>12} {_mib(r['unique_bytes']):>12} "
            f"{_mib(r['raw_bytes']):>12}"
        )
    click.echo(
        f"{totals['scenarios']} scenarios, {totals['parts']} parts: {_mib(totals['referenced_bytes'])} referenced, "
        f"{_mib(totals['unique_bytes'])} stored once, {_mib(totals['raw_bytes'])} raw, "
        f"dedup ratio {totals['dedup_ratio']}"
    )


@store.command("verify")
@click.argument("url")
@click.option(
    "--scenario", "selected", multiple=True, help="Only this scenario (repeatable); default: all."
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@store_options
def verify(url, selected, as_json, opener, jobs):
    """Check indexes, packs and every part the refs reach; report problems (exit 1 if any)."""
    with _Bar("verifying", not as_json) as bar:
        report = verifying.verify(opener(url), selected, jobs, bar)
    if as_json:
        _emit_json(report.to_dict())
    else:
        for p in report.problems:
            part = f" part {p.part}" if p.part else ""
            users = f" (scenarios: {', '.join(p.scenarios)})" if p.scenarios else ""
            click.echo(f"{p.kind}: {p.key}{part}{users}: {p.detail}")
        click.echo(
            f"{report.scenarios} scenarios, {report.indexes} indexes, {report.packs} packs, "
            f"{report.parts} parts, {_mib(report.bytes)} checked in {report.seconds:.1f} s: "
            f"{'OK' if report.ok else f'{len(report.problems)} problem(s)'}"
        )
    if not report.ok:
        sys.exit(1)


@store.command("cp")
@click.argument("src")
@click.argument("dst")
@click.option(
    "--scenario", "selected", multiple=True, help="Only this scenario (repeatable); default: all."
)
@click.option(
    "--src-endpoint-url", default=None, help="S3 endpoint of SRC (default: --endpoint-url)."
)
@click.option(
    "--dst-endpoint-url", default=None, help="S3 endpoint of DST (default: --endpoint-url)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@store_options
def cp(*, src, dst, selected, src_endpoint_url, dst_endpoint_url, as_json, opener, jobs):
    """Copy scenarios with their packs from SRC to DST (skipping what DST holds; refs last)."""
    with _Bar("copying", not as_json) as bar:
        report = copy.copy(
            opener(src, src_endpoint_url), opener(dst, dst_endpoint_url), selected, jobs, bar
        )
    summary = report.to_dict()
    if as_json:
        _emit_json(summary)
        return
    click.echo(
        f"{summary['scenarios']} scenarios: {report.packs} packs copied whole, {report.repacked_parts} "
        f"parts into {report.new_packs} new packs ({_mib(report.bytes)}), {report.skipped_parts} parts "
        f"already there; {summary['seconds']} s, {summary['mb_per_s']} MB/s"
    )


@store.command("gc")
@click.argument("url")
@click.option(
    "--grace", default="1h", show_default=True, help="Leave objects younger than this alone."
)
@click.option("--dry-run", is_flag=True, help="Only report what would be deleted.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@store_options
def gc_command(*, url, grace, dry_run, as_json, opener, jobs):
    """Drop parts no ref reaches (repacking the live ones), stale manifests, locks and temp files."""
    report = gc.collect(opener(url), durations.seconds(grace), dry_run, jobs)
    if as_json:
        _emit_json(report.to_dict())
        return
    verb = "would delete" if dry_run else "deleted"
    for key in report.deleted_packs + report.deleted + report.leftovers:
        click.echo(f"{verb} {key}")
    click.echo(
        f"{verb} {len(report.deleted_packs)} packs ({report.repacked_packs} repacked into "
        f"{report.new_packs} new), dropping {report.dropped_parts} parts ({_mib(report.dropped_bytes)}); "
        f"{verb} {len(report.deleted)} other objects and {len(report.leftovers)} leftovers; "
        f"kept {report.kept_packs} packs, {report.young_packs} younger than {grace}"
    )


@store.command("repack")
@click.argument("url")
@click.option(
    "--grace",
    default="1h",
    show_default=True,
    help="Keep unreferenced loose blobs younger than this.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@store_options
def repack_command(url, grace, as_json, opener, jobs):
    """Move a store of loose blobs (written before packs) into packs, indexes and manifests."""
    with _Bar("repacking", not as_json) as bar:
        report = repack.repack(opener(url), durations.seconds(grace), jobs, bar)
    if as_json:
        _emit_json(report.to_dict())
        return
    click.echo(
        f"{report.scenarios} scenarios: {report.parts} loose parts into {report.packs} packs "
        f"({_mib(report.pack_bytes)}); deleted {report.deleted_loose} loose blobs, kept "
        f"{report.kept_loose} younger than {grace}; {report.seconds:.1f} s"
    )


@store.command("url")
@click.argument("url")
@click.option("--scenario", "scenario", required=True, help="Scenario id, e.g. cloudbed-1/017.")
@click.option(
    "--expires", default="1h", show_default=True, help="How long presigned URLs stay valid."
)
@store_options
def url_command(url, scenario, expires, opener, jobs):
    """Print a locator (manifest and one URL per pack) for readers without credentials."""
    expires_s = int(durations.seconds(expires))
    found = locator.locate(opener(url), ScenarioId.parse(scenario), max(1, expires_s))
    click.echo(found.to_json().decode())
