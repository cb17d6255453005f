"""The one interface every storage backend implements.

Keys are `/`-separated relative paths (see `artifacts.layout`). Backends move bytes only; digest
checks, write-once policy and commit order live in `artifacts.store` and `artifacts.writer`.
Backends translate their library's exceptions into `artifacts.errors` at this edge.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    modified: float  # epoch seconds


@dataclass(frozen=True)
class Leftover(ObjectInfo):
    """Debris of an interrupted writer (a temp file, an unfinished multipart upload)."""

    handle: str = ""  # what the backend needs besides the key to remove it (an upload id)


class Backend(ABC):
    url: str

    @abstractmethod
    def get(self, key: str) -> bytes:
        """The object's bytes. Raises ObjectNotFound if it does not exist."""

    @abstractmethod
    def get_range(self, key: str, start: int, length: int) -> bytes:
        """`length` bytes of the object from `start` (fewer if it ends sooner). ObjectNotFound if absent."""

    @abstractmethod
    def put(self, key: str, data: bytes, *, if_absent: bool) -> bool:
        """Store `data` under `key`, atomically (readers see all of it or nothing).

        With `if_absent`, an existing object of the same size is left alone and False is
        returned; the write is conditional on the server where it supports that. Without it the
        object is replaced. Returns True when this call wrote the object.
        """

    @abstractmethod
    def stat(self, key: str) -> ObjectInfo | None:
        """Size and modification time, or None if the key does not exist."""

    @abstractmethod
    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        """Every object whose key starts with `prefix`, in key order."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object; deleting a missing key is not an error."""

    @abstractmethod
    def locate(self, key: str, expires_s: int) -> str:
        """A URL from which a reader without store credentials can GET the object."""

    def leftovers(self) -> Iterator[Leftover]:
        """Debris of interrupted writers, for gc. Backends whose writes leave none yield nothing."""
        return iter(())

    def remove_leftover(self, leftover: Leftover) -> None:
        self.delete(leftover.key)

    def close(self) -> None:  # noqa: B027  (optional hook, not abstract)
        """Release connections; the default has nothing to release."""
