"""Scale parameters of the Bank twin: which series, how much traffic, which days.

Every kept series is sampled every 60 s (the real interval) through every day written, so every
scenario window (fault and fault-free) has each kept series at the real rate; scales differ in
how many series they keep and how much traffic they write:

- `tiny`: the signature series of every record (the KPI its reason moves, on its component)
  and the CPU of every container (52 series), 4 of the 11 `metric_app` transactions; a trace every
  5 minutes (and one a minute through a faulted traced component while its fault lasts); a GC
  line per Tomcat every 30 minutes; only the 9 days that hold records.
- `small`: a core set of ~25 KPIs per host (plus every signature KPI of its role) and every
  container KPI; 6 traces a minute; GC lines every 2 minutes; all 10 real day folders.
- `full`: every KPI of the catalog (~1970 series a day; the real day holds ~1487); a trace a
  second; GC lines every 30 s; all 10 days.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    name: str
    kpis: str  # "signature" | "core" | "all"
    transactions: int  # how many of the 11 metric_app transaction codes
    trace_every_s: int  # s between background traces (more, pinned, inside fault windows)
    gc_step_s: int
    all_days: bool  # False: only the day folders the records fall in


SCALES = {
    "tiny": Scale("tiny", "signature", 4, 300, 1800, False),
    "small": Scale("small", "core", 11, 10, 120, True),
    "full": Scale("full", "all", 11, 1, 30, True),
}
STEP_S = 60  # the real metric interval
