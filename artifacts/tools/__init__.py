"""The store's tools behind `replaybed store ...` and `replaybed scenarios`: ls, verify, cp, gc,
repack (and `url`, whose locator format lives in the core, `artifacts/locator.py`).

They are built on the core (`artifacts/store.py`, `writer.py`, `packs.py`, `bundle.py`) and
never the other way round: nothing in the core imports a tool.
"""
