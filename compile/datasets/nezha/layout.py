"""Where a Nezha dataset's day folders are, and which system each belongs to (file names only).

A user points `compile` at either
- a clone of IntelligentDDS/Nezha (or any folder holding `rca_data/<YYYY-MM-DD>/`): the repository
  keeps both systems' days side by side in one `rca_data/`, and
- a folder with `online-boutique/` and/or `train-ticket/` subfolders, each holding
  `rca_data/<YYYY-MM-DD>/` (how the test fixture keeps them apart), or one such subfolder itself.
A day folder belongs to Train-Ticket when every pod it names (its `metric/<pod>_metric.csv` files,
else its fault list's pods) starts with `ts-`, to Online Boutique when none does (every Nezha
pod name says its system); a mix, or a day under a system folder of the other name, is an error.
Only `rca_data/` is read: `construct_data/` holds one fault-free minute per day whose metrics are
byte-identical copies of `rca_data`'s, within 3 minutes of a recorded fault (see docs/compiler.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from replaybed.compile.datasets.nezha import clock
from replaybed.compile.datasets.nezha.catalog import (
    METRIC_SUFFIX,
    SYSTEMS,
    TRAIN_TICKET_PREFIX,
)
from replaybed.compile.errors import DatasetError

LAYOUT = (
    "a Nezha clone (rca_data/YYYY-MM-DD/{YYYY-MM-DD-fault_list.json,metric/,trace/,log/}) or "
    "{online-boutique,train-ticket}/rca_data/YYYY-MM-DD/..."
)


@dataclass(frozen=True)
class Day:
    system: str
    date: str  # YYYY-MM-DD (UTC)
    path: Path

    @property
    def fault_list(self) -> Path:
        return self.path / f"{self.date}-fault_list.json"

    def metric_pods(self) -> tuple[str, ...]:
        folder = self.path / "metric"
        if not folder.is_dir():
            return ()
        return tuple(
            sorted(
                p.name[: -len(METRIC_SUFFIX)]
                for p in folder.iterdir()
                if p.name.endswith(METRIC_SUFFIX)
            )
        )


def _roots(folder: Path) -> list[tuple[Path, str | None]]:
    roots: list[tuple[Path, str | None]] = []
    if (folder / "rca_data").is_dir():
        roots.append((folder, folder.name if folder.name in SYSTEMS else None))
    for system in SYSTEMS:
        if (folder / system / "rca_data").is_dir():
            roots.append((folder / system, system))
    return roots


def _fault_pods(path: Path) -> list[str]:
    try:
        obj = json.loads(path.read_text("utf-8-sig"))
        return [e["inject_pod"] for entries in obj.values() for e in entries]
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return []  # the fault-list reader names what is wrong with it


def _system_of(path: Path, date: str, named: str | None) -> str:
    day = Day("", date, path)
    pods = list(day.metric_pods()) or _fault_pods(day.fault_list)
    if not pods:
        raise DatasetError(
            "cannot tell which system this day folder belongs to: expected metric/<pod>_metric.csv "
            f"files or a readable {day.fault_list.name} naming pods",
            file=str(path),
        )
    tt = [p.startswith(TRAIN_TICKET_PREFIX) for p in pods]
    if all(tt):
        system = "train-ticket"
    elif not any(tt):
        system = "online-boutique"
    else:
        odd = next(p for p, t in zip(pods, tt) if t != tt[0])
        raise DatasetError(
            f"pods of both systems in one day folder ({pods[0]!r} and {odd!r}); expected only "
            f"Train-Ticket pods (ts-...) or only Online Boutique pods",
            file=str(path),
        )
    if named is not None and named != system:
        raise DatasetError(
            f"a {system} day folder (pods like {pods[0]!r}) under {named}/; expected {named} pods",
            file=str(path),
        )
    return system


def find_days(folder: Path) -> dict[str, list[Day]]:
    """system -> its day folders in date order; raises DatasetError on an ambiguous layout."""
    found: dict[str, list[Day]] = {}
    where: dict[str, Path] = {}
    for root, named in _roots(folder):
        for path in sorted((root / "rca_data").iterdir()):
            if not path.is_dir() or not clock.is_date(path.name):
                continue
            if path.name in where:
                raise DatasetError(
                    f"day {path.name} twice ({where[path.name]} and {path}); expected each day once",
                    file=str(folder),
                )
            where[path.name] = path
            system = _system_of(path, path.name, named)
            found.setdefault(system, []).append(Day(system, path.name, path))
    for days in found.values():
        days.sort(key=lambda d: d.date)
    return dict(sorted(found.items()))
