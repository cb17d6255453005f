"""Start/stop real servers for integration tests: free ports, tmp state, skip or fail when missing."""

from __future__ import annotations

import os
import shutil
import socket

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def require(binary: str) -> str:
    """The binary's path; skip when absent unless REPLAYBED_REQUIRE_SERVERS=1 (CI), then fail."""
    path = shutil.which(binary)
    if path:
        return path
    message = f"{binary} is not installed (the README's test command installs it)"
    if os.environ.get("REPLAYBED_REQUIRE_SERVERS") == "1":
        pytest.fail(message)
    pytest.skip(message)
