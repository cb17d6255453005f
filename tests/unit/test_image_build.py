"""The image builder's pure parts (runtime/image/): reproducible layers, OCI documents, ELF reading.

The builder is build tooling, not part of the package, so its folder is put on the path here.
The real build, run and parity checks are in tests/integration/test_runtime_image.py.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import sys
import tarfile
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "runtime" / "image"))

import assemble  # noqa: E402
import elf  # noqa: E402
import modules  # noqa: E402
import oci  # noqa: E402
import rootfs  # noqa: E402
import variants  # noqa: E402

from replaybed.k8s.cli import compile_job_command  # noqa: E402
from replaybed.k8s.spec import DEFAULT_IMAGE  # noqa: E402


def _entries(tmp_path: Path) -> list[oci.Entry]:
    src = tmp_path / "script"
    src.write_text("#!/bin/true\n")
    return [
        oci.Entry("usr/bin/tool", "file", 0o755, source=src),
        oci.Entry("etc/motd", "file", 0o644, data=b"hi\n"),
        oci.Entry("bin", "symlink", target="usr/bin"),
        oci.Entry("tmp", "dir", 0o1777),
    ]


def test_layers_do_not_depend_on_order_or_file_times(tmp_path):
    entries = _entries(tmp_path)
    first = oci.layer("x", entries, 0)
    os.utime(tmp_path / "script", (1_700_000_000, 1_700_000_000))
    second = oci.layer("x", list(reversed(entries)), 0)
    assert first.tar == second.tar and first.gz == second.gz
    assert oci.layer("x", entries, 1).tar != first.tar  # the epoch is an input
    with tarfile.open(fileobj=io.BytesIO(first.tar.data)) as tar:
        members = tar.getmembers()
    assert [m.name for m in members] == [
        "bin",
        "etc",
        "etc/motd",
        "tmp",
        "usr",
        "usr/bin",
        "usr/bin/tool",
    ]
    assert all(m.uid == 0 and m.gid == 0 and m.uname == "" and m.mtime == 0 for m in members)
    assert {m.name: m.mode for m in members}["tmp"] == 0o1777
    assert first.files == 2 and first.unpacked == len("#!/bin/true\n") + 3


def test_a_path_listed_twice_is_refused(tmp_path):
    with pytest.raises(ValueError, match="etc/motd"):
        oci.layer_tar(
            [oci.Entry("etc/motd", "file", data=b"a"), oci.Entry("etc/motd", "file", data=b"b")], 0
        )


def test_the_archive_is_a_consistent_oci_layout(tmp_path):
    layer = oci.layer("x", _entries(tmp_path), 0)
    img = oci.image(
        layers=[layer],
        image_config={"User": "10001:10001"},
        created=0,
        image_name="ghcr.io/a/b:1.2",
        annotations={},
    )
    blobs = {}
    with tarfile.open(fileobj=io.BytesIO(oci.archive(img, 0))) as tar:
        for m in tar.getmembers():
            if m.isfile():
                blobs[m.name] = tar.extractfile(m).read()
    assert json.loads(blobs["oci-layout"]) == {"imageLayoutVersion": "1.0.0"}
    for name, data in blobs.items():
        if name.startswith("blobs/sha256/"):
            assert hashlib.sha256(data).hexdigest() == name.rsplit("/", 1)[1]
    index = json.loads(blobs["index.json"])
    ref = index["manifests"][0]
    assert ref["annotations"] == {
        "org.opencontainers.image.ref.name": "1.2",
        "io.containerd.image.name": "ghcr.io/a/b:1.2",
    }
    manifest = json.loads(blobs[f"blobs/sha256/{ref['digest'][7:]}"])
    config = json.loads(blobs[f"blobs/sha256/{manifest['config']['digest'][7:]}"])
    assert config["rootfs"]["diff_ids"] == [layer.tar.digest]
    assert config["created"] == "1970-01-01T00:00:00Z" and config["config"]["User"] == "10001:10001"
    gz = blobs[f"blobs/sha256/{manifest['layers'][0]['digest'][7:]}"]
    assert gzip.decompress(gz) == layer.tar.data and gz[4:8] == b"\0\0\0\0"  # no gzip mtime


def test_elf_reading_matches_the_loader(tmp_path):
    # coreutils' test: a plain dynamically linked executable on every Debian machine
    dyn = elf.dynamic(Path("/usr/bin/test"))
    assert dyn.interpreter == "/lib64/ld-linux-x86-64.so.2"
    assert dyn.needed == ("libc.so.6",) and dyn.runpath == ()
    libc = next(
        Path(d) / "libc.so.6" for d in ("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu")
    )
    assert elf.dynamic(libc).needed == ("ld-linux-x86-64.so.2",)
    text = tmp_path / "x.txt"
    text.write_text("not elf")
    with pytest.raises(elf.NotElf):
        elf.dynamic(text)


def _pins(name: str) -> set[str]:
    text = (ROOT / "runtime/image" / name).read_text()
    return {line.split("==")[0] for line in text.splitlines() if "==" in line}


def _names(requirements: list[str]) -> set[str]:
    return {d.split(">")[0].split("=")[0].split("<")[0].strip() for d in requirements}


def test_default_names_are_what_deploy_uses_and_the_pins_follow_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    version = project["version"]
    assert assemble.default_name(version) == DEFAULT_IMAGE
    compile_job = next(p for p in compile_job_command.params if p.name == "image")
    assert variants.COMPILE.default_name(version) == compile_job.default
    base = _names(project["dependencies"])
    assert _pins("requirements.txt") == base
    extras = project["optional-dependencies"]
    # the compile image: base + compile + s3 extras and their dependencies, each pinned
    assert base | _names(extras["compile"]) | _names(extras["s3"]) <= _pins(
        "requirements-compile.txt"
    )


def test_module_names_and_every_exclusion_has_a_reason():
    assert assemble.module_names(["a/__init__.py", "a/b.py", "a/c/__init__.py", "a/data.json"]) == [
        "a",
        "a.b",
        "a.c",
    ]
    assert all(reason.strip() for reason in modules.EXCLUDED.values())
    assert not set(modules.EXCLUDED) & {"ssl", "json", "urllib", "http", "hashlib", "zipfile"}


def test_replaybed_files_follow_setup_and_package_data():
    files = rootfs.replaybed_files(ROOT, variants.RUNTIME.layers)
    assert "replaybed/main.py" in files and "replaybed/runtime/cli.py" in files
    assert "replaybed/schemas/_gen/prometheus_remote.binpb" in files
    assert not any(p.startswith(("replaybed/compile/", "replaybed/k8s/")) for p in files)
    assert not any("/image/" in p or p.endswith("Dockerfile") for p in files)


def test_the_entry_script_runs_the_cli_only_as_the_main_program(monkeypatch):
    # the compile's spawned workers import the parent's main file as __mp_main__: an unguarded
    # main() there exits each worker while it starts
    import replaybed.main

    calls = []
    monkeypatch.setattr(replaybed.main, "main", lambda: calls.append(1) or 0)
    code = compile(rootfs.ENTRY_SCRIPT, "/usr/bin/replaybed", "exec")
    exec(code, {"__name__": "__mp_main__"})
    assert calls == []
    with pytest.raises(SystemExit):
        exec(code, {"__name__": "__main__"})
    assert calls == [1]
