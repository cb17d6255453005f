"""The one `replaybed` command.

Subcommands live in their own layer and are imported only when invoked, so `replaybed run ...`
inside the runtime image never imports compile, k8s or boto3 code. Every error replaybed raises on
purpose derives from `ReplaybedError`; it is printed as one message with a non-zero exit code
here, in one place, instead of a traceback.
"""

from __future__ import annotations

import importlib

import click

from replaybed.schemas.errors import ReplaybedError
from replaybed.schemas.version import __version__

# name -> (module, attribute, one-line help shown by `replaybed --help` without importing it)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "synth": (
        "replaybed.compile.cli",
        "synth_command",
        "Write a synthetic, schema-exact dataset of a format (default: OpenRCA Market).",
    ),
    "compile": (
        "replaybed.compile.cli",
        "compile_command",
        "Compile a dataset into scenario bundles in a store.",
    ),
    "formats": (
        "replaybed.compile.cli",
        "formats_command",
        "List the dataset formats compile reads, and what each provides.",
    ),
    "scenarios": (
        "replaybed.artifacts.tools.cli",
        "scenarios",
        "List the scenarios compiled into a store.",
    ),
    "store": (
        "replaybed.artifacts.tools.cli",
        "store",
        "Inspect, verify, copy, clean and share a bundle store.",
    ),
    "run": (
        "replaybed.runtime.cli",
        "run",
        "Replay one scenario's metrics, traces or logs at the current time.",
    ),
    "deploy": (
        "replaybed.k8s.cli",
        "deploy",
        "Deploy a scenario into a Kubernetes namespace as a live-looking incident.",
    ),
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        spec = COMMANDS.get(name)
        if spec is None:
            return None
        module_name, attr, _ = spec
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            missing = getattr(exc, "name", None) or str(exc)
            raise click.ClickException(
                f"`replaybed {name}` needs {missing!r}, which is not installed; "
                f"install the matching extra, e.g. pip install 'replaybed[all]'"
            ) from exc
        return getattr(module, attr)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ReplaybedError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="replaybed")
def cli() -> None:
    """Compile recorded microservice incidents into bundles and replay them as live telemetry."""


def main() -> None:
    cli(prog_name="replaybed")


if __name__ == "__main__":  # pragma: no cover
    main()
