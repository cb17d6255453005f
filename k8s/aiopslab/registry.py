"""problems.json: the problem set of a store, written once and read by the AIOpsLab glue.

Format (canonical JSON: sorted keys, no whitespace): `{"schema": 2, "problems": [<Problem>, ...]}`,
problems sorted by id. The glue reads it with the standard json module only, so an AIOpsLab
checkout needs no replaybed import to register the problems. Schema 2 added each problem's
`nodes`, `services` and `pods` (the answer space and the names get_logs takes); the glue refuses
schema 1 files, which lack them, and says to regenerate them.
"""

from __future__ import annotations

import json
from pathlib import Path

from replaybed.artifacts import bundle
from replaybed.artifacts.store import Store
from replaybed.k8s.aiopslab.problems import Problem, problems_from_manifests
from replaybed.k8s.errors import DeployConfigError
from replaybed.schemas.manifest import Manifest, canonical_json

SCHEMA = 2


def manifests_of(store: Store, prefix: str = "") -> list[Manifest]:
    """The manifest every ref of the store points at, in ref order."""
    return [bundle.resolve(store, scenario)[1] for scenario, _ in store.refs(prefix)]


def problems_from_store(store: Store) -> list[Problem]:
    problems = problems_from_manifests(manifests_of(store))
    if not problems:
        raise DeployConfigError(f"{store.url}: no compiled scenarios (no refs), so no problems")
    return problems


def dumps(problems: list[Problem]) -> bytes:
    ordered = sorted(problems, key=lambda p: p.id)
    return canonical_json({"schema": SCHEMA, "problems": [p.to_dict() for p in ordered]})


def loads(data: bytes | str, where: str = "problems.json") -> list[Problem]:
    try:
        obj = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise DeployConfigError(f"{where}: not valid JSON ({exc})") from None
    if (
        not isinstance(obj, dict)
        or obj.get("schema") != SCHEMA
        or not isinstance(obj.get("problems"), list)
    ):
        found = obj.get("schema") if isinstance(obj, dict) else type(obj).__name__
        raise DeployConfigError(
            f'{where}: expected {{"schema": {SCHEMA}, "problems": [...]}}, found schema {found!r}; '
            "regenerate it with `replaybed deploy problems`"
        )
    return [Problem.from_dict(p, f"{where}: problems[{i}]") for i, p in enumerate(obj["problems"])]


def write(path: Path, problems: list[Problem]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(dumps(problems))
    tmp.replace(path)


def read(path: Path) -> list[Problem]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DeployConfigError(f"{path}: cannot read problems file ({exc.strerror})") from None
    return loads(data, str(path))
