"""The closed set of blob media types (`application/vnd.replaybed.<kind>.v1+zstd`)."""

from replaybed.schemas.errors import SchemaError

METRICS = "application/vnd.replaybed.prom-write.v1+zstd"
TRACES = "application/vnd.replaybed.jaeger-batch.v1+zstd"
LOGS = "application/vnd.replaybed.log-stream.v1+zstd"
MANIFEST = "application/vnd.replaybed.manifest.v1+zstd"

PART_KINDS = ("metrics", "traces", "logs")
BY_KIND = {"metrics": METRICS, "traces": TRACES, "logs": LOGS}
KIND_OF = {media_type: kind for kind, media_type in BY_KIND.items()}
ALL = frozenset({METRICS, TRACES, LOGS, MANIFEST})


def for_kind(kind: str) -> str:
    try:
        return BY_KIND[kind]
    except KeyError:
        raise SchemaError(
            f"unknown part kind {kind!r}: expected one of {', '.join(PART_KINDS)}"
        ) from None


def kind_of(media_type: str) -> str:
    """The part kind ("metrics", "traces", "logs") whose parts have `media_type`."""
    try:
        return KIND_OF[media_type]
    except KeyError:
        raise SchemaError(
            f"{media_type!r} is not a part media type: expected one of {', '.join(KIND_OF)}"
        ) from None


def check(media_type: str) -> str:
    if media_type not in ALL:
        raise SchemaError(
            f"unknown media type {media_type!r}: expected one of {', '.join(sorted(ALL))}"
        )
    return media_type
