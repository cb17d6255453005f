"""Reproducible OCI images: byte-stable layer tars and an OCI image-layout archive around them.

Same entries in, same digests out: tar members are sorted by path, owned by 0:0 with no user or
group names, carry one fixed mtime and normalised modes; gzip headers carry mtime 0 and no file
name; every JSON document is written with sorted keys and no spaces. The archive is the OCI
image layout (`oci-layout`, `index.json`, `blobs/sha256/…`) as one tar, which `podman load`,
`skopeo copy oci-archive:…`, `buildah pull oci-archive:…`, containerd (`kind load
image-archive`) and Docker >= 25 (`docker load`) read. Spec: image-spec v1.1 (image-layout.md,
manifest.md, config.md, layer.md).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

MANIFEST = "application/vnd.oci.image.manifest.v1+json"
INDEX = "application/vnd.oci.image.index.v1+json"
CONFIG = "application/vnd.oci.image.config.v1+json"
LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"


@dataclass(frozen=True)
class Entry:
    """One path in a layer: a directory, a regular file (bytes or a file to copy) or a symlink."""

    path: str  # inside the image, without a leading "/"
    kind: str  # "dir" | "file" | "symlink"
    mode: int = 0o755
    data: bytes | None = None
    source: Path | None = None
    target: str = ""

    def content(self) -> bytes:
        if self.data is not None:
            return self.data
        assert self.source is not None, self.path
        return self.source.read_bytes()


@dataclass(frozen=True)
class Blob:
    digest: str
    size: int
    data: bytes = field(repr=False)

    @classmethod
    def of(cls, data: bytes) -> Blob:
        return cls("sha256:" + hashlib.sha256(data).hexdigest(), len(data), data)


@dataclass(frozen=True)
class Layer:
    name: str  # for the image history, e.g. "debian"
    tar: Blob  # uncompressed: its digest is the diff_id
    gz: Blob  # what the manifest points at
    files: int
    unpacked: int  # bytes of file content


def _parents(paths: Iterable[str]) -> set[str]:
    out = set()
    for p in paths:
        parts = p.split("/")[:-1]
        out |= {"/".join(parts[: i + 1]) for i in range(len(parts))}
    return out


def layer_tar(entries: list[Entry], mtime: int) -> tuple[bytes, int, int]:
    """(tar bytes, regular files, content bytes); parent folders are added as 0755 directories."""
    by_path = {e.path: e for e in entries}
    if len(by_path) != len(entries):
        dupes = sorted({e.path for e in entries if sum(x.path == e.path for x in entries) > 1})
        raise ValueError(f"paths listed twice in one layer: {dupes[:5]}")
    for parent in _parents(by_path) - set(by_path):
        by_path[parent] = Entry(parent, "dir")
    buf = io.BytesIO()
    files = size = 0
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in sorted(by_path):
            e = by_path[path]
            info = tarfile.TarInfo(path)
            info.mtime, info.uid, info.gid, info.uname, info.gname = mtime, 0, 0, "", ""
            info.mode = e.mode
            if e.kind == "dir":
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            elif e.kind == "symlink":
                info.type, info.linkname, info.mode = tarfile.SYMTYPE, e.target, 0o777
                tar.addfile(info)
            elif e.kind == "file":
                data = e.content()
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
                files, size = files + 1, size + len(data)
            else:
                raise ValueError(f"{path}: unknown entry kind {e.kind!r}")
    return buf.getvalue(), files, size


def layer(name: str, entries: list[Entry], mtime: int, level: int = 9) -> Layer:
    tar, files, size = layer_tar(entries, mtime)
    # mtime=0 and no file name keep the gzip header, and so the digest, stable
    return Layer(name, Blob.of(tar), Blob.of(gzip.compress(tar, level, mtime=0)), files, size)


def _json(doc: dict) -> bytes:
    return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()


def rfc3339(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Image:
    manifest: Blob
    config: Blob
    layers: list[Layer]
    ref_name: str  # the tag, e.g. "0.1.0"
    image_name: str  # the full reference, e.g. "localhost/replaybed-runtime:0.1.0"

    @property
    def digest(self) -> str:
        return self.manifest.digest

    def blobs(self) -> list[Blob]:
        return [self.manifest, self.config, *(lr.gz for lr in self.layers)]


def image(
    *,
    layers: list[Layer],
    image_config: dict,
    created: int,
    image_name: str,
    annotations: dict[str, str],
    architecture: str = "amd64",
) -> Image:
    """The config and manifest of an image made of `layers` (bottom first)."""
    when = rfc3339(created)
    config = Blob.of(
        _json(
            {
                "created": when,
                "architecture": architecture,
                "os": "linux",
                "config": image_config,
                "rootfs": {"type": "layers", "diff_ids": [lr.tar.digest for lr in layers]},
                "history": [
                    {"created": when, "created_by": f"replaybed runtime/image: {lr.name} layer"}
                    for lr in layers
                ],
            }
        )
    )
    manifest = Blob.of(
        _json(
            {
                "schemaVersion": 2,
                "mediaType": MANIFEST,
                "config": {"mediaType": CONFIG, "digest": config.digest, "size": config.size},
                "layers": [
                    {"mediaType": LAYER_GZIP, "digest": lr.gz.digest, "size": lr.gz.size}
                    for lr in layers
                ],
                "annotations": {**annotations, "org.opencontainers.image.created": when},
            }
        )
    )
    ref_name = image_name.rsplit(":", 1)[1] if ":" in image_name.rsplit("/", 1)[-1] else "latest"
    return Image(manifest, config, layers, ref_name, image_name)


def archive(img: Image, mtime: int) -> bytes:
    """The OCI image layout of `img` as one tar (an `oci-archive`)."""
    index = {
        "schemaVersion": 2,
        "mediaType": INDEX,
        "manifests": [
            {
                "mediaType": MANIFEST,
                "digest": img.manifest.digest,
                "size": img.manifest.size,
                "annotations": {
                    # the tag per image-spec; containerd and Docker name the image from the second
                    "org.opencontainers.image.ref.name": img.ref_name,
                    "io.containerd.image.name": img.image_name,
                },
            }
        ],
    }
    entries = [
        Entry("oci-layout", "file", 0o644, data=_json({"imageLayoutVersion": "1.0.0"})),
        Entry("index.json", "file", 0o644, data=_json(index)),
    ]
    seen = set()
    for blob in img.blobs():
        if blob.digest not in seen:
            seen.add(blob.digest)
            entries.append(
                Entry(f"blobs/sha256/{blob.digest.split(':', 1)[1]}", "file", 0o644, data=blob.data)
            )
    tar, _, _ = layer_tar(entries, mtime)
    return tar
