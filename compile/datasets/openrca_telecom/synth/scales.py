"""Scale parameters: which series are kept and how much traffic the traces carry.

Every kept series is sampled every `METRIC_STEP_S` through whole days (so every scenario window,
fault or fault-free, has it at the interval the twin assumes is real), `metric_app` every minute.
`tiny` keeps the fault signature KPIs of the components the records name plus one untouched
control component per level, `small` and `full` keep every documented KPI of every component.
Trace roots per minute: `tiny` 1, `small` 10, `full` ~370 (the `num` of OSB calls per minute in
the real metric_app rows quoted by third parties: 359, 385).
"""

from __future__ import annotations

from dataclasses import dataclass

METRIC_STEP_S = 60  # [I]: the real interval is unpublished; metric_app steps are 60 s [V]
BLOCK_S = 3600  # data generated (and seeded) together: bounds memory, makes subsets reproducible


@dataclass(frozen=True)
class Scale:
    name: str
    all_series: bool  # every documented KPI of every component (else the signature set)
    traces_per_min: int
    trace_jitter: int  # ± traces per minute around `traces_per_min`


SCALES = {
    "tiny": Scale("tiny", False, 1, 0),
    "small": Scale("small", True, 10, 2),
    "full": Scale("full", True, 370, 30),
}
