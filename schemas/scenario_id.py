"""Scenario ids: `<dataset>/<system>/<name>`, e.g. `openrca-market/cloudbed-1/017`.

`<dataset>` is the dataset format's name, `<system>` one system of it, `<name>` the format's case
name (Market: the 3-digit record.csv row) or `ff-NNN` for a fault-free window. The command line
also takes the short form `<system>/<name>`: `compile` fills in the format of the folder it
reads; every other command fills in `DEFAULT_DATASET` (the first format replaybed had).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from replaybed.schemas.errors import SchemaError

DEFAULT_DATASET = "openrca-market"
_PART = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


@dataclass(frozen=True, order=True)
class ScenarioId:
    dataset: str
    system: str
    name: str

    def __post_init__(self) -> None:
        for label, value in (
            ("dataset", self.dataset),
            ("system", self.system),
            ("name", self.name),
        ):
            if not _PART.match(value):
                raise SchemaError(
                    f"invalid scenario id {self.dataset}/{self.system}/{self.name}: {label} {value!r} "
                    "must be lower-case letters, digits, '.', '_' or '-'"
                )

    @classmethod
    def parse(cls, text: str, default_dataset: str = DEFAULT_DATASET) -> ScenarioId:
        parts = text.strip().strip("/").split("/")
        if len(parts) == 2:
            parts = [default_dataset, *parts]
        if len(parts) != 3 or not all(parts):
            raise SchemaError(
                f"invalid scenario id {text!r}: expected <dataset>/<system>/<name> "
                f"(e.g. openrca-market/cloudbed-1/017) or <system>/<name> (e.g. cloudbed-1/017)"
            )
        return cls(*parts)

    @property
    def fault_free(self) -> bool:
        return self.name.startswith("ff-")

    def __str__(self) -> str:
        return f"{self.dataset}/{self.system}/{self.name}"
