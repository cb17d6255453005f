"""Compile errors: bad input is named by file, line and what was expected.

CompileError
├── DatasetError      missing folder/file, wrong header, malformed row, bad value, bad record
└── SynthError        bad synthetic-dataset request (existing output, unknown scale/system, no twin)
"""

from __future__ import annotations

from replaybed.schemas.errors import ReplaybedError


class CompileError(ReplaybedError):
    pass


class DatasetError(CompileError):
    def __init__(self, message: str, *, file: str | None = None, line: int | None = None):
        where = file if line is None else f"{file}:{line}"
        super().__init__(f"{where}: {message}" if where else message)
        self.message, self.file, self.line = message, file, line

    def __reduce__(self):
        # raised in a worker process, re-raised in the parent: keep file and line
        return _restore, (type(self), self.message, self.file, self.line)


def _restore(cls: type[DatasetError], message: str, file: str | None, line: int | None):
    return cls(message, file=file, line=line)


class SynthError(CompileError):
    exit_code = 2
