"""Log rows: application lines (`log_service`) and Envoy access lines (`log_proxy`) (pure).

Formats follow the real files: `severity: <level>, message: <text>` for the Node/Go/Python
services, raw ASP.NET Core text for cartservice, redis persistence chatter for redis-cart, and
Istio's default access-log line (without the leading start time) for `log_<svc>-envoy_gateway`:
every served call is logged by the callee's sidecar (inbound) and the caller's (outbound), with
one request id; a refused call leaves the caller's outbound 503. Rows are built per line kind
as byte matrices (`rowbytes`), then put in file order and given their ids.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from functools import cache

import numpy as np

from replaybed.compile.datasets.openrca_market.catalog import ALL_PODS, NODES, service_of
from replaybed.compile.datasets.openrca_market.synth.placement import node_of
from replaybed.compile.datasets.openrca_market.synth.rowbytes import (
    Rows,
    Table,
    compact,
    hex_ids,
    stack,
)
from replaybed.compile.datasets.openrca_market.synth.topology import GRPC_SERVICE
from replaybed.compile.datasets.openrca_market.synth.traces import (
    CODES,
    METHODS,
    UNAVAILABLE,
    Traffic,
)

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
ID_ALPHABET = np.frombuffer(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", dtype=np.uint8
)
ID_ROWS = 64**3  # rows a block can number with three id characters
POD_FIELD = Table([f",{p}," for p in ALL_PODS])
APP_NAME = Table([f"log_{service_of(p)}-service_application," for p in ALL_PODS])
PROXY_NAME = Table([f"log_{service_of(p)}-envoy_gateway," for p in ALL_PODS])
CURRENCY = Table(CURRENCIES)
SERVICE_OF_POD = np.array([service_of(p) for p in ALL_PODS])
PRODUCT = Table(PRODUCTS)


def ip_of(cloudbed: str, pod: str) -> str:
    return f"172.20.{NODES.index(node_of(cloudbed, pod)) + 1}.{ALL_PODS.index(pod) + 10}"


@cache
def ips(cloudbed: str) -> Table:
    return Table([ip_of(cloudbed, p) for p in ALL_PODS])


def cluster_ip(service: str) -> str:
    """A stable ClusterIP per service (10.68.0.0/16, the cluster's service range)."""
    h = hashlib.sha256(service.encode()).digest()
    return f"10.68.{h[0]}.{h[1] % 254 + 1}"


def log_ids(n: int, block_no: int, rng: np.random.Generator) -> np.ndarray:
    """20-character base64url ids like Elasticsearch's: ids of one bulk share a long substring.
    Row number and block number are spelled out, so ids never repeat within a file."""
    if n > ID_ROWS:
        raise ValueError(f"{n} log rows in one block: ids can number {ID_ROWS}")
    i = np.arange(n)
    out = np.empty((n, 20), dtype=np.uint8)
    out[:, 0] = ID_ALPHABET[i % 64]
    out[:, 1] = ID_ALPHABET[(i // 64) % 64]
    out[:, 2] = ID_ALPHABET[i // 4096]
    out[:, 3] = ID_ALPHABET[block_no // 64]
    out[:, 4] = ID_ALPHABET[block_no % 64]
    out[:, 5:17] = np.frombuffer(b"pH8BDiVcQfZw", dtype=np.uint8)
    out[:, 17:] = ID_ALPHABET[rng.integers(0, 64, 3)]
    return out


def _uuids(rng: np.random.Generator, n: int) -> np.ndarray:
    h = hex_ids(rng.integers(0, 256, (n, 16), dtype=np.uint8))
    out = np.full((n, 36), ord("-"), dtype=np.uint8)
    out[:, :8], out[:, 9:13], out[:, 14:18] = h[:, :8], h[:, 8:12], h[:, 12:16]
    out[:, 19:23], out[:, 24:] = h[:, 16:20], h[:, 20:]
    return out


class Lines:
    """Log rows of one file and block, gathered per line kind, then ordered and numbered."""

    def __init__(self) -> None:
        self.parts: list[tuple[np.ndarray, np.ndarray]] = []
        self.pods: list[np.ndarray] = []
        self.times: list[np.ndarray] = []

    def start(self, t: np.ndarray, pod: np.ndarray, name: Table) -> Rows:
        """A row after its id: `,t,pod,name,` (the caller appends the value and the newline)."""
        self.times.append(t)
        self.pods.append(pod)
        return Rows(len(t)).text(",").integer(t, width=10).pick(POD_FIELD, pod).pick(name, pod)

    def add(self, rows: Rows) -> None:
        rows.text("\n")
        self.parts.append((rows.matrix(), rows.lengths.copy()))

    def finish(
        self, order: str, block_no: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray, bytes]:
        """(times, row lengths, bytes) in file order: `time`, or `pod` runs (each time-sorted)."""
        body, lengths = stack(self.parts, lead=20)
        t = np.concatenate(self.times) if self.times else np.zeros(0, dtype=np.int64)
        pod = np.concatenate(self.pods) if self.pods else np.zeros(0, dtype=np.int64)
        idx = np.argsort(t, kind="stable") if order == "time" else np.lexsort((t, pod))
        rows = body[idx]
        rows[:, :20] = log_ids(len(idx), block_no, rng)
        return t[idx], lengths[idx] + 20, compact(rows)


def _sorted_methods() -> list[tuple[tuple[str, str], int]]:
    # the process-local numbering differs between workers; the row order must not
    return sorted(METHODS.items())


def service_lines(traffic: Traffic, rng: np.random.Generator, lines: Lines) -> None:
    """Application lines of served calls, failed calls seen by their caller, and frontend requests."""
    s = traffic.served
    t, pod, method = s.get("t"), s.get("pod"), s.get("method")
    for (service, name), mid in _sorted_methods():
        sel = method == mid
        if not sel.any():
            continue
        for text in _app_lines(service, name, int(sel.sum()), rng):
            rows = lines.start(t[sel], pod[sel], APP_NAME)
            for piece in text:
                if isinstance(piece, str):
                    rows.text(piece)
                else:
                    piece(rows)
            lines.add(rows)
    f = traffic.failed
    ft, fpod, fmethod, fcode = (f.get(c) for c in ("t", "pod", "method", "code"))
    for (service, name), mid in _sorted_methods():
        for caller, head in (
            ("frontend", f"request error: could not call {GRPC_SERVICE[service]}/{name}"),
            ("checkoutservice", f"failed to {name}"),
        ):
            severity = "error" if caller == "frontend" else "warning"
            callers = SERVICE_OF_POD[fpod] == caller
            for code in range(1, len(CODES)):
                sel = (fmethod == mid) & callers & (fcode == code)
                if not sel.any():
                    continue
                desc = "connection error" if code == UNAVAILABLE else "transport is closing"
                err = f"rpc error: code = {GRPC_NAMES[CODES[code]]} desc = {desc}"
                rows = lines.start(ft[sel], fpod[sel], APP_NAME)
                lines.add(rows.text(f'"severity: {severity}, message: {head}: {err}"'))
    r = traffic.roots
    if len(r.get("t")):
        rows = lines.start(r.get("t"), r.get("pod"), APP_NAME)
        lines.add(rows.text('"severity: debug, message: request complete"'))


def _uuid_piece(rng: np.random.Generator, n: int):
    chars = _uuids(rng, n)
    return lambda rows: rows.fixed(chars)


def _pick_piece(table: Table, idx: np.ndarray):
    return lambda rows: rows.pick(table, idx)


def _int_piece(x: np.ndarray):
    return lambda rows: rows.integer(x)


def _app_lines(service: str, method: str, n: int, rng: np.random.Generator) -> list[list]:
    """Pieces (literal text or column writers) of each line a served call makes the callee log."""

    def info(*pieces) -> list:
        return ['"severity: info, message: ', *pieces, '"']

    if service == "currencyservice":
        if method == "GetSupportedCurrencies":
            return [info("Getting supported currencies...")]
        return [info("received conversion request"), info("conversion request successful")]
    if service == "cartservice":
        start = (
            f"Request starting HTTP/2 POST http://cartservice:7070/hipstershop.CartService/"
            f"{method} application/grpc -"
        )
        if method == "AddItem":
            user, product = _uuid_piece(rng, n), _pick_piece(PRODUCT, rng.integers(0, 9, n))
            return [
                [start],
                [
                    '"AddItemAsync called with userId=',
                    user,
                    ", productId=",
                    product,
                    ', quantity=1"',
                ],
            ]
        return [[start], [f"{method}Async called with userId=", _uuid_piece(rng, n)]]
    if service == "checkoutservice":
        user, currency = _uuid_piece(rng, n), _pick_piece(CURRENCY, rng.integers(0, 6, n))
        return [
            info('[PlaceOrder] user_id=""', user, '"" user_currency=""', currency, '""'),
            info("payment went through (transaction_id: ", _uuid_piece(rng, n), ")"),
        ]
    if service == "shippingservice":
        return [info(f"[{method}] received request"), info(f"[{method}] completed request")]
    if service == "paymentservice":
        card = _int_piece(rng.integers(1000, 9999, n))
        currency = _pick_piece(CURRENCY, rng.integers(0, 6, n))
        units, cents = rng.integers(5, 900, n), rng.integers(0, 100, n)
        return [
            info(
                "Transaction processed: visa ending ",
                card,
                "     Amount: ",
                currency,
                _int_piece(units),
                ".",
                lambda rows: rows.two_digits(cents),
            )
        ]
    if service == "recommendationservice":
        picks = rng.integers(0, 9, (n, 4))
        pieces: list = ["[Recv ListRecommendations] product_ids=["]
        for k in range(4):
            pieces += ["'", _pick_piece(PRODUCT, picks[:, k]), "'" + (", " if k < 3 else "]")]
        return [info(*pieces)]
    if service == "emailservice":
        return [
            info(
                "A request to send order confirmation email to someone@example.com has been received."
            )
        ]
    return []


def redis_lines(block: int, step: int, end: int, rng: np.random.Generator, lines: Lines) -> None:
    """A redis persistence cycle every `step` s: the background-save chatter of both redis pods."""
    times, pods, texts = [], [], []
    for t in range(-(-block // step) * step, end, step):
        for pod in ("redis-cart-0", "redis-cart2-0"):
            pid = int(rng.integers(100, 30000))
            for dt, text in (
                (0, f"1:M {_redis_time(t)} * 100 changes in 300 seconds. Saving..."),
                (0, f"1:M {_redis_time(t)} * Background saving started by pid {pid}"),
                (1, f"{pid}:C {_redis_time(t + 1)} * DB saved on disk"),
                (1, f"1:M {_redis_time(t + 1)} * Background saving terminated with success"),
            ):
                times.append(t + dt)
                pods.append(ALL_PODS.index(pod))
                texts.append(text)
    if texts:
        rows = lines.start(np.array(times), np.array(pods), APP_NAME)
        lines.add(rows.pick(Table(texts), np.arange(len(texts))))


def _redis_time(t: int) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%d %b %Y %H:%M:%S.000")


def proxy_lines(cloudbed: str, traffic: Traffic, rng: np.random.Generator, lines: Lines) -> None:
    """Inbound and outbound access lines of served calls, outbound 503s of refused ones."""
    ip = ips(cloudbed)
    s, f = traffic.served, traffic.failed
    for (service, name), mid in _sorted_methods():
        port, path = PORTS.get(service, 80), f"/hipstershop.{GRPC_SERVICE[service]}/{name}"
        fqdn = f"{service}.ts.svc.cluster.local"
        head = f'"""POST {path} HTTP/2"" '
        sel = s.get("method") == mid
        if sel.any():
            n = int(sel.sum())
            callee, caller = s.get("pod")[sel], s.get("peer")[sel]
            rx, tx, dur = rng.integers(5, 300, n), rng.integers(5, 3000, n), s.get("dur_ms")[sel]
            rid = _uuids(rng, n)
            eph = rng.integers(32768, 61000, (n, 3))
            for side in ("inbound", "outbound"):
                t, pod = (
                    (s.get("t")[sel], callee)
                    if side == "inbound"
                    else (
                        s.get("t_client")[sel],
                        caller,
                    )
                )
                rows = lines.start(t, pod, PROXY_NAME).text(
                    head + "200 - via_upstream - " + '""-"" '
                )
                rows.integer(rx).text(" ").integer(tx).text(" ").integer(dur).text(" ").integer(dur)
                rows.text(' ""-"" ""grpc-go/1.31.0"" ""').fixed(rid)
                rows.text(f'"" ""{service}:{port}"" ""').pick(ip, callee).text(f':{port}"" ')
                if side == "inbound":
                    rows.text(f"inbound|{port}|| 127.0.0.6:").integer(eph[:, 0], width=5).text(" ")
                    rows.pick(ip, callee).text(f":{port} ").pick(ip, caller).text(":")
                    rows.integer(eph[:, 1], width=5).text(f' outbound_.{port}_._.{fqdn} default"')
                else:
                    rows.text(f"outbound|{port}||{fqdn} ").pick(ip, caller).text(":")
                    rows.integer(eph[:, 2], width=5).text(f" {cluster_ip(service)}:{port} ")
                    rows.pick(ip, caller).text(":").integer(eph[:, 0], width=5).text(' - default"')
                lines.add(rows)
        fsel = f.get("method") == mid
        if fsel.any():
            n = int(fsel.sum())
            caller, callee = f.get("pod")[fsel], f.get("peer")[fsel]
            rows = lines.start(f.get("t")[fsel], caller, PROXY_NAME)
            rows.text(head + "503 UF upstream_reset_before_response_started{connection_failure} - ")
            rows.text('""-"" ').integer(rng.integers(5, 300, n)).text(" 91 ")
            rows.integer(rng.integers(0, 6, n)).text(' - ""-"" ""grpc-go/1.31.0"" ""')
            rows.fixed(_uuids(rng, n)).text(f'"" ""{service}:{port}"" ""').pick(ip, callee)
            rows.text(f':{port}"" outbound|{port}||{fqdn} - {cluster_ip(service)}:{port} ')
            rows.pick(ip, caller).text(":").integer(rng.integers(32768, 61000, n), width=5)
            lines.add(rows.text(' - default"'))
