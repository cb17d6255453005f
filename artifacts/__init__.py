"""Content-addressed storage of compiled bundles: digests, layout, backends, bundle read/write.

Depends only on `replaybed.schemas`. Only `backends/s3.py` imports boto3.
"""
