"""Scale parameters: how densely the generator samples time, traffic and logs.

`full` writes what a real day holds: every series every 60 s (300 s for the disk/inode totals),
~430 traces/min, Envoy lines on both sides of every call. `tiny` thins series and volume, not
time: it keeps a cast of series (`plan.cast`) sampled at their real interval all day, so any
scenario window holds every kept series at every step, plus a trace every `sparse_trace_step`
seconds and one every `dense_trace_step` seconds (a third of that during the fault) routed
through each fault's pods around it.
`small` keeps every series every `metric_step` seconds and goes to 60 s around each fault
(`dense_before` .. end + `dense_after`) for the fault's signature series of the hit components
and of one control component.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    name: str
    metric_step: int | None  # s between samples of every series; None: only the cast, all day
    traces_per_min: float  # background traffic (trace roots per minute), all day
    sparse_trace_step: int  # s between extra background traces when traces_per_min is 0 (0: none)
    dense_before: int  # s of 60-s sampling and pinned traces before each fault
    dense_after: int  # s after each fault's end
    dense_trace_step: int  # s between pinned traces in a dense window, a third while the fault
    # lasts (0: rely on background)
    redis_log_step: int  # s between redis-cart persistence log groups
    block: int  # s generated (and seeded) together: one work item; bounds a worker's memory


SCALES = {
    "tiny": Scale("tiny", None, 0.0, 300, 300, 300, 60, 3600, 6 * 3600),
    "small": Scale("small", 600, 4.0, 0, 1800, 900, 20, 300, 3600),
    # 432 roots/min x 14.6 spans per trace = the real 9.1 M spans a day
    "full": Scale("full", 60, 432.0, 0, 0, 0, 0, 300, 600),
}
