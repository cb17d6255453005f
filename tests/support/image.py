"""The runtime image, built for real (runtime/build-image.sh) and run with Debian's buildah.

buildah keeps its images and containers in a private storage under the test's temp folder (vfs
driver: no overlay mounts needed) and runs commands with chroot isolation, which shares the
host's network, so a replay inside the image reaches servers on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path

from support.servers import require

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "runtime" / "build-image.sh"
# downloads are kept between runs (checked against their hashes on every build)
CACHE = ROOT / "build" / "image" / "cache"


@dataclass(frozen=True)
class Built:
    archive: Path
    summary: dict

    @property
    def name(self) -> str:
        return self.summary["image"]


def build(out: Path, variant: str = "runtime") -> Built:
    require("apt-get")
    require("dpkg-deb")
    done = subprocess.run(
        [str(BUILD), "--variant", variant, "--out", str(out), "--cache", str(CACHE)]
        + ["--load", "no", "--json"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    summary = json.loads(done.stdout)
    return Built(Path(summary["archive"]), summary)


def layer_members(built: Built) -> dict[str, tarfile.TarInfo]:
    """path -> tar header of every entry of every layer (upper layers win), from the archive."""
    out: dict[str, tarfile.TarInfo] = {}
    with tarfile.open(built.archive) as archive:
        index = json.load(archive.extractfile("index.json"))  # type: ignore[arg-type]
        digest = index["manifests"][0]["digest"].split(":")[1]
        manifest = json.load(archive.extractfile(f"blobs/sha256/{digest}"))  # type: ignore[arg-type]
        for layer in manifest["layers"]:
            blob = archive.extractfile(f"blobs/sha256/{layer['digest'].split(':')[1]}")
            with tarfile.open(fileobj=blob, mode="r:gz") as tar:
                for member in tar.getmembers():
                    out[member.name] = member
    return out


class Buildah:
    def __init__(self, state: Path):
        self.binary = require("buildah")
        self.base = [
            self.binary,
            "--root",
            str(state / "root"),
            "--runroot",
            str(state / "run"),
            "--storage-driver",
            "vfs",
        ]

    def __call__(self, *args: str, check: bool = True, **kw) -> subprocess.CompletedProcess:
        done = subprocess.run([*self.base, *args], capture_output=True, **kw)
        if check and done.returncode != 0:
            raise AssertionError(f"buildah {' '.join(args)}: {done.stderr!r}")
        return done

    def pull(self, built: Built) -> str:
        self("pull", "--quiet", f"oci-archive:{built.archive}")
        return built.name

    def container(self, image: str) -> str:
        return self("from", "--quiet", "--pull-never", image, text=True).stdout.strip()

    def mount(self, container: str) -> Path:
        return Path(self("mount", container, text=True).stdout.strip())

    def run_args(self, container: str, command: list[str], volumes=(), user="10001:10001"):
        vols = [f"--volume={host}:{inside}:ro" for host, inside in volumes]
        return [
            *self.base,
            "run",
            "--isolation=chroot",
            f"--user={user}",
            *vols,
            container,
            "--",
            *command,
        ]

    def run(self, container: str, command: list[str], volumes=(), user="10001:10001", **kw):
        return subprocess.run(
            self.run_args(container, command, volumes, user), capture_output=True, **kw
        )

    def remove_all(self) -> None:
        self("rm", "--all", check=False)
        self("rmi", "--all", "--force", check=False)


# what buildah run itself bind-mounts or creates in a container's root
ENGINE_FILES = {"etc/hosts", "etc/hostname", "etc/resolv.conf", "run/.containerenv"}


def files(root: Path) -> dict[str, tuple]:
    """Every regular file and symlink under a mounted root (mode, size, mtime), except /tmp and
    the files the container engine provides: what a process inside could have written."""
    out = {}
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            p = Path(dirpath) / name
            rel = p.relative_to(root).as_posix()
            if rel.startswith(("tmp/", "proc/", "sys/", "dev/")) or rel in ENGINE_FILES:
                continue
            st = p.lstat()
            out[rel] = (st.st_mode, st.st_size, st.st_mtime_ns)
    return out


def descendant(pid: int, needle: str, timeout: float = 30) -> int:
    """The pid of a process below `pid` whose command line contains `needle`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        children: dict[int, list[int]] = {}
        cmdlines = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                cmdlines[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
        todo = list(children.get(pid, []))
        while todo:
            child = todo.pop()
            if needle.encode() in cmdlines.get(child, b"") and b"buildah" not in cmdlines[child]:
                return child
            todo += children.get(child, [])
        time.sleep(0.05)
    raise AssertionError(f"no process below {pid} runs {needle!r}")


def terminate(pid: int) -> None:
    os.kill(pid, signal.SIGTERM)
