import pytest
from support.nezha import compile_fixture


@pytest.fixture(scope="session")
def nezha_store(tmp_path_factory):
    """The whole Nezha fixture compiled once per session."""
    return compile_fixture(tmp_path_factory.mktemp("nezha") / "store")
