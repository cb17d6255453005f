"""The one HTTP seam of the runtime: send a request, get (status, body). Tests swap in fakes."""

from __future__ import annotations

import http.client
from collections.abc import Callable
from typing import Protocol
from urllib.parse import urlparse

from replaybed.runtime.errors import ReplayConfigError

# the answer of a request already sent: (status, body); raises OSError when the connection failed
Answer = Callable[[], tuple[int, bytes]]
_STALE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)


class Transport(Protocol):
    def start(
        self, method: str, url: str, headers: dict[str, str], body: bytes | None = None
    ) -> Answer:
        """Send a request now; its answer is read when the returned callable is called, so the
        caller can prepare its next request while the backend works on this one."""
        ...

    def request(
        self, method: str, url: str, headers: dict[str, str], body: bytes | None = None
    ) -> tuple[int, bytes]: ...


class HttpTransport:
    """http.client with one kept-alive connection per host; connection errors propagate as OSError.

    One request per host may be under way at a time: read a started request's answer before
    starting the next one to the same host.
    """

    def __init__(self, timeout_s: float = 60.0):
        self.timeout_s = timeout_s
        self._conns: dict[tuple[str, str], http.client.HTTPConnection] = {}

    def request(
        self, method: str, url: str, headers: dict[str, str], body: bytes | None = None
    ) -> tuple[int, bytes]:
        return self.start(method, url, headers, body)()

    def start(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        body: bytes | None = None,
        *,
        reconnect: bool = True,
    ) -> Answer:
        u = urlparse(url)
        if u.scheme not in ("http", "https") or not u.netloc:
            raise ReplayConfigError(f"{url!r} is not an http(s) URL")
        key = (u.scheme, u.netloc)
        path = (u.path or "/") + (f"?{u.query}" if u.query else "")
        conn = self._conns.get(key)
        if conn is None:
            cls = http.client.HTTPSConnection if u.scheme == "https" else http.client.HTTPConnection
            conn = self._conns[key] = cls(u.netloc, timeout=self.timeout_s)

        def again_or_raise(exc: OSError) -> tuple[int, bytes]:
            self._drop(key)
            # a kept-alive connection the server had closed: one fresh connection, then errors
            # surface (to the retry policy)
            if reconnect and isinstance(exc, _STALE):
                return self.start(method, url, headers, body, reconnect=False)()
            raise exc

        try:
            conn.request(method, path, body=body, headers=headers)
        except OSError as exc:
            failed = exc
            return lambda: again_or_raise(failed)

        def answer() -> tuple[int, bytes]:
            try:
                resp = conn.getresponse()
                return resp.status, resp.read()
            except OSError as exc:
                return again_or_raise(exc)

        return answer

    def _drop(self, key: tuple[str, str]) -> None:
        conn = self._conns.pop(key, None)
        if conn is not None:
            conn.close()

    def close(self) -> None:
        for conn in self._conns.values():
            conn.close()
        self._conns.clear()
