"""Leaf layer: the shapes every other layer agrees on (manifests, media types, part framing, ids).

Imports nothing from the rest of replaybed and nothing outside the standard library at import
time; the official protocol decoders in `wire` load protobuf/thrift lazily, for tests and tools.
"""
