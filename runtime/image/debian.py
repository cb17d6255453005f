"""Debian packages for the image: which versions apt would install, downloaded once, verified, unpacked.

`apt-get download --print-uris` names the candidate version and its SHA256 from the signed archive
index; a cached file with that hash is reused, anything else is downloaded with `apt-get
download` and checked against it. Nothing is installed on the host: the packages are only
unpacked (`dpkg-deb -x`) into a staging tree the image's files are picked from.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

_URI = re.compile(r"^'(?P<uri>[^']+)' (?P<file>\S+) (?P<size>\d+) SHA256:(?P<sha256>[0-9a-f]{64})$")


class DebianError(RuntimeError):
    pass


@dataclass(frozen=True)
class Deb:
    name: str
    version: str
    arch: str
    sha256: str
    path: Path


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _apt(*args: str, cwd: Path | None = None) -> str:
    if not shutil.which("apt-get"):
        raise DebianError("apt-get not found: the image is built from Debian bookworm packages")
    # downloading into a root-owned folder: apt's sandbox user could not write there
    cmd = ["apt-get", "-q", "-o", "APT::Sandbox::User=root", *args]
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise DebianError(
            f"`{' '.join(cmd)}` failed ({done.returncode}): {done.stderr.strip()[-2000:]}"
            # a stale index names versions the mirror no longer has (404) or none at all
            + (
                "\n(run `apt-get update` first?)"
                if re.search(r"Unable to locate|404", done.stderr)
                else ""
            )
        )
    return done.stdout


def candidates(names: list[str]) -> list[tuple[str, str, str, str, str]]:
    """(name, version, arch, file name, sha256) of what `apt-get download` would fetch, in order."""
    out = []
    for line in _apt("download", "--print-uris", *names).splitlines():
        m = _URI.match(line.strip())
        if not m:
            continue
        file = m["file"]
        name, version, arch = unquote(file.removesuffix(".deb")).split("_")
        out.append((name, version, arch, file, m["sha256"]))
    found = {c[0] for c in out}
    if missing := [n for n in names if n not in found]:
        raise DebianError(f"apt knows no downloadable candidate for {missing}")
    return sorted(out, key=lambda c: names.index(c[0]))


def fetch(names: list[str], cache: Path) -> list[Deb]:
    """The candidates of `names`, each downloaded into `cache` once and checked against its SHA256."""
    cache.mkdir(parents=True, exist_ok=True)
    debs = []
    for name, version, arch, file, sha256 in candidates(names):
        path = cache / file
        if not path.exists() or sha256_of(path) != sha256:
            path.unlink(missing_ok=True)
            _apt("download", f"{name}={version}", cwd=cache)
            if not path.exists():
                raise DebianError(f"apt-get download {name}={version} wrote no {path}")
            if (got := sha256_of(path)) != sha256:
                raise DebianError(f"{path}: sha256 {got}, the archive index says {sha256}")
        debs.append(Deb(name, version, arch, sha256, path))
    return debs


def unpack(debs: list[Deb], into: Path) -> None:
    into.mkdir(parents=True, exist_ok=True)
    for deb in debs:
        subprocess.run(["dpkg-deb", "-x", str(deb.path), str(into)], check=True)
