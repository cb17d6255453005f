"""Store configuration, resolved once at the edge: command-line flag > environment > default.

    url            --store          REPLAYBED_STORE                   <XDG data home>/replaybed/store
    endpoint_url   --endpoint-url   REPLAYBED_S3_ENDPOINT_URL, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL
    addressing     --s3-addressing  REPLAYBED_S3_ADDRESSING (auto|path|virtual)   auto
    region         (AWS standard)   AWS_REGION, AWS_DEFAULT_REGION, profile
    profile        --profile        AWS_PROFILE (read by boto3 itself)
    max_concurrency --jobs          8 parallel transfers (threads)
    pack_bytes     --pack-mb        REPLAYBED_PACK_MB                 32 (MiB a new pack aims for)

Credentials are never read here: boto3 finds them the standard AWS way (environment, profile,
instance role). Nothing else in replaybed reads these variables.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from replaybed.artifacts.errors import StoreConfigError
from replaybed.artifacts.packs import DEFAULT_PACK_BYTES, MIN_PACK_BYTES

ADDRESSING = ("auto", "path", "virtual")


def default_store_path(env: Mapping[str, str]) -> Path:
    data_home = env.get("XDG_DATA_HOME") or str(
        Path(env.get("HOME", "~")).expanduser() / ".local" / "share"
    )
    return Path(data_home) / "replaybed" / "store"


@dataclass(frozen=True)
class StoreConfig:
    url: str
    endpoint_url: str | None = None
    addressing: str = "auto"
    region: str | None = None
    profile: str | None = None
    fsync: bool = False
    max_concurrency: int = 8
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 60.0
    retries: int = 5
    # objects (packs) at or above this size go up as multipart uploads, come down as parallel GETs
    multipart_bytes: int = 8 * 1024 * 1024
    pack_bytes: int = DEFAULT_PACK_BYTES

    def __post_init__(self) -> None:
        if self.max_concurrency < 1:
            raise StoreConfigError(
                f"parallel transfers: {self.max_concurrency}; expected at least 1"
            )
        if self.multipart_bytes < 5 * 1024 * 1024:
            # S3 refuses multipart parts below 5 MiB (except the last)
            raise StoreConfigError(
                f"multipart size {self.multipart_bytes} bytes: expected at least 5 MiB"
            )
        if self.pack_bytes < MIN_PACK_BYTES:
            raise StoreConfigError(
                f"pack size {self.pack_bytes} bytes: expected at least {MIN_PACK_BYTES}"
            )
        if self.retries < 1:
            raise StoreConfigError(f"retries: {self.retries}; expected at least 1 attempt")

    @classmethod
    def resolve(
        cls,
        url: str | None = None,
        *,
        endpoint_url: str | None = None,
        addressing: str | None = None,
        env: Mapping[str, str] | None = None,
        **overrides,
    ) -> StoreConfig:
        env = os.environ if env is None else env
        resolved_url = url or env.get("REPLAYBED_STORE") or str(default_store_path(env))
        endpoint = (
            endpoint_url
            or env.get("REPLAYBED_S3_ENDPOINT_URL")
            or env.get("AWS_ENDPOINT_URL_S3")
            or env.get("AWS_ENDPOINT_URL")
            or None
        )
        style = addressing or env.get("REPLAYBED_S3_ADDRESSING") or "auto"
        if style not in ADDRESSING:
            raise StoreConfigError(
                f"S3 addressing {style!r}: expected one of {', '.join(ADDRESSING)}"
            )
        region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or None
        if "pack_bytes" not in overrides and env.get("REPLAYBED_PACK_MB"):
            overrides["pack_bytes"] = _mebibytes(env["REPLAYBED_PACK_MB"], "REPLAYBED_PACK_MB")
        return cls(
            url=resolved_url, endpoint_url=endpoint, addressing=style, region=region, **overrides
        )


def _mebibytes(text: str, where: str) -> int:
    try:
        value = float(text)
    except ValueError:
        raise StoreConfigError(f"{where}={text!r}: expected a number of MiB, e.g. 32") from None
    return int(value * 1024 * 1024)
