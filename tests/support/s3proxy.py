"""A pass-through HTTP proxy in front of a real S3 server: a second endpoint, and a way to make it
refuse conditional PUTs with 501.

Some S3 implementations answer `If-None-Match: *` on PutObject with 501 NotImplemented; RGW does
not, so tests put `NoConditionalPutProxy` in front of it to drive the backend's check-then-put
fallback against a real server. `PassThroughProxy` forwards everything and counts requests: a
store opened through it talks to another endpoint than one opened on RGW directly (s3 -> s3
copies between endpoints). The Host header is forwarded unchanged, so SigV4 signatures stay valid.
"""

from __future__ import annotations

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

NOT_IMPLEMENTED = (
    b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>NotImplemented</Code>'
    b"<Message>A header you provided implies functionality that is not implemented</Message></Error>"
)


class PassThroughProxy:
    refuse_conditional_puts = False

    def __init__(self, upstream: str):
        target = urlparse(upstream)
        self.refused = 0
        self.requests = 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                proxy.requests += 1
                conditional = self.command == "PUT" and "If-None-Match" in self.headers
                if conditional and proxy.refuse_conditional_puts:
                    proxy.refused += 1
                    self.send_response(501)
                    self.send_header("Content-Type", "application/xml")
                    self.send_header("Content-Length", str(len(NOT_IMPLEMENTED)))
                    self.end_headers()
                    self.wfile.write(NOT_IMPLEMENTED)
                    return
                conn = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
                try:
                    conn.request(
                        self.command, self.path, body=body, headers=dict(self.headers.items())
                    )
                    resp = conn.getresponse()
                    data = resp.read()
                finally:
                    conn.close()
                self.send_response(resp.status, resp.reason)
                for name, value in resp.getheaders():
                    # HEAD answers carry the object's length with no body: keep theirs
                    if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(name, value)
                length = resp.getheader("Content-Length") if self.command == "HEAD" else None
                self.send_header("Content-Length", length or str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> PassThroughProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


class NoConditionalPutProxy(PassThroughProxy):
    refuse_conditional_puts = True
