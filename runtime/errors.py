"""Replay errors.

ReplayError
├── ReplayConfigError   bad flags (anchor, URLs, pod not in the scenario), or a window not clean
└── DataLost            the run ended with items not delivered (exit non-zero)

A backend's refusal is not an error raised mid-run: it is booked in the report (every request
is tried, every loss counted) and turned into `DataLost` at the end.
"""

from replaybed.schemas.errors import ReplaybedError


class ReplayError(ReplaybedError):
    pass


class ReplayConfigError(ReplayError):
    exit_code = 2


class DataLost(ReplayError):
    exit_code = 3
