"""Root of replaybed's error hierarchy.

Each layer has one base class deriving from `ReplaybedError` (`SchemaError` here, `StoreError`,
`CompileError`, `ReplayError`, `DeployError` in their layers). Messages say what failed, where,
what was expected and what was found; the CLI prints them and exits with `exit_code`.
"""


class ReplaybedError(Exception):
    exit_code = 1


class SchemaError(ReplaybedError):
    """A manifest, part or id does not have the shape this version of replaybed understands."""
