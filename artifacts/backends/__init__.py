"""Backends chosen by URL scheme: a plain path or file:// (the embedded default), memory://, s3://.

Backends are imported lazily so that boto3 is only loaded for s3:// URLs.
"""

from __future__ import annotations

from urllib.parse import unquote, urlparse

from replaybed.artifacts.backends.base import Backend, Leftover, ObjectInfo
from replaybed.artifacts.config import StoreConfig
from replaybed.artifacts.errors import StoreConfigError

__all__ = ["Backend", "Leftover", "ObjectInfo", "open_backend"]


def open_backend(config: StoreConfig) -> Backend:
    url = config.url
    parsed = urlparse(url)
    scheme = parsed.scheme.lower()
    if scheme in ("", "file"):
        from replaybed.artifacts.backends.file import FileBackend

        path = unquote(parsed.path) if scheme == "file" else url
        if scheme == "file" and parsed.netloc not in ("", "localhost"):
            raise StoreConfigError(
                f"store URL {url!r}: file URLs must be local (file:///absolute/path)"
            )
        if not path:
            raise StoreConfigError(f"store URL {url!r}: no path")
        return FileBackend(path, fsync=config.fsync)
    if scheme == "memory":
        from replaybed.artifacts.backends.memory import MemoryBackend

        return MemoryBackend.named(parsed.netloc + parsed.path)
    if scheme == "s3":
        try:
            from replaybed.artifacts.backends.s3 import S3Backend
        except ImportError as exc:
            raise StoreConfigError(
                f"store URL {url!r} needs boto3 ({exc}); install it with: pip install 'replaybed[s3]'"
            ) from exc
        return S3Backend(config)
    raise StoreConfigError(
        f"store URL {url!r}: unsupported scheme {scheme!r}; expected a path, file://, s3:// or memory://"
    )
