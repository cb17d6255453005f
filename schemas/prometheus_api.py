"""The part of Prometheus' HTTP API an episode needs besides remote write (pure, transport injected).

One incident per window: before a replay writes a namespace's series, the target Prometheus must
hold no samples of that namespace inside the window; `clear_window` counts them and, when asked,
deletes them through the TSDB admin API (`delete_series`, then `clean_tombstones`) and counts again.
The runtime (`run metrics`, plain HTTP) and the deployer (`deploy up|down`, through the Kubernetes
API's service proxy) share this logic with their own `Call`.

Counting uses a query, not `/api/v1/series`: Prometheus keeps a deleted series in its head index
(the series API still lists it), while queries see the deletion. Prometheus 2.x cannot delete
samples it ingested out of order (prometheus/prometheus#11790; still open at 2.47, AIOpsLab's
version): a second episode that backfills history older than the first one's latest sample is
ingested out of order, so its samples survive `delete_series`. The recount after deleting catches
that, and the message says what to do (a fresh TSDB per episode).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from replaybed.schemas.errors import SchemaError

QUERY = "/api/v1/query"
DELETE_SERIES = "/api/v1/admin/tsdb/delete_series"
CLEAN_TOMBSTONES = "/api/v1/admin/tsdb/clean_tombstones"
ADMIN_FLAG = "--web.enable-admin-api"
VALUES_FILE = "k8s/manifests/prometheus-values.yaml"

# (method, path, query parameters) -> (HTTP status, body); raises OSError when unreachable
Call = Callable[[str, str, dict[str, str]], tuple[int, bytes]]


def selector(namespace: str) -> str:
    escaped = namespace.replace("\\", "\\\\").replace('"', '\\"')
    return f'{{namespace="{escaped}"}}'


def count_params(namespace: str, start_ms: int, end_ms: int) -> dict[str, str]:
    """An instant query at the window's end counting series with a sample in [start, end]."""
    # a range selector is left-open: one extra millisecond takes in a sample exactly at start
    span = max(1, end_ms - start_ms + 1)
    query = f"count(last_over_time({selector(namespace)}[{span}ms]))"
    return {"query": query, "time": f"{end_ms / 1000:.3f}"}


def parse_count(status: int, body: bytes, where: str) -> int:
    if status != 200:
        raise SchemaError(f"{where}: HTTP {status}: {_text(body)}")
    try:
        data = json.loads(body)["data"]
        result = data["result"]
        if data["resultType"] != "vector":
            raise ValueError(f"resultType {data['resultType']!r}")
        return int(float(result[0]["value"][1])) if result else 0
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise SchemaError(
            f"{where}: not a Prometheus vector result ({exc}): {_text(body)}"
        ) from None


def explain_admin_failure(status: int, body: bytes, url: str) -> str:
    text = _text(body)
    if "admin APIs disabled" in text or status in (404, 405):
        return (
            f"{url}: the TSDB admin API is off (HTTP {status}: {text}); start Prometheus with "
            f"{ADMIN_FLAG} (Helm: server.extraFlags: [web.enable-admin-api], as in {VALUES_FILE})"
        )
    return f"{url}: deleting series failed: HTTP {status}: {text}"


@dataclass(frozen=True)
class WindowState:
    """What `clear_window` found and did. `problem` is None exactly when the window is clean."""

    namespace: str
    start_ms: int
    end_ms: int
    found: int  # series with samples in the window before anything was deleted
    deleted: bool
    left: int  # series still there afterwards
    problem: str | None = None


def clear_window(
    call: Call, *, url: str, namespace: str, start_ms: int, end_ms: int, replace: bool
) -> WindowState:
    """Make sure `namespace` has no samples in [start_ms, end_ms] in the Prometheus at `url`."""
    found = _count(call, url, namespace, start_ms, end_ms)
    if not found:
        return WindowState(namespace, start_ms, end_ms, 0, False, 0)
    where = f"namespace {namespace} in {url}"
    if not replace:
        refusal = (
            f"{where} already holds {found} series with samples in the window "
            f"{window_text(start_ms, end_ms)}: another episode's incident is there and would mix "
            "with this one; nothing was written. Tear it down (`replaybed deploy down`) or "
            f"re-run with --replace to delete the namespace's series first ({ADMIN_FLAG} needed)"
        )
        return WindowState(namespace, start_ms, end_ms, found, False, found, refusal)
    failure = delete_namespace(call, url=url, namespace=namespace)
    if failure:
        return WindowState(namespace, start_ms, end_ms, found, False, found, failure)
    left = _count(call, url, namespace, start_ms, end_ms)
    problem: str | None = None
    if left:
        problem = (
            f"{where}: {left} of {found} series still have samples in the window "
            f"{window_text(start_ms, end_ms)} after delete_series: Prometheus cannot delete samples "
            "it ingested out of order (prometheus/prometheus#11790), which is what a second "
            "backfill of overlapping history is. Give each episode a fresh TSDB (restart a "
            "Prometheus with empty storage, e.g. the emptyDir of " + VALUES_FILE + ") or wait "
            "until its head is compacted (about 2 h); nothing was written"
        )
    return WindowState(namespace, start_ms, end_ms, found, True, left, problem)


def delete_namespace(call: Call, *, url: str, namespace: str) -> str | None:
    """Delete every series of the namespace (all time). Returns a message on failure."""
    params = {"match[]": selector(namespace)}
    for path, query in ((DELETE_SERIES, params), (CLEAN_TOMBSTONES, {})):
        status, body = call("POST", path, query)
        if status not in (200, 204):
            return explain_admin_failure(status, body, url + path)
    return None


def window_text(start_ms: int, end_ms: int) -> str:
    def iso(ms: int) -> str:
        return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    return f"{iso(start_ms)} .. {iso(end_ms)}"


def _count(call: Call, url: str, namespace: str, start_ms: int, end_ms: int) -> int:
    status, body = call("GET", QUERY, count_params(namespace, start_ms, end_ms))
    return parse_count(status, body, f"{url}{QUERY}")


def _text(body: bytes) -> str:
    return body[:300].decode("utf-8", "replace").strip()
