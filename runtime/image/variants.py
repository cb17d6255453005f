"""The two images built the same way: what differs between the runtime and the compile image.

`runtime` is what every episode runs (`replaybed run`), as small as it can be. `compile` is what
`replaybed deploy compile-job` runs: the compiler with pyarrow, numpy, zstandard and boto3, and
`sh`/`cut` because the Indexed Job picks its cloudbed with a one-line shell script
(k8s/compile_job.py). Every shared library an ELF file in an image needs must come from one of
its packages; the build fails otherwise and names the library.
"""

from __future__ import annotations

from dataclasses import dataclass

import modules

RUNTIME_PACKAGES = (
    "python3.11-minimal",  # /usr/bin/python3.11 (libpython linked in) and the core stdlib
    "libpython3.11-minimal",  # the core standard library
    "libpython3.11-stdlib",  # the rest of the standard library and its extension modules
    "libc6",
    "zlib1g",  # python3.11, zlib
    "libexpat1",  # python3.11 (pyexpat is built in)
    "libssl3",  # _ssl, _hashlib: https locators, sha256
    "libgcc-s1",  # cramjam (Rust unwinding)
    "gcc-12-base",  # holds libgcc-s1's copyright (its doc folder links there)
    "libuuid1",  # _uuid
    "ca-certificates",  # the CA bundle for https
    "coreutils",  # /usr/bin/test only, for exec readiness probes
)


@dataclass(frozen=True)
class Variant:
    name: str
    title: str
    packages: tuple[str, ...]
    requirements: str  # under runtime/image/
    layers: tuple[str, ...]  # replaybed folders installed
    stubs: tuple[str, ...]  # folders installed as empty stand-ins
    tools: tuple[str, ...]  # executables besides python3.11 and replaybed (unpacked paths)
    links: tuple[tuple[str, str], ...]  # (path in the image, symlink target)
    excluded: dict[str, str]  # where the standard-library walk stops
    absent: tuple[str, ...]  # packages not shipped, where the walk stops too
    entrypoint: tuple[str, ...]
    image: str  # repository; the tag is the version
    gzip_level: int  # 9 for the small runtime image; 6 keeps the compile image's build fast

    def default_name(self, version: str) -> str:
        return f"{self.image}:{version}"


RUNTIME = Variant(
    name="runtime",
    title="replaybed run metrics|traces|logs",
    packages=RUNTIME_PACKAGES,
    requirements="requirements.txt",
    layers=("cli", "schemas", "artifacts", "runtime"),
    stubs=("compile", "k8s"),
    # readiness probes run `test -f /tmp/ready`: 40 kB, libc only, and not a shell
    tools=("usr/bin/test",),
    links=(),
    excluded=modules.EXCLUDED,
    absent=modules.ABSENT,
    entrypoint=("replaybed", "run"),
    image="ghcr.io/replaybed/replaybed-runtime",  # k8s/spec.py DEFAULT_IMAGE
    gzip_level=9,
)

COMPILE = Variant(
    name="compile",
    title="replaybed compile (compile and s3 extras)",
    packages=RUNTIME_PACKAGES
    + (
        "libstdc++6",  # pyarrow, numpy
        "libffi8",  # ctypes (numpy, pyarrow)
        "libbz2-1.0",  # bz2 (pyarrow, shutil)
        "liblzma5",  # lzma
        "dash",  # /usr/bin/sh for the Indexed Job's one-line script
    ),
    requirements="requirements-compile.txt",
    layers=("cli", "schemas", "artifacts", "compile", "runtime", "k8s"),
    stubs=(),
    tools=("usr/bin/cut", "bin/dash"),
    links=(("usr/bin/sh", "dash"),),
    # numpy, pyarrow and the synthetic dataset's process pool need what the runtime leaves out
    # (pydoc stays: pyarrow.compute imports it to build docstrings)
    excluded={
        **{k: v for k, v in modules.EXCLUDED.items() if k in modules.INTERACTIVE - {"pydoc"}},
        "curses": "terminal handling, reached from numpy.distutils (build tooling) only",
    },
    absent=("kubernetes", "yaml", "thrift", "google", *modules.HOOKS),
    entrypoint=("replaybed",),
    image="ghcr.io/replaybed/replaybed",  # k8s/cli.py compile-job --image default
    gzip_level=6,
)

VARIANTS = {v.name: v for v in (RUNTIME, COMPILE)}
