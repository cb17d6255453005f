"""Build replaybed's images from Debian bookworm packages: OCI archives, no registry, no daemon.

    runtime/build-image.sh [--variant runtime|compile] [--out DIR] [--name REF] [--load auto|yes|no]

Inputs: the variant's Debian packages (variants.py) at the versions apt's index names
(downloaded and SHA256-checked), the wheels pinned with hashes in its requirements file, and
this checkout's replaybed sources. Same inputs, same image digest: everything below is ordered,
and every timestamp is SOURCE_DATE_EPOCH (default 0). The inputs are written next to the
archive (`<archive>.inputs.json`). With `--load` the archive is also put into the local container
storage (buildah/podman; `STORAGE_DRIVER=vfs` where overlay is unavailable) or a running Docker
engine.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import bytecode
import debian
import modules
import oci
import rootfs
from variants import RUNTIME, VARIANTS, Variant

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
IMAGE_CONFIG = {
    "User": f"{rootfs.UID}:{rootfs.UID}",
    "Env": [
        "PATH=/usr/bin",
        "LANG=C.UTF-8",  # glibc >= 2.35 has C.UTF-8 built in: no locale files needed
        "HOME=/tmp",
        "PYTHONDONTWRITEBYTECODE=1",  # the bytecode is in the image; the root may be read-only
        "PYTHONUNBUFFERED=1",
        f"SSL_CERT_FILE=/{rootfs.CA_BUNDLE}",
    ],
    "WorkingDir": "/tmp",
}
# what pip on bookworm (glibc 2.36) would accept, whatever the build machine runs
PLATFORMS = [f"--platform=manylinux_2_{v}_x86_64" for v in range(36, 16, -1)] + [
    "--platform=manylinux2014_x86_64"
]


def default_name(version: str) -> str:
    """The reference `replaybed deploy up` uses by default (k8s/spec.py DEFAULT_IMAGE)."""
    return RUNTIME.default_name(version)


def download_wheels(requirements: Path, into: Path) -> list[Path]:
    into.mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--quiet",
        "--disable-pip-version-check",
        "--no-deps",
        "--require-hashes",
        "--only-binary=:all:",
        # the image's interpreter and libc, whatever the build machine runs
        *PLATFORMS,
        "--python-version=3.11",
        "--implementation=cp",
        "--abi=cp311",
        "--dest",
        str(into),
        "-r",
        str(requirements),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"build-image: pip download failed: {done.stderr.strip()[-2000:]}")
    pins = [
        line.split("==")[0].strip().lower()
        for line in requirements.read_text().splitlines()
        if "==" in line and not line.lstrip().startswith("#")
    ]
    wheels = []
    for pin in pins:
        # wheel file names spell the project name normalised (PEP 427: python-dateutil -> python_dateutil)
        found = sorted(into.glob(f"{re.sub(r'[-_.]+', '_', pin)}-*.whl"))
        if len(found) != 1:
            raise SystemExit(f"build-image: expected one {pin} wheel in {into}, found {found}")
        wheels.append(found[0])
    return wheels


def module_names(files: list[str]) -> list[str]:
    """`a/b/__init__.py` -> `a.b`, `a/c.py` -> `a.c`, for modules inside regular packages (a `.py`
    in a folder without `__init__.py` — test data, templates — is not importable by that name)."""
    packages = {rel.rsplit("/", 1)[0] for rel in files if rel.endswith("/__init__.py")}
    out = []
    for rel in files:
        folders = rel.split("/")[:-1]
        if rel.endswith(".py") and all(
            "/".join(folders[: i + 1]) in packages for i in range(len(folders))
        ):
            out.append(rel.removesuffix(".py").replace("/", ".").removesuffix(".__init__"))
    return sorted(out)


def _fresh(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def build(out: Path, name: str, epoch: int, cache: Path, variant: Variant = RUNTIME) -> dict:
    version = rootfs.project(REPO)["version"]
    staging = out / "staging" / variant.name
    debs = debian.fetch(list(variant.packages), cache / "debs")
    staged = _fresh(staging / "debian")
    debian.unpack(debs, staged)
    wheels = download_wheels(HERE / variant.requirements, cache / "wheels")
    site = _fresh(staging / "site")
    rootfs.unpack_wheels(wheels, site)
    deps = rootfs.wheel_tree(site)
    app = rootfs.replaybed_tree(REPO, variant.layers, variant.stubs)

    # the walk sees the packages where the image has them: wheels plus replaybed's files
    walk_site = _fresh(staging / "walk-site")
    shutil.copytree(site, walk_site, dirs_exist_ok=True)
    for entry in app.entries:
        if entry.path.startswith(rootfs.DIST + "/"):
            dest = walk_site / entry.path.removeprefix(rootfs.DIST + "/")
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(entry.content())
    shipped = [p.relative_to(walk_site).as_posix() for p in walk_site.rglob("*.py")]
    stdlib = modules.walk(
        staged,
        rootfs.STDLIB,
        walk_site,
        module_names(shipped),
        excluded=variant.excluded,
        absent=variant.absent,
    )

    # bytecode: the standard library without sources, the packages beside theirs
    pyc = _fresh(staging / "pyc")
    lib = staged / rootfs.STDLIB
    jobs, debian_entries = [], []
    for src in sorted(set(stdlib.sources.values())):
        rel = src.relative_to(lib).as_posix()
        image_pyc = f"{rootfs.STDLIB}/{rel.removesuffix('.py')}.pyc"
        jobs.append(bytecode.Job(src, pyc / image_pyc, f"/{rootfs.STDLIB}/{rel}"))
        debian_entries.append(oci.Entry(image_pyc, "file", 0o644, source=pyc / image_pyc))
    tree_pyc: dict[str, list[oci.Entry]] = {"deps": [], "app": []}
    for key, tree in (("deps", deps), ("app", app)):
        for image_py, src in tree.modules:
            folder, file = image_py.lstrip("/").rsplit("/", 1)
            image_pyc = f"{folder}/{bytecode.cache_name(file)}"
            jobs.append(bytecode.Job(src, pyc / image_pyc, image_py))
            tree_pyc[key].append(oci.Entry(image_pyc, "file", 0o644, source=pyc / image_pyc))
    bytecode.compile_all(staged, jobs)

    extensions = sorted(set(stdlib.extensions.values()))
    for so in extensions:
        rel = so.relative_to(lib).as_posix()
        debian_entries.append(oci.Entry(f"{rootfs.STDLIB}/{rel}", "file", 0o644, source=so))
    elves = [staged / "usr/bin/python3.11", *(staged / t for t in variant.tools), *extensions]
    elves += [e.source for e in deps.entries if e.source and e.source.suffix == ".so"]
    libs = rootfs.shared_libraries(staged, elves)
    debian_entries += rootfs.base_entries(staged, variant.tools, variant.links)
    debian_entries += rootfs.library_entries(staged, libs)
    debian_entries += rootfs.copyright_entries(staged, [d.name for d in debs])

    level = variant.gzip_level
    layers = [
        oci.layer("debian", debian_entries, epoch, level),
        oci.layer("python-packages", deps.entries + tree_pyc["deps"], epoch, level),
        oci.layer("replaybed", app.entries + tree_pyc["app"], epoch, level),
    ]
    config = {
        **IMAGE_CONFIG,
        "Entrypoint": list(variant.entrypoint),
        "Labels": {
            "org.opencontainers.image.title": variant.image.rsplit("/", 1)[1],
            "org.opencontainers.image.version": version,
            "org.opencontainers.image.description": variant.title,
        },
    }
    img = oci.image(
        layers=layers,
        image_config=config,
        created=epoch,
        image_name=name,
        annotations={
            "org.opencontainers.image.title": variant.image.rsplit("/", 1)[1],
            "org.opencontainers.image.version": version,
        },
    )
    stem = f"{variant.image.rsplit('/', 1)[1]}-{version}"
    archive = out / f"{stem}.oci.tar"
    archive.write_bytes(oci.archive(img, epoch))
    inputs = {
        "image": name,
        "digest": img.digest,
        "source_date_epoch": epoch,
        "debian_packages": [
            {"name": d.name, "version": d.version, "sha256": d.sha256} for d in debs
        ],
        "wheels": [{"file": w.name, "sha256": debian.sha256_of(w)} for w in wheels],
        "replaybed": {"version": version, "layer_diff_id": layers[-1].tar.digest},
        "stdlib_modules": len(stdlib.sources),
        "extension_modules": sorted(stdlib.extensions),
        "unwalked_namespace_packages": list(stdlib.namespaces),
        "shared_libraries": sorted(libs),
    }
    (out / f"{stem}.inputs.json").write_text(json.dumps(inputs, indent=2) + "\n")
    return {
        "archive": str(archive),
        "image": name,
        "digest": img.digest,
        "compressed_bytes": sum(lr.gz.size for lr in layers) + img.config.size + img.manifest.size,
        "unpacked_bytes": sum(lr.unpacked for lr in layers),
        "layers": [
            {
                "name": lr.name,
                "digest": lr.gz.digest,
                "compressed": lr.gz.size,
                "unpacked": lr.unpacked,
                "files": lr.files,
            }
            for lr in layers
        ],
    }


def load(archive: Path, name: str, mode: str) -> str:
    """Put the archive into the local image store; returns what it did."""
    if mode == "no":
        return "not loaded (--load no)"
    tools = {t: shutil.which(t) for t in ("podman", "buildah", "docker")}
    if tools["podman"]:
        cmd = ["podman", "load", "-i", str(archive)]
    elif tools["buildah"]:
        cmd = ["buildah", "pull", "--quiet", f"oci-archive:{archive}"]
    elif (
        tools["docker"] and subprocess.run(["docker", "info"], capture_output=True).returncode == 0
    ):
        cmd = ["docker", "load", "-i", str(archive)]
    elif mode == "yes":
        raise SystemExit("build-image: --load yes, but no podman, buildah or running Docker engine")
    else:
        return "not loaded: no podman, buildah or running Docker engine"
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"build-image: `{' '.join(cmd)}` failed: {done.stderr.strip()[-2000:]}")
    if cmd[0] == "buildah":
        # buildah names an oci-archive image after nothing; tag it with the archive's name
        image_id = done.stdout.strip().splitlines()[-1]
        subprocess.run(["buildah", "tag", image_id, name], check=True, capture_output=True)
    return f"loaded with {cmd[0]} as {name}"


def main(argv: list[str] | None = None) -> int:
    version = rootfs.project(REPO)["version"]
    parser = argparse.ArgumentParser(prog="build-image", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "build" / "image")
    parser.add_argument(
        "--cache", type=Path, default=None, help="downloaded packages (default: OUT/cache)"
    )
    parser.add_argument("--variant", choices=sorted(VARIANTS), default="runtime")
    parser.add_argument("--name", default=None, help="image reference to record")
    parser.add_argument("--load", choices=("auto", "yes", "no"), default="auto")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = parser.parse_args(argv)
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "0"))
    try:
        out = args.out.resolve()
        variant = VARIANTS[args.variant]
        name = args.name or variant.default_name(version)
        summary = build(out, name, epoch, (args.cache or out / "cache").resolve(), variant)
    except (debian.DebianError, rootfs.RootfsError) as exc:
        print(f"build-image: {exc}", file=sys.stderr)
        return 1
    summary["loaded"] = load(Path(summary["archive"]), summary["image"], args.load)
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    print(f"{summary['archive']}\n  {summary['image']}  {summary['digest']}")
    print(
        f"  {summary['compressed_bytes'] / 1e6:.1f} MB compressed, "
        f"{summary['unpacked_bytes'] / 1e6:.1f} MB unpacked; {summary['loaded']}"
    )
    for lr in summary["layers"]:
        print(
            f"  layer {lr['name']:<16} {lr['compressed'] / 1e6:6.1f} MB gz "
            f"{lr['unpacked'] / 1e6:6.1f} MB  {lr['files']:5d} files  {lr['digest'][:19]}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
