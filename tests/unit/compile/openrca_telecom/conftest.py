import pytest


@pytest.fixture(scope="session")
def telecom_tiny(tmp_path_factory):
    """The `tiny` Telecom twin (all 11 record days), generated once per session."""
    from support.telecom import make_tiny

    return make_tiny(tmp_path_factory.mktemp("telecom-synth"))


@pytest.fixture(scope="session")
def telecom_store(telecom_tiny, tmp_path_factory):
    """The whole tiny twin compiled (every fault and fault-free scenario), once per session.

    Slow (~30 s CPU): every day is covered by some window, and Telecom's per-component sampling
    seconds make a remote-write frame per few samples; the scenario count needs the whole compile.
    """
    from support.telecom import compile_into

    return compile_into(telecom_tiny, tmp_path_factory.mktemp("telecom-store") / "store")
