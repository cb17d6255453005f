"""Thin runtime: fetch a part, verify it, decompress it, shift its clock, pace it, send it.

Imports neither pyarrow nor kubernetes nor boto3 (nor numpy): the runtime image stays tiny.
"""
