"""Synthetic OpenRCA Bank dataset: schema-exact files with a known fault signature per record.

Pure pieces (`plan`, `signatures`, `metrics`, `traces`, `logs`, `text`) decide what the rows say;
`generate` and `cli` are the thin I/O shell.
"""
