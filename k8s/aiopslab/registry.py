"""problems.json: the problem set of a store, written once and read by the AIOpsLab glue.

Format (canonical JSON: sorted keys, no whitespace):

    {"schema": 3,
     "environments": {"env-<16 hex>": {"tz", "signals", "nodes", "services", "pods": [...]}},
     "systems": {"<dataset>/<system>": {"dataset", "system", "namespace", "levels", "rules"}},
     "problems": [{"id", "scenario", "task", "dataset", "system", "namespace", "answers",
                   "environment", "level", "component", "reason", "fault_time"}, ...]}

problems sorted by id (see `problems.py` for every field). The glue reads it with the standard
json module only, so an AIOpsLab checkout needs no replaybed import to register the problems.
Schema 3 replaced the per-problem components (and the Market-only `cloudbed`) of schema 2 by the
shared `environments` and `systems` tables and added `dataset`, `system` and the signals; both
sides refuse other schemas and say to regenerate the file.
"""

from __future__ import annotations

import json
from pathlib import Path

from replaybed.artifacts import bundle
from replaybed.artifacts.store import Store
from replaybed.k8s.aiopslab.problems import (
    Environment,
    Problem,
    ProblemSet,
    SystemAnswers,
    problem_set,
)
from replaybed.k8s.errors import DeployConfigError
from replaybed.schemas.manifest import Manifest, canonical_json

SCHEMA = 3


def manifests_of(store: Store, prefix: str = "") -> list[Manifest]:
    """The manifest every ref of the store points at, in ref order."""
    return [bundle.resolve(store, scenario)[1] for scenario, _ in store.refs(prefix)]


def problems_from_store(store: Store) -> ProblemSet:
    found = problem_set(manifests_of(store))
    if not found.problems:
        raise DeployConfigError(f"{store.url}: no compiled scenarios (no refs), so no problems")
    return found


def dumps(found: ProblemSet) -> bytes:
    return canonical_json(
        {
            "schema": SCHEMA,
            "environments": {k: v.to_dict() for k, v in found.environments.items()},
            "systems": {k: v.to_dict() for k, v in found.systems.items()},
            "problems": [p.to_dict() for p in sorted(found.problems, key=lambda p: p.id)],
        }
    )


def loads(data: bytes | str, where: str = "problems.json") -> ProblemSet:
    try:
        obj = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise DeployConfigError(f"{where}: not valid JSON ({exc})") from None
    tables = ("environments", "systems", "problems")
    if not isinstance(obj, dict) or obj.get("schema") != SCHEMA:
        found = obj.get("schema") if isinstance(obj, dict) else type(obj).__name__
        raise DeployConfigError(
            f"{where}: expected a problems.json of schema {SCHEMA}, found schema {found!r}; "
            "regenerate it with `replaybed deploy problems`"
        )
    wrong = [t for t, kind in zip(tables, (dict, dict, list)) if not isinstance(obj.get(t), kind)]
    if wrong:
        raise DeployConfigError(
            f"{where}: schema {SCHEMA} needs environments and systems (objects) and problems (a "
            f"list); {', '.join(wrong)} missing or of another type"
        )
    environments = {}
    for key, env in obj["environments"].items():
        environments[key] = Environment.from_dict(env, f"{where}: environments[{key!r}]")
        if environments[key].key != key:
            raise DeployConfigError(
                f"{where}: environments[{key!r}] holds content whose key is "
                f"{environments[key].key!r}; the file was edited: regenerate it"
            )
    systems = {}
    for key, entry in obj["systems"].items():
        systems[key] = SystemAnswers.from_dict(entry, f"{where}: systems[{key!r}]")
        if systems[key].key != key:
            raise DeployConfigError(
                f"{where}: systems[{key!r}] describes {systems[key].key!r}; regenerate the file"
            )
    problems = tuple(
        Problem.from_dict(p, f"{where}: problems[{i}]") for i, p in enumerate(obj["problems"])
    )
    try:
        return ProblemSet(problems, environments, systems)
    except DeployConfigError as exc:
        raise DeployConfigError(f"{where}: {exc}") from None


def write(path: Path, found: ProblemSet) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(dumps(found))
    tmp.replace(path)


def read(path: Path) -> ProblemSet:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DeployConfigError(f"{path}: cannot read problems file ({exc.strerror})") from None
    return loads(data, str(path))
