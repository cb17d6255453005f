"""The one HTTP seam of the runtime: send a request, get (status, body). Tests swap in fakes."""

from __future__ import annotations

import http.client
from typing import Protocol
from urllib.parse import urlparse

from replaybed.runtime.errors import ReplayConfigError


class Transport(Protocol):
    def post(self, url: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]: ...

    def request(
        self, method: str, url: str, headers: dict[str, str], body: bytes | None = None
    ) -> tuple[int, bytes]: ...


class HttpTransport:
    """http.client with one kept-alive connection per host; connection errors propagate as OSError."""

    def __init__(self, timeout_s: float = 30.0):
        self.timeout_s = timeout_s
        self._conns: dict[tuple[str, str], http.client.HTTPConnection] = {}

    def post(self, url: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        return self.request("POST", url, headers, body)

    def request(
        self, method: str, url: str, headers: dict[str, str], body: bytes | None = None
    ) -> tuple[int, bytes]:
        u = urlparse(url)
        if u.scheme not in ("http", "https") or not u.netloc:
            raise ReplayConfigError(f"{url!r} is not an http(s) URL")
        key = (u.scheme, u.netloc)
        path = (u.path or "/") + (f"?{u.query}" if u.query else "")
        for attempt in (0, 1):
            conn = self._conns.get(key)
            if conn is None:
                cls = (
                    http.client.HTTPSConnection
                    if u.scheme == "https"
                    else http.client.HTTPConnection
                )
                conn = self._conns[key] = cls(u.netloc, timeout=self.timeout_s)
            try:
                conn.request(method, path, body=body, headers=headers)
                resp = conn.getresponse()
                return resp.status, resp.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # a kept-alive connection the server closed: reconnect once, then let errors surface
                conn.close()
                del self._conns[key]
                if attempt:
                    raise
            except OSError:
                conn.close()
                self._conns.pop(key, None)
                raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        for conn in self._conns.values():
            conn.close()
        self._conns.clear()
