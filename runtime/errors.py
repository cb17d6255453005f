"""Replay errors.

ReplayError
├── ReplayConfigError   bad flags (anchor, URLs, pod not in the scenario)
├── BackendRejected     a permanent refusal (4xx, Prometheus 2.x "too old sample")
└── DataLost            the run ended with items not delivered (exit non-zero)
"""

from replaybed.schemas.errors import ReplaybedError


class ReplayError(ReplaybedError):
    pass


class ReplayConfigError(ReplayError):
    exit_code = 2


class BackendRejected(ReplayError):
    pass


class DataLost(ReplayError):
    exit_code = 3
