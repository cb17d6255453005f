"""Where a replay gets its manifest and parts: a store, or a locator (no credentials needed)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse
from urllib.request import urlopen

from replaybed.artifacts import bundle
from replaybed.artifacts.locator import Locator, LocatorSource
from replaybed.artifacts.store import Store
from replaybed.runtime.errors import ReplayConfigError
from replaybed.schemas.framing import F, decode_frames
from replaybed.schemas.manifest import Manifest, PartRef
from replaybed.schemas.scenario_id import ScenarioId


class Source:
    def __init__(self, blobs, manifest: Manifest, closer=None):
        self.blobs, self.manifest, self._closer = blobs, manifest, closer

    def frames(self, ref: PartRef, frame_type: type[F]) -> tuple[F, ...]:
        """The part's frames, digest-verified, which must be of `frame_type`'s kind."""
        raw = bundle.read_part(self.blobs, ref)
        return decode_frames(raw, frame_type, where=f"part {ref.digest}")

    def close(self) -> None:
        if self._closer:
            self._closer()


def open_source(scenario: str | None, store_url: str | None, locator: str | None) -> Source:
    if locator:
        loc = Locator.from_json(_read(locator), where=locator)
        if scenario and ScenarioId.parse(scenario) != ScenarioId.parse(loc.scenario):
            raise ReplayConfigError(
                f"--scenario {scenario} does not match the locator's scenario {loc.scenario}"
            )
        blobs = LocatorSource(loc)
        return Source(blobs, bundle.read_manifest(blobs, loc.manifest_digest))
    if not scenario:
        raise ReplayConfigError("--scenario is required unless --locator is given")
    store = Store.open(store_url)
    _, manifest = bundle.resolve(store, ScenarioId.parse(scenario))
    return Source(store, manifest, store.close)


def _read(where: str) -> bytes:
    if urlparse(where).scheme in ("http", "https"):
        with urlopen(where, timeout=30) as resp:
            return resp.read()
    try:
        return Path(where).read_bytes()
    except OSError as exc:
        raise ReplayConfigError(f"--locator {where}: cannot read ({exc.strerror})") from None
