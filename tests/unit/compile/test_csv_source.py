"""The shared CSV reader: every bad file names its line, and what a real file holds is read."""

from __future__ import annotations

import math

import pytest

from replaybed.compile.datasets import csv_source
from replaybed.compile.datasets.csv_source import FLOAT, INT, STR, CsvSpec
from replaybed.compile.errors import DatasetError

SPEC = CsvSpec("metric", (("timestamp", INT), ("cmdb_id", STR), ("value", FLOAT)))
NAN_OK = CsvSpec("metric", SPEC.columns, allow_nan=True)
GOOD = "timestamp,cmdb_id,value\n1647705600,node-1,1.5\n1647705660,node-1,2.0\n"


def _read(tmp_path, data, spec=SPEC, block_bytes=csv_source.BLOCK_BYTES):
    path = tmp_path / "f.csv"
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    rows = []
    for first, batch in csv_source.batches(path, spec, block_bytes):
        rows += list(zip(csv_source.lines_of(first, batch).tolist(), *batch.to_pydict().values()))
    return rows


def test_a_good_file_and_one_with_a_bom(tmp_path):
    expected = [(2, 1647705600, "node-1", 1.5), (3, 1647705660, "node-1", 2.0)]
    assert _read(tmp_path, GOOD) == expected
    assert _read(tmp_path, "\ufeff" + GOOD) == expected
    assert _read(tmp_path, GOOD.replace("\n", "\r\n")) == expected


def test_nan_only_where_the_spec_allows_it(tmp_path):
    data = GOOD + "1647705720,node-1,NaN\n"
    with pytest.raises(DatasetError, match=r"f.csv:4: column 'value' is nan; expected a finite"):
        _read(tmp_path, data)
    assert math.isnan(_read(tmp_path, data, NAN_OK)[-1][3])
    with pytest.raises(DatasetError, match=r"f.csv:4: .*expected a finite number"):
        _read(tmp_path, GOOD + "1647705720,node-1,inf\n", NAN_OK)


@pytest.mark.parametrize(
    "data, where, what",
    [
        ("time,cmdb_id,value\n1,a,1\n", "f.csv:1", "header is 'time,cmdb_id,value'"),
        (GOOD + "1647705720,node-1\n", "f.csv:4", "2 fields, expected 3"),
        (GOOD + "x,node-1,1\n", "f.csv:4", "column 'timestamp' is 'x'; expected an integer"),
        (GOOD + "1,node-1,1e\n", "f.csv:4", "expected a number"),
        (GOOD + "1647705720,node-1,132.8", "f.csv:4", "does not end with a newline"),
        (GOOD.encode() + b"1647705720,n\xffode,1\n", "f.csv:4", "invalid UTF-8"),
        (
            GOOD + '1647705720,"' + "y" * 200_000 + '",1\n1,a,b\n',
            "f.csv:5",
            "column 'value' is 'b'; expected a number",
        ),
    ],
)
def test_bad_files_name_the_line(tmp_path, data, where, what):
    with pytest.raises(DatasetError) as caught:
        _read(tmp_path, data, block_bytes=1 << 16)
    assert str(caught.value).split(": ", 1)[0].endswith(where) and what in str(caught.value)


def test_a_missing_file_names_the_header_expected(tmp_path):
    with pytest.raises(DatasetError, match="missing file .*timestamp,cmdb_id,value"):
        list(csv_source.batches(tmp_path / "nope.csv", SPEC))
