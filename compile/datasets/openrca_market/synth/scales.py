"""Scale parameters: how densely the generator samples time, traffic and logs.

`full` writes what a real day holds: every series every 60 s (300 s for the disk/inode totals),
~350 traces/min, an Envoy line per server span. `small` and `tiny` thin this out the same
documented way: every series still appears (sampled every `metric_step`), and around each fault
(`dense_before` .. end + `dense_after`) the fault's signature series of the hit components and of
one control component go to 60 s, with traces every `dense_trace_step` seconds routed through the
faulted component, so each record's signal is there to find.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    name: str
    metric_step: int  # s between samples of every series outside dense windows
    traces_per_min: float  # background traffic (trace roots per minute), all day
    sparse_trace_step: int  # s between extra background traces when traces_per_min is 0 (0: none)
    dense_before: int  # s of 60-s sampling and pinned traces before each fault
    dense_after: int  # s after each fault's end
    dense_trace_step: int  # s between pinned traces in a dense window (0: rely on background)
    redis_log_step: int  # s between redis-cart persistence log groups


SCALES = {
    "tiny": Scale("tiny", 10800, 0.0, 1800, 600, 300, 60, 3600),
    "small": Scale("small", 600, 4.0, 0, 1800, 900, 20, 300),
    "full": Scale("full", 60, 350.0, 0, 0, 0, 0, 300),
}
BLOCK = 600  # s of data generated (and seeded) together: bounds memory, makes subsets reproducible
