"""Content-addressed storage of compiled bundles: parts in packs with indexes, manifests, refs.

The core is `layout`, `packs`, `ranges`, `store`, `writer`, `bundle`, `locator`, `locks` and
`backends/`; the tools behind `replaybed store ...` are in `tools/` and only the tools import
the tools. Depends only on `replaybed.schemas`. Only `backends/s3.py` imports boto3.
"""
