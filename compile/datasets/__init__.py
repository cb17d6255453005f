"""The dataset formats replaybed can compile: one package per format, found by looking.

A format is a subpackage of `replaybed.compile.datasets` with a `format` module exposing `FORMAT`
(see `base.py`). Adding a format = adding its package; nothing here lists formats by hand.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from pathlib import Path

from replaybed.compile.datasets.base import DatasetFormat
from replaybed.compile.errors import DatasetError


@cache
def formats() -> dict[str, DatasetFormat]:
    """name -> format, sorted by name."""
    found: dict[str, DatasetFormat] = {}
    for info in pkgutil.iter_modules(__path__):
        if not info.ispkg:
            continue
        try:
            module = importlib.import_module(f"{__name__}.{info.name}.format")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{info.name}.format":
                continue  # a package without a format (none today): not a dataset format
            raise
        fmt: DatasetFormat = module.FORMAT
        found[fmt.name] = fmt
    return dict(sorted(found.items()))


def get(name: str) -> DatasetFormat:
    try:
        return formats()[name]
    except KeyError:
        raise DatasetError(
            f"unknown dataset format {name!r}: expected one of {', '.join(formats())}"
        ) from None


def recognise(folder: Path) -> DatasetFormat:
    """The one format whose layout `folder` has; an error naming every layout otherwise."""
    matches = [f for f in formats().values() if f.recognise(folder)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        expected = "; ".join(f"{f.name}: {f.layout}" for f in formats().values())
        raise DatasetError(
            f"no dataset format recognises this folder; expected one of these layouts: {expected}",
            file=str(folder),
        )
    raise DatasetError(
        f"several formats recognise this folder ({', '.join(f.name for f in matches)}); "
        "choose one with --format",
        file=str(folder),
    )
