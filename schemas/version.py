"""The installed replaybed version: the leaf every layer may read (manifests record it, senders
announce it in User-Agent, the CLI prints it)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("replaybed")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0.0.0+unknown"
