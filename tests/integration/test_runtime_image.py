"""The runtime image's contents, without Docker: the same wheel and base dependencies in an empty venv.

Follows runtime/Dockerfile: only schemas, artifacts, runtime and the CLI go in (compile and k8s
are empty stand-ins), plus click, zstandard and cramjam. The replay must work from there and
never import pyarrow, numpy, boto3 or kubernetes. Reports the installed size and peak memory.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("pyarrow", "numpy", "boto3", "botocore", "kubernetes", "google.protobuf", "thrift")
PROBE = """
import runpy, sys, json, atexit
def report():
    heavy = sorted(m for m in sys.modules if m.split('.')[0] in {heavy!r})
    # VmHWM is this process's own peak (ru_maxrss would carry the forking parent's over exec)
    rss = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
    print(json.dumps({{"heavy": heavy, "max_rss_kb": rss}}), file=sys.stderr)
atexit.register(report)
sys.argv = ["replaybed"] + sys.argv[1:]
runpy.run_module("replaybed", run_name="__main__")
"""


def _site_size(venv: Path) -> int:
    site = next(venv.glob("lib/python3*/site-packages"))
    skip = {"pip", "setuptools", "_distutils_hack"}
    return sum(
        p.stat().st_size
        for p in site.rglob("*")
        if p.is_file() and p.relative_to(site).parts[0].split("-")[0] not in skip
    )


@pytest.fixture(scope="module")
def image(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("image")
    src = tmp / "src"
    src.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for layer in ("cli", "schemas", "artifacts", "runtime"):
        shutil.copytree(ROOT / layer, src / layer, ignore=shutil.ignore_patterns("__pycache__"))
    for stub in ("compile", "k8s"):
        (src / stub).mkdir()
        (src / stub / "__init__.py").write_text('"""not in the runtime image"""\n')
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [
        str(venv / "bin" / "python"),
        "-m",
        "pip",
        "install",
        "-q",
        "--disable-pip-version-check",
    ]
    subprocess.run([*pip, str(src)], check=True, capture_output=True)
    return venv


def test_the_runtime_replays_from_a_bare_install(image, tiny_store, tmp_path):
    freeze = subprocess.run(
        [str(image / "bin" / "python"), "-m", "pip", "freeze"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    names = {line.split("==")[0].lower() for line in freeze.splitlines() if line}
    assert not names & {"pyarrow", "numpy", "boto3", "kubernetes", "protobuf", "thrift"}, names
    probe = tmp_path / "probe.py"
    probe.write_text(PROBE.format(heavy=set(h.split(".")[0] for h in HEAVY)))
    results = {}
    for kind, extra in (
        ("metrics", ["--out", str(tmp_path / "m.bin")]),
        ("traces", ["--out", str(tmp_path / "t.bin")]),
        ("logs", ["--pod", "frontend-0", "--out", str(tmp_path / "l.txt")]),
    ):
        run = subprocess.run(
            [
                str(image / "bin" / "python"),
                str(probe),
                "run",
                kind,
                "--scenario",
                "cloudbed-1/000",
                "--store",
                str(tiny_store.backend.root),
                "--anchor",
                "end",
                "--json",
                *extra,
            ],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": ""},
        )
        assert run.returncode == 0, run.stderr
        probe_line = json.loads(run.stderr.strip().splitlines()[-1])
        assert probe_line["heavy"] == [], f"{kind} imported {probe_line['heavy']}"
        results[kind] = probe_line["max_rss_kb"]
    size_mb = _site_size(image) / 1e6
    print(
        f"\nruntime install: {size_mb:.1f} MB in site-packages (target <= 40 MB); peak RSS per command (MB): "
        + ", ".join(f"{k} {v / 1024:.0f}" for k, v in results.items())
    )
    assert size_mb <= 40
