"""Static fault injector for replayed incidents.

Install as `aiopslab/generators/fault/inject_replay.py`. The fault already happened in the
recording, so inject/recover change nothing in the cluster: they record the ground truth (from
replaybed's problems.json, itself derived from the scenario manifest) so the session log says what
the agent is looking at.
"""


class StaticFaultInjector:
    def __init__(self, namespace: str, truth: dict):
        self.namespace = namespace
        self.truth = dict(truth)
        self.injected = False
        self.events = []

    def _describe(self) -> str:
        if not self.truth.get("component"):
            return f"no fault: fault-free window {self.truth.get('scenario')}"
        return (
            f"{self.truth['reason']} on {self.truth['level']} {self.truth['component']} "
            f"at {self.truth['fault_time']} (dataset time, UTC{self.truth.get('tz', '+00:00')}) "
            f"in {self.truth.get('scenario')}"
        )

    def _inject(self, fault_type: str = "recorded", microservices=None, duration=None):
        self.injected = True
        self.events.append(("inject", self._describe()))
        print(
            "Recorded fault (replayed, nothing injected) | "
            f"{self._describe()} | Namespace: {self.namespace}"
        )

    def _recover(self, fault_type: str = "recorded", microservices=None):
        self.injected = False
        self.events.append(("recover", self._describe()))
        print(
            f"Nothing to recover: the fault is part of the recording | Namespace: {self.namespace}"
        )
