"""Locators: a scenario's manifest plus one URL per blob, for readers that get no credentials.

`replaybed store url` writes one (presigned https URLs for s3, file:// URLs for a local or
mounted store); the runtime reads parts through it with plain HTTP GETs and verifies every
digest, so a locator never has to be trusted for content, only for reachability.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote, urlparse

from replaybed.artifacts import digest as digests
from replaybed.artifacts import layout
from replaybed.artifacts.bundle import resolve
from replaybed.artifacts.errors import ObjectNotFound, StoreError, StoreUnavailable
from replaybed.artifacts.store import Store
from replaybed.schemas.manifest import canonical_json
from replaybed.schemas.scenario_id import ScenarioId

LOCATOR_VERSION = 1


@dataclass(frozen=True)
class Locator:
    scenario: str
    manifest_digest: str
    urls: dict[str, str]  # digest -> URL (the manifest blob included)
    expires: str | None = None  # RFC 3339, informational

    def to_json(self) -> bytes:
        return canonical_json(
            {
                "locator": LOCATOR_VERSION,
                "scenario": self.scenario,
                "manifest_digest": self.manifest_digest,
                "urls": self.urls,
                "expires": self.expires,
            }
        )

    @classmethod
    def from_json(cls, data: bytes | str, where: str = "locator") -> Locator:
        try:
            obj = json.loads(data)
            if obj.get("locator") != LOCATOR_VERSION:
                raise StoreError(
                    f"{where}: locator version {obj.get('locator')!r}, expected {LOCATOR_VERSION}"
                )
            return cls(
                obj["scenario"],
                digests.check(obj["manifest_digest"]),
                dict(obj["urls"]),
                obj.get("expires"),
            )
        except (ValueError, KeyError, AttributeError, TypeError) as exc:
            raise StoreError(f"{where}: not a replaybed locator ({exc!r})") from None


class LocatorSource:
    """Fetches blobs by digest through a locator's URLs (file:// or http(s)://), verifying each."""

    def __init__(self, locator: Locator, timeout_s: float = 30.0, attempts: int = 4):
        self.locator = locator
        self.timeout_s = timeout_s
        self.attempts = attempts

    def get_blob(self, digest: str) -> bytes:
        url = self.locator.urls.get(digest)
        if url is None:
            raise ObjectNotFound(f"locator for {self.locator.scenario}", digest, "blob")
        data = self._fetch(url)
        digests.verify(data, digest, _redact(url))
        return data

    def _fetch(self, url: str) -> bytes:
        parsed = urlparse(url)
        if parsed.scheme == "file":
            try:
                return Path(unquote(parsed.path)).read_bytes()
            except FileNotFoundError:
                raise ObjectNotFound("locator", unquote(parsed.path), "file") from None
        last: Exception | None = None
        for attempt in range(self.attempts):
            try:
                with urllib.request.urlopen(url, timeout=self.timeout_s) as resp:
                    return resp.read()
            except urllib.error.HTTPError as exc:
                if exc.code in (403, 404):
                    raise StoreUnavailable(
                        f"{_redact(url)}: HTTP {exc.code} (expired or revoked URL?)"
                    ) from None
                last = exc
            except (urllib.error.URLError, OSError) as exc:
                last = exc
            time.sleep(min(2.0, 0.2 * 2**attempt))
        raise StoreUnavailable(
            f"{_redact(url)}: unreachable after {self.attempts} attempts ({last})"
        )


def _redact(url: str) -> str:
    # presigned query strings carry signatures; keep them out of messages and logs
    return url.split("?", 1)[0]


def locate(store: Store, scenario: ScenarioId, expires_s: int) -> Locator:
    """A locator for one scenario of `store` whose URLs stay valid for `expires_s` seconds."""
    digest, manifest = resolve(store, scenario)
    wanted = [digest, *dict.fromkeys(part.digest for part in manifest.parts)]
    urls = {d: store.backend.locate(layout.blob_key(d), expires_s) for d in wanted}
    until = datetime.now(UTC) + timedelta(seconds=expires_s)
    return Locator(str(scenario), digest, urls, until.strftime("%Y-%m-%dT%H:%M:%SZ"))
