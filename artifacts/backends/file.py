"""Local directory backend, the embedded default; also serves read-only mounts in pods."""

from __future__ import annotations

import errno
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

from replaybed.artifacts.backends.base import Backend, Leftover, ObjectInfo
from replaybed.artifacts.errors import ObjectNotFound, StoreError, StoreUnavailable

TMP_SUFFIX = ".tmp"


class FileBackend(Backend):
    def __init__(self, root: str | os.PathLike, fsync: bool = False):
        self.root = Path(root).expanduser().absolute()
        self.url = self.root.as_uri()
        self.fsync = fsync

    def _path(self, key: str) -> Path:
        if key.startswith("/") or ".." in key.split("/"):
            raise StoreError(f"{self.url}: invalid key {key!r}")
        return self.root / key

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise ObjectNotFound(self.url, key) from None
        except OSError as exc:
            raise StoreUnavailable(f"{self.url}: cannot read {key}: {exc.strerror}") from exc

    def get_range(self, key: str, start: int, length: int) -> bytes:
        try:
            with open(self._path(key), "rb") as fh:
                return os.pread(fh.fileno(), length, start)
        except FileNotFoundError:
            raise ObjectNotFound(self.url, key) from None
        except OSError as exc:
            raise StoreUnavailable(f"{self.url}: cannot read {key}: {exc.strerror}") from exc

    def put(self, key: str, data: bytes, *, if_absent: bool) -> bool:
        path = self._path(key)
        if if_absent:
            info = self.stat(key)
            if info is not None and info.size == len(data):
                return False
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}{TMP_SUFFIX}")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as fh:
                fh.write(data)
                if self.fsync:
                    fh.flush()
                    os.fsync(fh.fileno())
            # rename is atomic: a reader (or a crash) never sees a partly written object
            os.replace(tmp, path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
                raise StoreError(
                    f"{self.url}: cannot write {key}: the store is read-only here ({exc.strerror})"
                ) from exc
            raise StoreUnavailable(f"{self.url}: cannot write {key}: {exc.strerror}") from exc
        return True

    def stat(self, key: str) -> ObjectInfo | None:
        try:
            st = self._path(key).stat()
        except FileNotFoundError:
            return None
        return ObjectInfo(key, st.st_size, st.st_mtime)

    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        base = self.root / prefix.rsplit("/", 1)[0] if "/" in prefix else self.root
        if not base.is_dir():
            return
        found = []
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames.sort()
            for name in filenames:
                if name.endswith(TMP_SUFFIX):
                    continue
                full = Path(dirpath) / name
                key = full.relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    st = full.stat()
                    found.append(ObjectInfo(key, st.st_size, st.st_mtime))
        yield from sorted(found, key=lambda info: info.key)

    def leftovers(self) -> Iterator[Leftover]:
        """Temporary files an interrupted writer left behind (for gc)."""
        for dirpath, _, filenames in os.walk(self.root):
            for name in filenames:
                if name.endswith(TMP_SUFFIX):
                    full = Path(dirpath) / name
                    try:
                        st = full.stat()
                    except FileNotFoundError:  # its writer just finished
                        continue
                    yield Leftover(full.relative_to(self.root).as_posix(), st.st_size, st.st_mtime)

    def delete(self, key: str) -> None:
        try:
            self._path(key).unlink()
        except FileNotFoundError:
            pass

    def locate(self, key: str, expires_s: int) -> str:
        return self._path(key).as_uri()
