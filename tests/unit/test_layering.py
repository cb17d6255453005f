"""Dependencies point one way: schemas <- artifacts <- {compile, runtime, k8s} <- cli; heavy libraries
stay in the modules allowed to import them (the runtime image must stay tiny).

The checker works on any tree (`violations(root)`), so a test can prove it fails on a deliberately
broken layer; the real tree is checked against the folders the installed package really maps, so a
moved or renamed layer folder fails instead of being silently skipped.
"""

from __future__ import annotations

import ast
import fnmatch
import importlib.util
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# layer -> the layers it may import (besides itself); `cli` is the umbrella package `replaybed`
ALLOWED = {
    "schemas": set(),
    "artifacts": {"schemas"},
    "compile": {"schemas", "artifacts"},
    "runtime": {"schemas", "artifacts"},
    "k8s": {"schemas", "artifacts"},
    "cli": {"schemas", "artifacts", "compile", "runtime", "k8s"},
}
# library -> the only modules (globs relative to the repo) that may import it. compile/: the
# spill (Arrow IPC buckets), the chunk-part builder, its workers and manifest counting (numpy), the
# wire encoders that frame a chunk's rows as columns (`byte_rows`, `prom_write`, `jaeger_thrift`,
# `log_stream`, `trace_ids`), the shard index (numpy arrays), the batch types of the dataset seam,
# the shared CSV reader, and per format its reader (`source.py`: CSV blocks with pyarrow;
# `telemetry.py`: rows -> normalised batches) and synthetic twin; everything else stays plain.
_ENCODERS = (
    "compile/byte_rows.py",
    "compile/prom_write.py",
    "compile/jaeger_thrift.py",
    "compile/log_stream.py",
    "compile/trace_ids.py",
)
_FORMAT_READERS = ("compile/datasets/*/source.py", "compile/datasets/*/telemetry.py")
HEAVY = {
    "pyarrow": (
        "compile/spill.py",
        "compile/parts.py",
        "compile/chunk_workers.py",
        *_ENCODERS,
        "compile/datasets/base.py",
        "compile/datasets/csv_source.py",
        *_FORMAT_READERS,
    ),
    "numpy": (
        "compile/spill.py",
        "compile/parts.py",
        "compile/manifests.py",
        "compile/shard_index.py",
        *_ENCODERS,
        "compile/datasets/base.py",
        "compile/datasets/csv_source.py",
        *_FORMAT_READERS,
        "compile/datasets/*/synth/*.py",
    ),
    "boto3": ("artifacts/backends/s3.py",),
    "botocore": ("artifacts/backends/s3.py",),
    "kubernetes": ("k8s/cluster.py",),
    "yaml": ("k8s/*.py",),
    # compression only (the compile extra); the runtime image decompresses with cramjam
    "zstandard": ("artifacts/bundle.py", "compile/*"),
    "google": ("schemas/wire.py",),
    "thrift": ("schemas/wire.py",),
}
# a real layer has at least this many modules: fewer means the checker is looking at the wrong place
MIN_MODULES = {"cli": 3}
DEFAULT_MIN_MODULES = 5


@dataclass(frozen=True)
class Import:
    path: str  # relative to the tree root
    module: str  # absolute dotted name
    line: int


def package_of(rel: Path) -> list[str]:
    """`replaybed.<layer>.<sub>` parts of a file's package (the umbrella `cli/` is `replaybed`)."""
    layer, *rest = rel.parent.parts
    return ["replaybed"] + ([] if layer == "cli" else [layer]) + rest


def imports_of(root: Path, rel: Path):
    path = root / rel
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(rel.as_posix(), alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package_of(rel)[: len(package_of(rel)) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            yield Import(rel.as_posix(), module, node.lineno)
            if module == "replaybed" or module.startswith("replaybed."):
                # `from replaybed import compile` imports a layer too
                yield from (
                    Import(rel.as_posix(), f"{module}.{a.name}", node.lineno) for a in node.names
                )


def sources(root: Path, layer: str) -> list[Path]:
    return sorted(
        p.relative_to(root) for p in (root / layer).rglob("*.py") if "_gen" not in p.parts
    )


def layer_of_import(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "replaybed":
        return None
    if len(parts) > 1 and parts[1] in ALLOWED and parts[1] != "cli":
        return parts[1]
    return "cli"  # the package root (`replaybed`, `replaybed.main`, `replaybed.__main__`)


def violations(root: Path) -> tuple[list[str], int]:
    """(every broken rule as `file:line: message`, number of replaybed imports checked)."""
    bad, checked = [], 0
    for layer, allowed in ALLOWED.items():
        for rel in sources(root, layer):
            for imp in imports_of(root, rel):
                target = layer_of_import(imp.module)
                where = f"{imp.path}:{imp.line}"
                if target is not None:
                    checked += 1
                    if target != layer and target not in allowed:
                        bad.append(f"{where}: layer {layer} imports {imp.module} (layer {target})")
                    continue
                lib = imp.module.split(".")[0]
                if lib in HEAVY and not any(fnmatch.fnmatch(imp.path, g) for g in HEAVY[lib]):
                    bad.append(
                        f"{where}: imports {lib}, allowed only in {', '.join(HEAVY[lib]) or 'tests'}"
                    )
    return bad, checked


def test_the_checked_folders_are_the_installed_layers():
    for layer in ALLOWED:
        name = "replaybed" if layer == "cli" else f"replaybed.{layer}"
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.origin, f"{name} is not installed"
        assert Path(spec.origin).resolve().parent == ROOT / layer, (
            f"{name} is installed from {Path(spec.origin).resolve().parent}, "
            f"but the layering test checks {ROOT / layer}"
        )
        least = MIN_MODULES.get(layer, DEFAULT_MIN_MODULES)
        assert len(sources(ROOT, layer)) >= least, f"{layer}/ has almost no modules"


def test_layers_import_only_downwards_and_heavy_libraries_stay_put():
    bad, checked = violations(ROOT)
    assert checked > 100, f"only {checked} replaybed imports found: the checker sees nothing"
    assert not bad, "\n".join(bad)


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for layer in ALLOWED:
        (tmp_path / layer).mkdir(exist_ok=True)
        (tmp_path / layer / "__init__.py").write_text("")
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    return tmp_path


@pytest.mark.parametrize(
    "rel, text, message",
    [
        ("artifacts/x.py", "from replaybed.compile import pipeline\n", "layer artifacts imports"),
        ("runtime/x.py", "from replaybed import __version__\n", "layer runtime imports replaybed"),
        ("schemas/sub/x.py", "from ...runtime import patch\n", "replaybed.runtime.patch"),
        ("runtime/x.py", "import pyarrow.csv\n", "imports pyarrow"),
        ("compile/x.py", "import pyarrow\n", "imports pyarrow"),
        ("k8s/render.py", "from kubernetes import client\n", "imports kubernetes"),
    ],
)
def test_the_checker_catches_a_broken_layer(tmp_path, rel, text, message):
    bad, _ = violations(_tree(tmp_path, {rel: text}))
    assert any(message in b for b in bad), bad


def test_the_checker_accepts_allowed_imports(tmp_path):
    files = {
        "runtime/x.py": "from replaybed.schemas import framing\nfrom . import clock\n",
        "compile/spill.py": "import pyarrow\n",
        "cli/main.py": "from replaybed.compile import cli\n",
    }
    bad, checked = violations(_tree(tmp_path, files))
    assert not bad and checked >= 3
