"""Rows built as byte matrices are exactly what Python's own formatting writes, lengths included."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from replaybed.compile.datasets.openrca_market.synth.rowbytes import Rows, Table, hex_ids, stack

WORDS = ["node-1.frontend-0", '"istio_tcp_sent_bytes.UF,URX"', "x", ""]


@given(
    st.lists(
        st.tuples(
            st.integers(0, 10**15),
            st.integers(0, 3),
            st.floats(1e-4, 1e9, allow_nan=False),
            st.sampled_from([1, 2, 3, 5]),
            st.binary(min_size=8, max_size=8),
            st.booleans(),
            st.integers(0, 99),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_rows_match_python_formatting(cells):
    ints, words, floats, places, ids, blank, cents = (list(c) for c in zip(*cells))
    n = len(cells)
    values = [round(v, p) for v, p in zip(floats, places)]
    raw = np.frombuffer(b"".join(ids), dtype=np.uint8).reshape(n, 8)
    rows = Rows(n).integer(np.array(ints, dtype=np.int64)).text(",")
    rows.pick(Table(WORDS), np.array(words, dtype=np.int64)).text(",")
    rows.decimal(np.array(values), np.array(places, dtype=np.int64)).text(",")
    rows.fixed(hex_ids(raw), blank=np.array(blank, dtype=bool)).text(".")
    rows.two_digits(np.array(cents, dtype=np.int64)).text("\n")
    expected = [
        f"{i},{WORDS[w]},{v!r},{'' if b else raw_id.hex()}.{c:02d}\n".encode()
        for i, w, v, raw_id, b, c in zip(ints, words, values, ids, blank, cents)
    ]
    assert rows.build() == b"".join(expected)
    assert rows.lengths.tolist() == [len(e) for e in expected]


def test_negative_and_zero_decimals_and_fixed_width_integers():
    rows = Rows(3).decimal(np.array([-2.5, 0.0, 1647705600.0]), 1).text("|")
    rows.integer(np.array([7, 1647705600123, 0]), width=13).text("\n")
    assert rows.build() == b"-2.5|0000000000007\n0.0|1647705600123\n1647705600.0|0000000000000\n"


def test_stacked_rows_reorder_together():
    a, b = Rows(2).text("a").integer(np.array([1, 22])), Rows(1).text("bbbb")
    matrix, lengths = stack([(a.matrix(), a.lengths), (b.matrix(), b.lengths)], lead=1)
    matrix[:, 0] = ord(">")
    order = np.array([2, 1, 0])
    assert matrix[order].tobytes().translate(None, b"\0") == b">bbbb>a22>a1"
    assert lengths[order].tolist() == [4, 3, 2]
