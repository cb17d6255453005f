"""Log rows: application lines (`log_service`) and Envoy access lines (`log_proxy`) (pure).

Formats follow the real files: `severity: <level>, message: <text>` for the Node/Go/Python
services, raw .NET text for cartservice, redis persistence chatter for redis-cart, and Istio's
default access-log line (without the leading start time) for `log_<svc>-envoy_gateway`.
"""

from __future__ import annotations

from datetime import UTC

import numpy as np

from replaybed.compile.datasets.openrca_market.catalog import ALL_PODS, NODES
from replaybed.compile.datasets.openrca_market.synth.placement import node_of
from replaybed.compile.datasets.openrca_market.synth.topology import GRPC_SERVICE
from replaybed.compile.datasets.openrca_market.synth.traces import Event

PORTS = {
    "frontend": 8080,
    "cartservice": 7070,
    "currencyservice": 7000,
    "productcatalogservice": 3550,
    "recommendationservice": 8080,
    "shippingservice": 50051,
    "checkoutservice": 5050,
    "paymentservice": 50051,
    "emailservice": 8080,
    "adservice": 9555,
}
CURRENCIES = ("EUR", "USD", "JPY", "CAD", "GBP", "TRY")
PRODUCTS = (
    "OLJCESPC7Z",
    "66VCHSJNUP",
    "1YMWWN1N4O",
    "L9ECAV7KIM",
    "2ZYFJ3GM2N",
    "0PUK6V6EV0",
    "LS4PSXUNUM",
    "9SIQT8TOJO",
    "6E92ZMYYFZ",
)
GRPC_NAMES = {"14": "Unavailable", "4": "DeadlineExceeded", "13": "Internal", "2": "Unknown"}


def ip_of(cloudbed: str, pod: str) -> str:
    return f"172.20.{NODES.index(node_of(cloudbed, pod)) + 1}.{ALL_PODS.index(pod) + 10}"


def _uuid(rng: np.random.Generator) -> str:
    h = rng.bytes(16).hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _info(text: str) -> str:
    return f"severity: info, message: {text}"


def service_lines(ev: Event, rng: np.random.Generator) -> list[str]:
    """What the serving pod's application logs for one served call."""
    m = ev.method
    if ev.service == "currencyservice":
        return (
            [_info("Getting supported currencies...")]
            if m == "GetSupportedCurrencies"
            else [_info("received conversion request"), _info("conversion request successful")]
        )
    if ev.service == "cartservice":
        user = _uuid(rng)
        if m == "AddItem":
            return [
                f"AddItemAsync called with userId={user}, productId={PRODUCTS[int(rng.integers(0, 9))]}, quantity=1"
            ]
        return [
            f"{'EmptyCartAsync' if m == 'EmptyCart' else 'GetCartAsync'} called with userId={user}"
        ]
    if ev.service == "checkoutservice":
        return [
            _info(
                f'[PlaceOrder] user_id="{_uuid(rng)}" user_currency="{CURRENCIES[int(rng.integers(0, 6))]}"'
            ),
            _info(f"payment went through (transaction_id: {_uuid(rng)})"),
        ]
    if ev.service == "shippingservice":
        return [_info(f"[{m}] received request"), _info(f"[{m}] completed request")]
    if ev.service == "paymentservice":
        amount = f"{CURRENCIES[int(rng.integers(0, 6))]}{int(rng.integers(5, 900))}.{int(rng.integers(0, 100)):02d}"
        return [
            _info(
                f"Transaction processed: visa ending {int(rng.integers(1000, 9999))}     Amount: {amount}"
            )
        ]
    if ev.service == "recommendationservice":
        ids = ", ".join(f"'{PRODUCTS[int(i)]}'" for i in rng.integers(0, 9, 4))
        return [_info(f"[Recv ListRecommendations] product_ids=[{ids}]")]
    if ev.service == "emailservice":
        return [
            _info(
                "A request to send order confirmation email to someone@example.com has been received."
            )
        ]
    return []


def failure_lines(ev: Event) -> list[str]:
    """What the caller logs when a call to a faulted pod fails."""
    desc = "connection error" if ev.code == "14" else "transport is closing"
    err = f"rpc error: code = {GRPC_NAMES.get(ev.code or '', 'Unknown')} desc = {desc}"
    if ev.pod.startswith("frontend"):
        return [
            f"severity: error, message: request error: could not call {GRPC_SERVICE[ev.service]}/{ev.method}: {err}"
        ]
    if ev.pod.startswith("checkoutservice"):
        return [f"severity: warning, message: failed to {ev.method}: {err}"]
    return []


def proxy_line(cloudbed: str, ev: Event, rng: np.random.Generator) -> str:
    """Envoy inbound access line of a served call, or outbound 503 line of a refused one."""
    port = PORTS.get(ev.service, 80)
    path = f"/hipstershop.{GRPC_SERVICE[ev.service]}/{ev.method}"
    rx, tx = int(rng.integers(5, 300)), int(rng.integers(5, 3000))
    dur = int(rng.integers(0, 6))
    rid = _uuid(rng)
    src = ip_of(cloudbed, ev.peer if ev.code is None else ev.pod)
    if ev.code is None:
        dst = ip_of(cloudbed, ev.pod)
        return (
            f'"POST {path} HTTP/2" 200 - via_upstream - "-" {rx} {tx} {dur} {dur} "-" "grpc-go/1.31.0" "{rid}" '
            f'"{ev.service}:{port}" "{dst}:{port}" inbound|{port}|| 127.0.0.6:{int(rng.integers(32768, 60999))} '
            f"{dst}:{port} {src}:{int(rng.integers(32768, 60999))} "
            f"outbound_.{port}_._.{ev.service}.ts.svc.cluster.local default"
        )
    dst = ip_of(cloudbed, ev.peer)
    return (
        f'"POST {path} HTTP/2" 503 UF upstream_reset_before_response_started{{connection_failure}} - "-" {rx} 91 '
        f'{dur} - "-" "grpc-go/1.31.0" "{rid}" "{ev.service}:{port}" "{dst}:{port}" '
        f"outbound|{port}||{ev.service}.ts.svc.cluster.local - "
        f"10.68.{int(rng.integers(0, 255))}.{int(rng.integers(1, 255))}:{port} "
        f"{src}:{int(rng.integers(32768, 60999))} - default"
    )


def redis_lines(t: int, rng: np.random.Generator) -> list[tuple[int, str]]:
    """A redis persistence cycle: the background-save chatter redis-cart writes every few minutes."""
    pid = int(rng.integers(100, 30000))
    return [
        (t, f"1:M {_redis_time(t)} * 100 changes in 300 seconds. Saving..."),
        (t, f"1:M {_redis_time(t)} * Background saving started by pid {pid}"),
        (t + 1, f"{pid}:C {_redis_time(t + 1)} * DB saved on disk"),
        (t + 1, f"1:M {_redis_time(t + 1)} * Background saving terminated with success"),
    ]


def _redis_time(t: int) -> str:
    from datetime import datetime

    return datetime.fromtimestamp(t, UTC).strftime("%d %b %Y %H:%M:%S.000")


class LogIds:
    """20-character base64url ids like Elasticsearch's: ids of one bulk share a long substring."""

    ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

    def __init__(self, rng: np.random.Generator):
        self.rng, self.n, self.bulk = rng, 0, ""

    def next(self) -> str:
        if self.n % 4096 == 0:
            self.bulk = "".join(self.ALPHABET[i] for i in self.rng.integers(0, 64, 6))
        a = self.ALPHABET
        n = self.n % 4096
        self.n += 1
        return f"{a[n % 64]}{a[n // 64]}{self.bulk[:2]}pH8BDiVcQfZw{self.bulk[2:]}"
