"""Runs Python code in the unpacked Debian interpreter, not the host's.

Which modules are built in, the standard library's own sources and the bytecode magic number all
belong to the interpreter that goes into the image, so the module walk and the compilation run
there: the unpacked `python3.11` started through the unpacked dynamic loader and libraries, with
`PYTHONHOME` at the unpacked `/usr`, no site-packages, no user environment and a fixed hash seed
(frozenset constants are marshalled in iteration order).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

PYTHON = "usr/bin/python3.11"
LOADER = "lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
LIB_DIRS = ("lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu")


class InterpreterError(RuntimeError):
    pass


def run(root: Path, script: str, request: object) -> object:
    """Run `script` in the unpacked interpreter under `root`: JSON `request` on stdin, JSON back."""
    cmd = [
        str(root / LOADER),
        "--library-path",
        ":".join(str(root / d) for d in LIB_DIRS),
        str(root / PYTHON),
        "-S",
        "-s",
        "-c",
        script,
    ]
    env = {"PYTHONHOME": str(root / "usr"), "PYTHONHASHSEED": "0", "LC_ALL": "C.UTF-8"}
    done = subprocess.run(cmd, input=json.dumps(request), capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise InterpreterError(
            f"the unpacked {PYTHON} failed ({done.returncode}): {done.stderr.strip()[-3000:]}"
        )
    return json.loads(done.stdout)
