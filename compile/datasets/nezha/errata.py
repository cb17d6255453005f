"""Known defects of the published Nezha data (IntelligentDDS/Nezha d8140101), and how each is read.

Every entry names one file exactly; the same defect anywhere else is an error (docs/compiler.md).
"""

from __future__ import annotations

# (day, pod) -> why its metric file's `TimeStamp` column is not checked against `Time`.
# Online Boutique 2022-08-22 adservice: every `TimeStamp` is off (1861145139 for 05:12:19 =
# 1661145139; values around the year 2028, repeated and out of order); `Time` is right and is
# what Nezha's own code reads. Its numbers carry the same digit damage (runs like `868686`), which
# no rule can undo: they are replayed as written.
TIMESTAMP_NOT_CHECKED = {
    ("2022-08-22", "adservice-5f6585d649-fnmft"): (
        "TimeStamp corrupted in every row of the published file; Time is right"
    ),
}
