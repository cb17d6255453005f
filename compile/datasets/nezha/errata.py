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

# (day, pod) -> why its metric file may end without a final newline. Online Boutique 2022-08-23
# adservice was re-saved by a spreadsheet (CRLF line ends, numbers rounded to 10 significant
# digits) that dropped the final newline; its last row (23:59:28) has all 22 fields.
NO_FINAL_NEWLINE = {
    ("2022-08-23", "adservice-5f6585d649-fnmft"): "re-saved without a final newline",
}

# (day, log file) -> lines whose TimeUnixNano (and Docker time) carry digit damage while
# `Timestamp` agrees with the application's own printed clock (UTC+8) to the millisecond: Train-
# Ticket 2023-01-29 09_27, seven ts-basic-service rows (e.g. line 511: Timestamp 09:26:03.682,
# TimeUnixNano 09:27:03.682, Docker time 09:26:30.682, printed `17:26:03.682`). Their time is
# `Timestamp`.
LOG_TIME_DAMAGED = {
    ("2023-01-29", "09_27_log.csv"): frozenset({151, 164, 275, 450, 463, 511, 577}),
}
