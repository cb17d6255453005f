"""The image's files, as layer entries: what goes in and where, and nothing else.

Three layers, bottom first, ordered by how often they change: `debian` (the interpreter, the
standard-library modules `modules.walk` selected as bytecode only, the shared libraries every
ELF file in the image needs, CA certificates, `/usr/bin/test` for readiness probes, users),
`python-packages` (click and cramjam exactly as their wheels install) and `replaybed` (the
runtime layers as `pip install` lays them out, plus bytecode and the `replaybed` command).
Debian's bookworm layout is kept (merged /usr, multiarch library folder, `dist-packages`), so
the interpreter finds everything at its compiled-in paths without any configuration.
"""

from __future__ import annotations

import ast
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

import elf
from oci import Entry

STDLIB = "usr/lib/python3.11"
DIST = "usr/lib/python3/dist-packages"
LIBDIR = "usr/lib/x86_64-linux-gnu"
# where the unpacked packages keep shared libraries (bookworm packages still ship /lib paths)
LIB_SEARCH = ("lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu")
UID = 10001
# what runtime/Dockerfile writes into the folders the runtime image leaves out (the distribution
# maps every folder, so each needs at least an __init__.py)
STUB = '"""not in the runtime image"""\n'
ENTRY_SCRIPT = """#!/usr/bin/python3.11
import sys

from replaybed.main import main

if __name__ == "__main__":  # a spawned worker (the compile's) imports this file as __mp_main__
    sys.exit(main())
"""
PASSWD = f"root:x:0:0:root:/root:/usr/sbin/nologin\nreplay:x:{UID}:{UID}:replaybed:/tmp:/usr/sbin/nologin\n"
GROUP = f"root:x:0:\nreplay:x:{UID}:\n"
# glibc's default without this file asks DNS before /etc/hosts
NSSWITCH = "passwd: files\ngroup: files\nhosts: files dns\n"
CA_BUNDLE = "etc/ssl/certs/ca-certificates.crt"


class RootfsError(RuntimeError):
    pass


def _file(path: str, source: Path, mode: int | None = None) -> Entry:
    if mode is None:
        mode = 0o755 if source.stat().st_mode & 0o111 else 0o644
    return Entry(path, "file", mode, source=source)


def _text(path: str, text: str, mode: int = 0o644) -> Entry:
    return Entry(path, "file", mode, data=text.encode())


# --- replaybed, as pip installs it -------------------------------------------------------------


def _setup_layers(repo: Path) -> dict[str, str]:
    """setup.py's LAYERS mapping (package -> folder), read without running setup.py."""
    tree = ast.parse((repo / "setup.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "LAYERS":
            return ast.literal_eval(node.value)
    raise RootfsError(f"{repo / 'setup.py'}: no LAYERS mapping")


def project(repo: Path) -> dict:
    return tomllib.loads((repo / "pyproject.toml").read_text())["project"]


def replaybed_files(repo: Path, layers: tuple[str, ...]) -> dict[str, Path]:
    """Package-relative path (`replaybed/runtime/cli.py`) -> file, for the given layer folders.

    What setuptools puts in the wheel: every package (a folder with `__init__.py`) under a
    mapped folder, its modules, and the package data pyproject.toml declares.
    """
    package_data = tomllib.loads((repo / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"
    ]
    folders = {folder: name for name, folder in _setup_layers(repo).items()}
    out: dict[str, Path] = {}
    for folder in layers:
        top = repo / folder
        for init in sorted(top.rglob("__init__.py")):
            pkg_dir = init.parent
            rel = pkg_dir.relative_to(top)
            if any(
                not (top / Path(*rel.parts[: i + 1]) / "__init__.py").exists()
                for i in range(len(rel.parts))
            ):
                continue  # not reachable as a package
            package = ".".join([folders[folder], *rel.parts])
            dest = package.replace(".", "/")
            for module in sorted(pkg_dir.glob("*.py")):
                out[f"{dest}/{module.name}"] = module
            for pattern in package_data.get(package, []):
                for data in sorted(pkg_dir.glob(pattern)):
                    if data.is_file():
                        out[f"{dest}/{data.relative_to(pkg_dir).as_posix()}"] = data
    return out


def _metadata(repo: Path) -> str:
    p = project(repo)
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {p['name']}",
        f"Version: {p['version']}",
        f"Summary: {p['description']}",
        f"Requires-Python: {p['requires-python']}",
        *(f"Requires-Dist: {d}" for d in p["dependencies"]),
    ]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class PythonTree:
    """Files for dist-packages, with the modules that need bytecode."""

    entries: list[Entry]
    modules: list[tuple[str, Path]]  # (path inside the image, source on the build machine)


def replaybed_tree(repo: Path, layers: tuple[str, ...], stubs: tuple[str, ...]) -> PythonTree:
    version = project(repo)["version"]
    files = replaybed_files(repo, layers)
    entries = [_file(f"{DIST}/{rel}", src, 0o644) for rel, src in sorted(files.items())]
    entries += [_text(f"{DIST}/replaybed/{stub}/__init__.py", STUB) for stub in stubs]
    info = f"{DIST}/replaybed-{version}.dist-info"
    entries += [
        _text(f"{info}/METADATA", _metadata(repo)),
        _text(f"{info}/entry_points.txt", "[console_scripts]\nreplaybed = replaybed.main:main\n"),
        _text(f"{info}/top_level.txt", "replaybed\n"),
        _text(f"{info}/INSTALLER", "replaybed-image\n"),
        _text("usr/bin/replaybed", ENTRY_SCRIPT, 0o755),
    ]
    modules = [(f"/{DIST}/{rel}", src) for rel, src in sorted(files.items()) if rel.endswith(".py")]
    return PythonTree(entries, modules)


# --- wheels --------------------------------------------------------------------------------------


def unpack_wheels(wheels: list[Path], into: Path) -> None:
    """Install wheels by unzipping them (PEP 427). A `.data/purelib|platlib` folder joins the rest;
    `.data/scripts` (a dependency's command-line tools, e.g. jmespath's jp.py) is left out; any
    other `.data` folder is refused."""
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as z:
            for info in z.infolist():
                top, _, rest = info.filename.partition("/")
                if not top.endswith(".data"):
                    z.extract(info, into)
                    continue
                kind, _, inner = rest.partition("/")
                if kind == "scripts":
                    continue
                if kind not in ("purelib", "platlib"):
                    raise RootfsError(
                        f"{wheel.name}: installs {top}/{kind}, which this build does not"
                    )
                if inner and not info.is_dir():
                    target = into / inner
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(z.read(info))


def wheel_tree(site: Path) -> PythonTree:
    entries, modules = [], []
    for path in sorted(p for p in site.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        rel = path.relative_to(site).as_posix()
        mode = 0o755 if path.suffix == ".so" else 0o644
        entries.append(_file(f"{DIST}/{rel}", path, mode))
        if path.suffix == ".py":
            modules.append((f"/{DIST}/{rel}", path))
    return PythonTree(entries, modules)


# --- the Debian base -----------------------------------------------------------------------------


def _image_path(staged_rel: str) -> str:
    """Where an unpacked file lives in the merged-/usr image (/lib/... -> /usr/lib/...)."""
    return staged_rel if staged_rel.startswith("usr/") else f"usr/{staged_rel}"


def _find_library(staged: Path, soname: str, runpath: list[Path]) -> Path | None:
    for folder in [*runpath, *(staged / d for d in LIB_SEARCH)]:
        if (folder / soname).exists():
            return folder / soname
    return None


def shared_libraries(staged: Path, elves: list[Path]) -> dict[str, Path]:
    """soname -> unpacked file, for everything `elves` need, transitively (what ld.so would load)."""
    found: dict[str, Path] = {}
    todo = list(elves)
    missing = []
    while todo:
        path = todo.pop()
        dyn = elf.dynamic(path)
        runpath = [
            Path(str(path.parent) + p.removeprefix("$ORIGIN"))
            for p in dyn.runpath
            if p.startswith("$ORIGIN")
        ]
        for soname in dyn.needed:
            if soname in found:
                continue
            lib = _find_library(staged, soname, runpath)
            if lib is None:
                missing.append(
                    f"{soname} (needed by {path.relative_to(staged) if path.is_relative_to(staged) else path})"
                )
                continue
            found[soname] = lib
            todo.append(lib.resolve())
    if missing:
        raise RootfsError(
            "shared libraries no unpacked package provides: "
            + "; ".join(sorted(set(missing)))
            + " — add the Debian package that ships them to PACKAGES"
        )
    return found


def library_entries(staged: Path, libs: dict[str, Path]) -> list[Entry]:
    """Each soname as Debian installs it: the versioned file and the soname symlink to it."""
    entries: dict[str, Entry] = {}
    for soname, path in libs.items():
        real = path.resolve()
        if not real.is_relative_to(staged.resolve()):
            continue  # vendored in a wheel (found through $ORIGIN): its layer carries it
        real_rel = _image_path(real.relative_to(staged.resolve()).as_posix())
        entries[real_rel] = _file(real_rel, real, 0o755 if soname.startswith("ld-linux") else 0o644)
        link_rel = f"{LIBDIR}/{soname}"
        if link_rel != real_rel:
            entries[link_rel] = Entry(link_rel, "symlink", target=Path(real_rel).name)
    return list(entries.values())


def ca_bundle(staged: Path) -> bytes:
    """What update-ca-certificates writes on a default install: every Mozilla CA, sorted by name."""
    certs = sorted((staged / "usr/share/ca-certificates/mozilla").glob("*.crt"))
    if not certs:
        raise RootfsError("ca-certificates: no certificates unpacked")
    out = b""
    for crt in certs:
        data = crt.read_bytes()
        out += data if data.endswith(b"\n") else data + b"\n"
    return out


def base_entries(
    staged: Path, tools: tuple[str, ...], links: tuple[tuple[str, str], ...]
) -> list[Entry]:
    """Folders, merged-/usr links, users, name service, CA bundle, python3 and the tools."""
    extra = [_file(_image_path(t), staged / t, 0o755) for t in tools]
    extra += [Entry(path, "symlink", target=target) for path, target in links]
    return extra + [
        Entry("bin", "symlink", target="usr/bin"),
        Entry("lib", "symlink", target="usr/lib"),
        Entry("lib64", "symlink", target="usr/lib64"),
        Entry(
            "usr/lib64/ld-linux-x86-64.so.2",
            "symlink",
            target="../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
        ),
        Entry("tmp", "dir", 0o1777),
        Entry("etc", "dir"),
        _text("etc/passwd", PASSWD),
        _text("etc/group", GROUP),
        _text("etc/nsswitch.conf", NSSWITCH),
        Entry(CA_BUNDLE, "file", 0o644, data=ca_bundle(staged)),
        Entry("usr/lib/ssl/cert.pem", "symlink", target=f"/{CA_BUNDLE}"),
        Entry("usr/lib/ssl/certs", "symlink", target="/etc/ssl/certs"),
        _file("usr/bin/python3.11", staged / "usr/bin/python3.11", 0o755),
        Entry("usr/bin/python3", "symlink", target="python3.11"),
    ]


def copyright_entries(staged: Path, packages: list[str]) -> list[Entry]:
    """Each package's copyright file (a doc folder that links to another package's stays a link)."""
    out = []
    for name in packages:
        folder = staged / "usr/share/doc" / name
        if folder.is_symlink():
            out.append(Entry(f"usr/share/doc/{name}", "symlink", target=str(folder.readlink())))
            continue
        src = folder / "copyright"
        if not src.exists():
            raise RootfsError(f"{name}: no copyright file unpacked")
        out.append(_file(f"usr/share/doc/{name}/copyright", src, 0o644))
    return out
