"""An in-process stand-in for Jaeger's collector (`POST /api/traces`), decoding with the official IDL.

Jaeger cannot be installed on these machines; this server checks what a real collector checks
for this endpoint (method, path, Thrift content type, a decodable `jaeger.Batch`) and keeps the
decoded batches for assertions. It decodes with the thrift package's C-accelerated binary protocol
(the same IDL and wire rules as the pure-Python one, at a speed closer to Jaeger's Go decoder, so
that benchmarks see the sender rather than Python decoding). `decode=False` accepts every body
unread (202) and only counts it: benchmarks compare the two to tell the collector's decoding from
the sender's cost.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from thrift.protocol.TBinaryProtocol import TBinaryProtocolAccelerated
from thrift.transport.TTransport import TMemoryBuffer

from replaybed.schemas import wire


def _decode(body: bytes):
    batch = wire.jaeger_types().Batch()
    batch.read(TBinaryProtocolAccelerated(TMemoryBuffer(body)))
    batch.validate()
    return batch


class Collector:
    def __init__(self, fail_first: int = 0, status: int = 503, *, decode: bool = True):
        self.batches: list = []
        self.requests = 0
        self.decode = decode
        self.body_bytes = 0
        self.decode_seconds = 0.0  # time spent decoding bodies, all handler threads together
        self.fail_first, self.fail_status = fail_first, status
        collector = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # kept-alive connections, as Jaeger's Go server

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                collector.requests += 1
                if self.path != "/api/traces":
                    return self._answer(404, b"not found")
                if self.headers.get("Content-Type") != "application/x-thrift":
                    return self._answer(400, b"unsupported content type")
                if collector.fail_first > 0:
                    collector.fail_first -= 1
                    return self._answer(collector.fail_status, b"try again")
                collector.body_bytes += len(body)
                if collector.decode:
                    began = time.perf_counter()
                    try:
                        batch = _decode(body)
                    except Exception as exc:  # a malformed body is the client's fault, as in Jaeger
                        return self._answer(400, str(exc).encode())
                    collector.decode_seconds += time.perf_counter() - began
                    collector.batches.append(batch)
                self._answer(202, b"")

            def _answer(self, status, body):
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
