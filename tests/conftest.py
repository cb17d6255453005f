import itertools

import pytest
from support.rgw import rgw, rgw_env  # noqa: F401  (fixtures for every test module)

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


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory):
    """The `tiny` synthetic dataset (both cloudbeds, both days), generated once per session."""
    from support.datasets import make_tiny

    return make_tiny(tmp_path_factory.mktemp("synth"))


@pytest.fixture(scope="session")
def tiny_store(tiny_dataset, tmp_path_factory):
    """cloudbed-1 of the tiny dataset compiled into a local file store, once per session."""
    from support.datasets import compile_into

    return compile_into(tiny_dataset, tmp_path_factory.mktemp("store") / "store")
