"""Dependencies point one way: schemas <- artifacts <- {compile, runtime, k8s}; heavy libraries stay
in the one module allowed to import them (the runtime image must stay tiny)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = {
    "schemas": "schemas",
    "artifacts": "artifacts",
    "compile": "compile",
    "runtime": "runtime",
    "k8s": "k8s",
    "cli": "replaybed",
}
ALLOWED = {
    "schemas": set(),
    "artifacts": {"schemas"},
    "compile": {"schemas", "artifacts"},
    "runtime": {"schemas", "artifacts"},
    "k8s": {"schemas", "artifacts"},
}
# library -> the only places (path prefixes, relative to the repo) that may import it
HEAVY = {
    "pyarrow": ("compile/",),
    "numpy": ("compile/",),
    "boto3": ("artifacts/backends/s3.py",),
    "botocore": ("artifacts/backends/s3.py",),
    "kubernetes": ("k8s/",),
}


def imports_of(path: Path):
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def sources(folder: str):
    return [p for p in (ROOT / folder).rglob("*.py") if "_gen" not in p.parts]


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layers_import_only_downwards(layer):
    bad = []
    for path in sources(layer):
        for name in imports_of(path):
            parts = name.split(".")
            if parts[0] == "replaybed" and len(parts) > 1 and parts[1] in ALLOWED:
                target = parts[1]
                if target != layer and target not in ALLOWED[layer]:
                    bad.append(f"{path.relative_to(ROOT)} imports {name}")
            elif parts[0] == "replaybed" and len(parts) > 1 and parts[1] == "main":
                bad.append(f"{path.relative_to(ROOT)} imports the umbrella CLI")
    assert not bad, "\n".join(bad)


def test_heavy_libraries_stay_in_their_module():
    bad = []
    for layer in ALLOWED:
        for path in sources(layer):
            rel = path.relative_to(ROOT).as_posix()
            for name in imports_of(path):
                root = name.split(".")[0]
                if root in HEAVY and not rel.startswith(HEAVY[root]):
                    bad.append(f"{rel} imports {name}")
    assert not bad, "\n".join(bad)
