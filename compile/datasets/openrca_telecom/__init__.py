"""The OpenRCA Telecom dataset format: `format` (behind the seam), value spaces (`catalog`),
record/query rows, CSV specs (`source`), rows -> normalised batches (`telemetry`), the metric
name mapping, the analysis labels and the synthetic twin (`synth/`). Metrics and traces only:
Telecom has no logs."""
