"""Bytecode for a read-only root: compiled once at build time, never checked against sources.

A read-only root cannot cache bytecode, so without it every start would compile every module
again. Unchecked-hash `.pyc` files (PEP 552) hold a hash of the source instead of its mtime (the
same source gives the same file) and are loaded without stat-ing or hashing the source. The
compilation runs in the image's own interpreter (`interpreter.run`), so the magic number is
that interpreter's; `dfile` is the module's path inside the image, which tracebacks show.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from interpreter import run

_COMPILE = """
import json, py_compile, sys
mode = py_compile.PycInvalidationMode.UNCHECKED_HASH
for src, out, dfile in json.load(sys.stdin):
    py_compile.compile(src, cfile=out, dfile=dfile, doraise=True, invalidation_mode=mode)
print("[]")
"""


@dataclass(frozen=True)
class Job:
    source: Path  # the .py on the build machine
    output: Path  # where the .pyc goes on the build machine
    image_path: str  # the .py's path inside the image (shown in tracebacks)


def cache_name(source_name: str) -> str:
    """`x.py` -> `__pycache__/x.cpython-311.pyc` (the image's interpreter is CPython 3.11)."""
    return f"__pycache__/{source_name.removesuffix('.py')}.cpython-311.pyc"


def compile_all(root: Path, jobs: list[Job]) -> None:
    for job in jobs:
        job.output.parent.mkdir(parents=True, exist_ok=True)
    run(root, _COMPILE, [[str(j.source), str(j.output), j.image_path] for j in jobs])
