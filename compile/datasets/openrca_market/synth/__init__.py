"""Synthetic OpenRCA Market dataset: byte-compatible files with a known fault signature per record.

The real data (tens of GB) cannot be fetched on a build machine, so tests, demos and benchmarks use
this generator. Pure pieces (`topology`, `placement`, `faults`, `values`, `traces`, `logs`,
`metrics`) decide what the rows say; `generate` and `cli` are the thin I/O shell.
"""
