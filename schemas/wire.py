"""The official protocol codecs, built from the vendored IDL (see schemas/idl/README.md).

Used by tests, benchmarks and debugging tools to decode what replaybed encodes by hand; the
compiler and runtime never need them. protobuf and thrift are imported on first use.
"""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def prometheus_messages():
    """`prometheus.WriteRequest` & co. as protobuf classes, from the compiled descriptor set."""
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    data = (
        resources.files("replaybed.schemas").joinpath("_gen/prometheus_remote.binpb").read_bytes()
    )
    pool = descriptor_pool.DescriptorPool()
    for file_proto in descriptor_pb2.FileDescriptorSet.FromString(data).file:
        pool.Add(file_proto)

    class Messages:
        WriteRequest = message_factory.GetMessageClass(
            pool.FindMessageTypeByName("prometheus.WriteRequest")
        )
        TimeSeries = message_factory.GetMessageClass(
            pool.FindMessageTypeByName("prometheus.TimeSeries")
        )
        Label = message_factory.GetMessageClass(pool.FindMessageTypeByName("prometheus.Label"))
        Sample = message_factory.GetMessageClass(pool.FindMessageTypeByName("prometheus.Sample"))

    return Messages


def decode_write_request(body: bytes):
    return prometheus_messages().WriteRequest.FromString(bytes(body))


def jaeger_types():
    """The thrift-generated `jaeger.ttypes` module (Batch, Span, Tag, Process, ...)."""
    from replaybed.schemas._gen.jaeger import ttypes

    return ttypes


def decode_batch(body: bytes):
    from thrift.protocol import TBinaryProtocol
    from thrift.transport import TTransport

    ttypes = jaeger_types()
    batch = ttypes.Batch()
    batch.read(TBinaryProtocol.TBinaryProtocol(TTransport.TMemoryBuffer(bytes(body))))
    batch.validate()
    return batch


def encode_batch(batch) -> bytes:
    from thrift.protocol import TBinaryProtocol
    from thrift.transport import TTransport

    buf = TTransport.TMemoryBuffer()
    batch.write(TBinaryProtocol.TBinaryProtocol(buf))
    return buf.getvalue()
