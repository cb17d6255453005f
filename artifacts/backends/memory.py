"""In-process backend for tests. `memory://name` URLs share one store per name within a process."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import ClassVar

from replaybed.artifacts.backends.base import Backend, ObjectInfo
from replaybed.artifacts.errors import ObjectNotFound


class MemoryBackend(Backend):
    _named: ClassVar[dict[str, MemoryBackend]] = {}

    def __init__(self, name: str = ""):
        self.url = f"memory://{name}"
        self.objects: dict[str, tuple[bytes, float]] = {}

    @classmethod
    def named(cls, name: str) -> MemoryBackend:
        if name not in cls._named:
            cls._named[name] = cls(name)
        return cls._named[name]

    def get(self, key: str) -> bytes:
        try:
            return self.objects[key][0]
        except KeyError:
            raise ObjectNotFound(self.url, key) from None

    def get_range(self, key: str, start: int, length: int) -> bytes:
        return self.get(key)[start : start + length]

    def put(self, key: str, data: bytes, *, if_absent: bool) -> bool:
        if if_absent and key in self.objects and len(self.objects[key][0]) == len(data):
            return False
        self.objects[key] = (bytes(data), time.time())
        return True

    def stat(self, key: str) -> ObjectInfo | None:
        if key not in self.objects:
            return None
        data, mtime = self.objects[key]
        return ObjectInfo(key, len(data), mtime)

    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        for key in sorted(k for k in self.objects if k.startswith(prefix)):
            data, mtime = self.objects[key]
            yield ObjectInfo(key, len(data), mtime)

    def delete(self, key: str) -> None:
        self.objects.pop(key, None)

    def locate(self, key: str, expires_s: int) -> str:
        return f"{self.url}/{key}"
