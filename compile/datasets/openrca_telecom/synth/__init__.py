"""Synthetic OpenRCA Telecom dataset: schema-exact files with a known fault signature per record.

The real Telecom data cannot be fetched on a build machine, so tests and benchmarks use this
generator. Pure pieces (`series`, `faults`, `metrics`, `traces`, `csvfmt`) decide what the rows
say, vectorised with numpy (no Python loop per row); `generate` and `cli` are the thin I/O shell.
See docs/synthetic-dataset.md (Telecom section).
"""
