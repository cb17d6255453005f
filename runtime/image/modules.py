"""Which standard-library modules the image carries: everything the shipped code can import.

Not a trace of one run (a rarely taken error path would then fail in production), but the static
import closure — every `import` statement, at module level or inside a function — of all modules
the image ships (replaybed's runtime layers, click, cramjam), of `site` and `runpy` (interpreter
start, `python -m`) and of the text codecs, walked by the standard library's `modulefinder` in the
image's own interpreter. The walk stops only at the subtrees below, each unreachable from what
`replaybed run` does or imported only under `try/except ImportError`; `tests/integration/
test_runtime_image.py` runs every command, the error paths and `--help` inside the image.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from interpreter import run

# module -> why the walk stops there
EXCLUDED: dict[str, str] = {
    "pydoc": "help() in an interactive session and the debugger (950 kB of topics)",
    "doctest": "test framework, reached from other modules' self-tests",
    "unittest": "test framework, reached from doctest and test.support",
    "test": "CPython's own test support",
    "pdb": "the debugger, reached from click.testing (tests only) and doctest",
    "bdb": "the debugger's base",
    "readline": "line editing for interactive sessions (would need libreadline and libtinfo)",
    "rlcompleter": "tab completion for interactive sessions",
    "ctypes": "reached from click's Windows console support only (would need libffi)",
    "asyncio": "no event loop in replaybed; reached via unittest only",
    "multiprocessing": "no process pools in replaybed (thread pools only)",
    "concurrent.futures.process": "ProcessPoolExecutor; replaybed uses ThreadPoolExecutor",
    "statistics": "reached from random's self-test only; pulls fractions and decimal",
    "bz2": "optional in shutil, zipfile and tarfile (try/except ImportError); would need libbz2",
    "lzma": "optional in shutil, zipfile and tarfile (try/except ImportError); would need liblzma",
    # CJK multibyte codec tables (~1 MB): encodings reports a missing one as an unknown encoding
    "_multibytecodec": "CJK codecs",
    **{f"_codecs_{x}": "CJK codec tables" for x in ("cn", "hk", "iso2022", "jp", "kr", "tw")},
}
# what no non-interactive program needs: the compile image stops here too (but for pydoc)
INTERACTIVE = frozenset(
    {"pydoc", "doctest", "unittest", "test", "pdb", "bdb", "readline", "rlcompleter"}
)
# Debian's optional start-up hooks, never shipped
HOOKS = ("sitecustomize", "usercustomize", "apport_python_hook")
# never shipped in the runtime image: the heavy libraries replaybed's runtime must not import
ABSENT = (
    "pyarrow",
    "numpy",
    "boto3",
    "botocore",
    "kubernetes",
    "zstandard",
    "thrift",
    "google",
    "yaml",
    *HOOKS,
)
ALWAYS = ("site", "runpy", "encodings")
# imports by a computed name, which no walk can see: module -> what it imports that way
DYNAMIC = {"sysconfig": ("_sysconfigdata__x86_64-linux-gnu",)}

_WALK = """
import json, modulefinder, pkgutil, sys
req = json.load(sys.stdin)
class Finder(modulefinder.ModuleFinder):
    namespaces = set()
    def find_module(self, name, path, parent=None):
        try:
            return super().find_module(name, path, parent)
        except AttributeError:  # a namespace package (no loader): modulefinder cannot enter it
            self.namespaces.add(((parent.__name__ + ".") if parent else "") + name)
            raise ImportError(name)
finder = Finder(path=req["path"], excludes=req["excludes"])
entries = list(req["entries"])
import encodings
entries += ["encodings." + m.name for m in pkgutil.iter_modules(encodings.__path__)]
for name in entries:
    finder.import_hook(name)
for trigger, names in req["dynamic"].items():
    if trigger in finder.modules:
        for name in names:
            finder.import_hook(name)
json.dump({
    "modules": {n: [m.__file__, bool(m.__path__)] for n, m in finder.modules.items() if m.__file__},
    "builtin": sorted(sys.builtin_module_names),
    "namespaces": sorted(finder.namespaces),
}, sys.stdout)
"""


@dataclass(frozen=True)
class Stdlib:
    sources: dict[str, Path]  # module -> its .py in the unpacked tree (packages: __init__.py)
    extensions: dict[str, Path]  # module -> its lib-dynload .so
    builtin: tuple[str, ...]
    namespaces: tuple[str, ...]  # namespace packages the walk could not enter


def walk(
    root: Path,
    stdlib: str,
    site: Path,
    entries: list[str],
    *,
    excluded: dict[str, str],
    absent: tuple[str, ...],
) -> Stdlib:
    """The standard-library part of the import closure of `entries` (+ ALWAYS), in the unpacked
    tree, stopping at `excluded` and at the packages the image does not ship (`absent`)."""
    lib = root / stdlib.lstrip("/")
    found = run(
        root,
        _WALK,
        {
            "path": [str(lib), str(lib / "lib-dynload"), str(site)],
            "excludes": [*excluded, *absent],
            "entries": [*ALWAYS, *entries],
            "dynamic": DYNAMIC,
        },
    )
    assert isinstance(found, dict)
    sources: dict[str, Path] = {}
    extensions: dict[str, Path] = {}
    for name, (file, _) in found["modules"].items():
        path = Path(file)
        if not path.is_relative_to(lib):
            continue  # a shipped package, not the standard library
        (extensions if path.suffix == ".so" else sources)[name] = path
    return Stdlib(sources, extensions, tuple(found["builtin"]), tuple(found["namespaces"]))
