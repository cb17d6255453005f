"""The vendored IDL builds working codecs (the tests of every encoder depend on them)."""

from replaybed.schemas import wire


def test_prometheus_write_request_round_trips():
    pb = wire.prometheus_messages()
    req = pb.WriteRequest()
    ts = req.timeseries.add()
    ts.labels.add(name="__name__", value="up")
    ts.samples.add(value=1.5, timestamp=1647738546000)
    decoded = wire.decode_write_request(req.SerializeToString())
    assert decoded.timeseries[0].samples[0].timestamp == 1647738546000


def test_jaeger_batch_round_trips():
    t = wire.jaeger_types()
    span = t.Span(
        traceIdLow=-1,
        traceIdHigh=2,
        spanId=3,
        parentSpanId=0,
        operationName="op",
        flags=1,
        startTime=1647738546000000,
        duration=120,
    )
    batch = t.Batch(process=t.Process(serviceName="frontend"), spans=[span])
    assert wire.decode_batch(wire.encode_batch(batch)) == batch
