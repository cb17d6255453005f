"""replaybed: compile recorded incidents once, replay them as if they were live."""

from replaybed.schemas.version import __version__

__all__ = ["__version__"]
