"""replaybed: compile recorded incidents once, replay them as if they were live."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("replaybed")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0.0.0+unknown"
