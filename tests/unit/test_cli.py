import subprocess
import sys

from click.testing import CliRunner

from replaybed import __version__
from replaybed.main import cli


def test_version_and_help():
    runner = CliRunner()
    assert __version__ in runner.invoke(cli, ["--version"]).output
    result = runner.invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name in ("synth", "compile", "scenarios", "store", "run", "deploy"):
        assert name in result.output


def test_python_dash_m_entry_point():
    out = subprocess.run(
        [sys.executable, "-m", "replaybed", "--version"], capture_output=True, text=True, check=True
    )
    assert __version__ in out.stdout
