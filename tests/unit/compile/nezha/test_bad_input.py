"""Malformed variants of the real Nezha slice: a clear error naming file and line, nothing published.

Each case copies the Online Boutique day of the fixture (all 10 pod metric files, front_service,
the two minute files of traces and logs cut to their first rows), breaks one thing as a user's
copy might be broken, and compiles it. A BOM and the real files' own quirks are accepted.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.nezha import day_dir

from replaybed.artifacts.store import Store
from replaybed.compile import pipeline
from replaybed.compile.errors import DatasetError
from replaybed.main import cli

DAY = "2022-08-22"
KEEP_ROWS = 120  # of each trace/log minute file
CURRENCY = "currencyservice-cf787dd48-vpjrd"


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "nezha"
    day = root / "online-boutique" / "rca_data" / DAY
    src = day_dir("online-boutique")
    shutil.copytree(src / "metric", day / "metric")
    shutil.copy(src / f"{DAY}-fault_list.json", day)
    for kind in ("trace", "log"):
        (day / kind).mkdir()
        for path in sorted((src / kind).glob("*.csv")):
            lines = path.read_bytes().splitlines(keepends=True)[: KEEP_ROWS + 1]
            (day / kind / path.name).write_bytes(b"".join(lines))
    return root


def _day(root: Path) -> Path:
    return root / "online-boutique" / "rca_data" / DAY


def _edit_line(path: Path, line: int, edit) -> None:
    lines = path.read_bytes().decode().split("\n")
    lines[line - 1] = edit(lines[line - 1])
    path.write_bytes("\n".join(lines).encode())


def _field(line: str, index: int, value) -> str:
    import csv
    import io

    row = next(csv.reader(io.StringIO(line)))
    row[index] = value(row[index]) if callable(value) else value
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(row)
    return out.getvalue()


def _metric(root):
    return _day(root) / "metric" / f"{CURRENCY}_metric.csv"


def _trace(root):
    return _day(root) / "trace" / "05_19_trace.csv"


def _log(root):
    return _day(root) / "log" / "05_19_log.csv"


def _faults(root):
    return _day(root) / f"{DAY}-fault_list.json"


def _rewrite_faults(root, edit):
    path = _faults(root)
    obj = json.loads(path.read_text())
    edit(obj)
    path.write_text(json.dumps(obj, indent=4))


def _cut_last_row(path: Path) -> None:
    data = path.read_bytes().rstrip(b"\r\n")
    path.write_bytes(data[:-2])


def _move_hour(v: str) -> str:
    return str(int(v) + 3_600_000_000_000)


# (id, break the copy, file whose name the error must carry, line or None, words of the message)
CASES = [
    (
        "metric TimeStamp in ns where s expected",
        lambda r: _edit_line(_metric(r), 3, lambda s: _field(s, 1, lambda v: v + "000000000")),
        f"{CURRENCY}_metric.csv",
        3,
        "expected TimeStamp = Time in epoch seconds",
    ),
    (
        "metric Time on another day",
        lambda r: _edit_line(
            _metric(r), 4, lambda s: _field(s, 0, lambda v: v.replace("2022-08-22", "2022-08-25"))
        ),
        f"{CURRENCY}_metric.csv",
        4,
        "outside the day folder 2022-08-22",
    ),
    (
        "metric Time not a Go time",
        lambda r: _edit_line(_metric(r), 2, lambda s: _field(s, 0, "1661145139")),
        f"{CURRENCY}_metric.csv",
        2,
        "expected Go's time string",
    ),
    (
        "metric row of another pod",
        lambda r: _edit_line(_metric(r), 5, lambda s: _field(s, 2, "frontend-579b9bff58-t2dbm")),
        f"{CURRENCY}_metric.csv",
        5,
        "expected every row to name the file's pod",
    ),
    (
        "metric value not a number",
        lambda r: _edit_line(_metric(r), 6, lambda s: _field(s, 4, "12,5")),
        f"{CURRENCY}_metric.csv",
        6,
        "expected a number",
    ),
    (
        "metric value infinite",
        lambda r: _edit_line(_metric(r), 6, lambda s: _field(s, 4, "inf")),
        f"{CURRENCY}_metric.csv",
        6,
        "expected a finite number",
    ),
    (
        "metric file cut in its last row",
        lambda r: _cut_last_row(_metric(r)),
        f"{CURRENCY}_metric.csv",
        13,
        "does not end with a newline",
    ),
    (
        "trace start in µs where ns expected",
        lambda r: _edit_line(
            _trace(r),
            2,
            lambda s: _field(
                _field(s, 5, lambda v: str(int(v) // 1000)), 6, lambda v: str(int(v) // 1000)
            ),
        ),
        "05_19_trace.csv",
        2,
        "expected epoch nanoseconds near that minute",
    ),
    (
        "trace row an hour outside its minute file",
        lambda r: _edit_line(
            _trace(r), 7, lambda s: _field(_field(s, 5, _move_hour), 6, _move_hour)
        ),
        "05_19_trace.csv",
        7,
        "more than 10 minutes from the minute of its file",
    ),
    (
        "trace Duration in ns where µs expected",
        lambda r: _edit_line(_trace(r), 3, lambda s: _field(s, 7, lambda v: v + "000")),
        "05_19_trace.csv",
        3,
        "expected (EndTimeUnixNano - StartTimeUnixNano) in µs",
    ),
    (
        "trace ends before it starts",
        lambda r: _edit_line(_trace(r), 4, lambda s: _field(s, 6, lambda v: str(int(v) - 10**10))),
        "05_19_trace.csv",
        4,
        "before StartTimeUnixNano",
    ),
    (
        "trace id of 31 hex digits",
        lambda r: _edit_line(_trace(r), 5, lambda s: _field(s, 0, lambda v: v[1:])),
        "05_19_trace.csv",
        5,
        "TraceID is",
    ),
    (
        "span id in upper case",
        lambda r: _edit_line(_trace(r), 6, lambda s: _field(s, 1, lambda v: v.upper())),
        "05_19_trace.csv",
        6,
        "16 lower-case hex digits",
    ),
    (
        "parent marker other than root",
        lambda r: _edit_line(_trace(r), 2, lambda s: _field(s, 2, "ROOT")),
        "05_19_trace.csv",
        2,
        "expected 'root' or 16 lower-case hex",
    ),
    (
        "span read twice with other values",
        lambda r: _edit_line(
            _day(r) / "trace" / "05_20_trace.csv",
            2,
            lambda s: _field(_first_row(_trace(r)), 4, "changed/Op"),
        ),
        "05_20_trace.csv",
        2,
        "was read before at",
    ),
    (
        "trace file cut in its last row",
        lambda r: _cut_last_row(_trace(r)),
        "05_19_trace.csv",
        KEEP_ROWS + 1,
        "expected",
    ),
    (
        "log TimeUnixNano in ms where ns expected",
        lambda r: _edit_line(_log(r), 3, lambda s: _field(s, 1, lambda v: v[:-6])),
        "05_19_log.csv",
        3,
        "is not the instant of Timestamp",
    ),
    (
        "log Go zero time without a usable Timestamp",
        lambda r: _edit_line(
            _log(r), 4, lambda s: _field(_field(s, 1, "-6795364578871345152"), 0, "yesterday")
        ),
        "05_19_log.csv",
        4,
        "Go's zero time",
    ),
    (
        "log Log not a Docker record",
        lambda r: _edit_line(_log(r), 5, lambda s: _field(s, 7, "plain text")),
        "05_19_log.csv",
        5,
        "not a Docker json-file record",
    ),
    (
        "log record with other keys",
        lambda r: _edit_line(_log(r), 5, lambda s: _field(s, 7, '{"log":"x\\n","time":"t"}')),
        "05_19_log.csv",
        5,
        "expected a Docker json-file record with log, stream, time",
    ),
    (
        "log span id not hex",
        lambda r: _edit_line(_log(r), 6, lambda s: _field(s, 6, "zz")),
        "05_19_log.csv",
        6,
        "SpanID is 'zz'",
    ),
    (
        "log file cut in its last row",
        lambda r: _cut_last_row(_log(r)),
        "05_19_log.csv",
        KEEP_ROWS + 1,
        "expected a JSON object",
    ),
    (
        "unknown pod in fault_list",
        lambda r: _rewrite_faults(r, lambda o: o["05"][0].update(inject_pod="cartservice-0")),
        f"{DAY}-fault_list.json",
        None,
        "has no metric file on 2022-08-22",
    ),
    (
        "unknown inject type",
        lambda r: _rewrite_faults(r, lambda o: o["05"][1].update(inject_type="memory_leak")),
        f"{DAY}-fault_list.json",
        None,
        "inject_type 'memory_leak'",
    ),
    (
        "fault under the wrong hour",
        lambda r: _rewrite_faults(r, lambda o: o["05"].append(o["06"].pop(0))),
        f"{DAY}-fault_list.json",
        None,
        "is listed under hour '05'",
    ),
    (
        "fault list not JSON",
        lambda r: _faults(r).write_text('{"05": [}'),
        f"{DAY}-fault_list.json",
        1,
        "not valid JSON",
    ),
    (
        "pods of both systems in one day",
        lambda r: shutil.copy(
            _metric(r), _day(r) / "metric" / "ts-contacts-service-866bd68c97-xcqfx_metric.csv"
        ),
        DAY,
        None,
        "pods of both systems",
    ),
    (
        "stray file among the minute files",
        lambda r: (_day(r) / "log" / "notes.txt").write_text("x"),
        "notes.txt",
        None,
        "expected only HH_MM_log.csv minute files",
    ),
    (
        "missing front_service.csv",
        lambda r: (_day(r) / "metric" / "front_service.csv").unlink(),
        "front_service.csv",
        None,
        "missing file (expected a Nezha front_service.csv CSV",
    ),
]


def _first_row(path: Path) -> str:
    return path.read_text().split("\n")[1]


def _compile(root: Path, store: Store):
    return pipeline.run(
        pipeline.CompileRequest(root, "nezha", before_ms=600_000, after_ms=360_000), store
    )


def test_the_untouched_copy_compiles(tmp_path):
    store = Store.open(str(tmp_path / "store"))
    summary = _compile(_copy(tmp_path), store)
    assert [s["id"] for s in summary.scenarios] == ["nezha/online-boutique/2022-08-22-051809"]


@pytest.mark.parametrize(
    "breakage, where, line, words", [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_input_is_named_and_nothing_is_published(tmp_path, breakage, where, line, words):
    root = _copy(tmp_path)
    breakage(root)
    store = Store.open(str(tmp_path / "store"))
    with pytest.raises(DatasetError) as err:
        _compile(root, store)
    message = str(err.value)
    assert where in (err.value.file or ""), message
    assert words in message
    if line is not None:
        assert err.value.line == line, message
    assert not list(store.refs())


def test_the_command_line_exits_non_zero_with_the_place(tmp_path):
    root = _copy(tmp_path)
    _edit_line(_trace(root), 5, lambda s: _field(s, 0, lambda v: v[1:]))
    result = CliRunner().invoke(
        cli, ["compile", str(root), "--store", str(tmp_path / "store"), "--before", "10m"]
    )
    assert result.exit_code == 1
    assert "05_19_trace.csv:5: TraceID is" in result.output


@pytest.mark.parametrize(
    "target", ["metric", "trace", "log", "faults", "front"], ids=lambda t: f"BOM in {t}"
)
def test_a_bom_is_accepted(tmp_path, target):
    root = _copy(tmp_path)
    path = {
        "metric": _metric(root),
        "trace": _trace(root),
        "log": _log(root),
        "faults": _faults(root),
        "front": _day(root) / "metric" / "front_service.csv",
    }[target]
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    summary = _compile(root, Store.open(str(tmp_path / "store")))
    assert len(summary.scenarios) == 1


def test_a_minute_file_without_final_newline_is_accepted_when_its_last_row_is_whole(tmp_path):
    """Real TT 2023-01-29 15_44 files end so; the last column proves the row complete."""
    root = _copy(tmp_path)
    for path in (_trace(root), _log(root)):
        path.write_bytes(path.read_bytes().rstrip(b"\n"))
    summary = _compile(root, Store.open(str(tmp_path / "store")))
    assert summary.scenarios[0]["counts"]["spans"] > 0
