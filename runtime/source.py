"""Where a replay gets its manifest and parts: a store, or a locator (no credentials needed).

The replay loops ask for one part at a time, in the order they send. The first request for a
part fetches it together with the parts of the same stream (kind, and pod for logs) that follow
it, up to READ_AHEAD_BYTES stored: in a packed store those sit next to each other, so a pod's
whole window usually costs one ranged GET instead of one GET per part. Every part is still
digest-verified and decompressed with its raw-size cap (`bundle.check_and_decompress`).
"""

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

# stored (compressed) bytes fetched ahead of the replay; a full-scale scenario's metrics are
# a few tens of MB, so this is one or two batches
READ_AHEAD_BYTES = 64 * 1024 * 1024


class Source:
    def __init__(
        self,
        parts: bundle.PartSource,
        manifest: Manifest,
        closer=None,
        read_ahead_bytes: int = READ_AHEAD_BYTES,
    ):
        self.parts, self.manifest, self._closer = parts, manifest, closer
        self.read_ahead_bytes = read_ahead_bytes
        self._fetched: dict[str, memoryview] = {}  # digest -> stored bytes, not yet used

    def frames(self, ref: PartRef, frame_type: type[F]) -> tuple[F, ...]:
        """The part's frames, digest-verified, which must be of `frame_type`'s kind."""
        if ref.digest not in self._fetched:
            self._fetch_from(ref)
        raw = bundle.check_and_decompress(ref, self._fetched.pop(ref.digest))
        return decode_frames(raw, frame_type, where=f"part {ref.digest}")

    def _fetch_from(self, ref: PartRef) -> None:
        stream = self.manifest.parts_of(ref.kind, ref.pod)
        digests = [p.digest for p in stream]
        ahead = stream[digests.index(ref.digest) :] if ref.digest in digests else [ref]
        batch: list[str] = []
        size = 0
        for p in ahead:
            if batch and size + p.size > self.read_ahead_bytes:
                break
            batch.append(p.digest)
            size += p.size
        self._fetched.update(self.parts.read_part_blobs(batch))

    def close(self) -> None:
        self._fetched.clear()
        if self._closer:
            self._closer()


def open_source(scenario: str | None, store_url: str | None, locator: str | None) -> Source:
    if locator:
        loc = Locator.from_json(_read(locator), where=locator)
        if scenario and ScenarioId.parse(scenario) != ScenarioId.parse(loc.scenario):
            raise ReplayConfigError(
                f"--scenario {scenario} does not match the locator's scenario {loc.scenario}"
            )
        parts = LocatorSource(loc)
        return Source(parts, parts.manifest())
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
