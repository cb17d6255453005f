import itertools

import pytest

from replaybed.artifacts.backends.memory import MemoryBackend
from replaybed.artifacts.store import Store

_names = itertools.count()


@pytest.fixture
def memory_store() -> Store:
    """A fresh, empty in-memory store."""
    return Store(MemoryBackend(f"test-{next(_names)}"))


@pytest.fixture(params=["memory", "file"])
def any_store(request, tmp_path) -> Store:
    """The same test against the in-memory and the local-directory backend."""
    if request.param == "memory":
        return Store(MemoryBackend(f"test-{next(_names)}"))
    return Store.open(str(tmp_path / "store"))
