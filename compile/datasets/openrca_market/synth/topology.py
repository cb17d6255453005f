"""The Online Boutique call graph the Market cloudbeds ran, as trace templates and mesh edges.

A template is a tree of calls; each call names the callee service and the gRPC method. The
frontend's root span is an HTTP server span. Span `type`/`status_code` per callee follow the
language of its tracer (measured mix: rpc 69 %, telemetry 13 %, http 8 %, empty 6 %, db 4 %;
status 0 / Ok on db / 200 on http / OK on the Python services).
"""

from __future__ import annotations

from dataclasses import dataclass

from replaybed.compile.datasets.openrca_market.catalog import SERVICES

GRPC_SERVICE = {
    "cartservice": "CartService",
    "currencyservice": "CurrencyService",
    "productcatalogservice": "ProductCatalogService",
    "recommendationservice": "RecommendationService",
    "adservice": "AdService",
    "checkoutservice": "CheckoutService",
    "shippingservice": "ShippingService",
    "paymentservice": "PaymentService",
    "emailservice": "EmailService",
}
# server-side span flavour per service: (operation prefix, span type, ok status)
SERVER_STYLE = {
    "currencyservice": ("grpc.", "telemetry", "0"),
    "paymentservice": ("grpc.", "telemetry", "0"),
    "emailservice": ("", "", "OK"),
    "recommendationservice": ("", "", "OK"),
}
DEFAULT_STYLE = ("", "rpc", "0")
ERROR_CODES = ("2", "13", "9", "4", "1", "14")
OK_CODES = ("0", "Ok", "OK", "200")


@dataclass(frozen=True)
class Call:
    service: str
    method: str
    children: tuple[Call, ...] = ()


def _c(service: str, method: str, *children: Call) -> Call:
    return Call(service, method, children)


_REDIS = (_c("redis", "HGET"),)
_GET_CART = _c("cartservice", "GetCart", *_REDIS)
_CONVERT = _c("currencyservice", "Convert")
_CURRENCIES = _c("currencyservice", "GetSupportedCurrencies")
_LIST = _c("productcatalogservice", "ListProducts")
_GET_PRODUCT = _c("productcatalogservice", "GetProduct")
_ADS = _c("adservice", "GetAds")
_RECOMMEND = _c("recommendationservice", "ListRecommendations", _LIST)

# (HTTP route of the frontend root span, calls it makes)
TEMPLATES: tuple[tuple[str, tuple[Call, ...]], ...] = (
    ("/", (_CURRENCIES, _LIST, _GET_CART, _CONVERT, _CONVERT, _ADS)),
    ("/product/{id}", (_GET_PRODUCT, _CURRENCIES, _GET_CART, _CONVERT, _RECOMMEND, _ADS)),
    (
        "/cart",
        (
            _CURRENCIES,
            _GET_CART,
            _RECOMMEND,
            _GET_PRODUCT,
            _c("shippingservice", "GetQuote"),
            _CONVERT,
        ),
    ),
    (
        "/cart/add",
        (_GET_PRODUCT, _c("cartservice", "AddItem", _c("redis", "HMSET"), _c("redis", "EXPIRE"))),
    ),
    (
        "/cart/checkout",
        (
            _c(
                "checkoutservice",
                "PlaceOrder",
                _GET_CART,
                _GET_PRODUCT,
                _CONVERT,
                _c("shippingservice", "GetQuote"),
                _CONVERT,
                _c("paymentservice", "Charge"),
                _c("shippingservice", "ShipOrder"),
                _c("cartservice", "EmptyCart", _c("redis", "HMSET"), _c("redis", "EXPIRE")),
                _c("emailservice", "SendOrderConfirmation"),
            ),
            _CURRENCIES,
            _RECOMMEND,
        ),
    ),
    ("/setCurrency", ()),
    ("/logout", ()),
)
# weights of the templates in normal traffic (home and product pages dominate)
TEMPLATE_WEIGHTS = (30, 40, 10, 8, 6, 4, 2)


def client_operation(call: Call) -> str:
    if call.service == "redis":
        return call.method
    return f"hipstershop.{GRPC_SERVICE[call.service]}/{call.method}"


def server_operation(call: Call) -> str:
    prefix = SERVER_STYLE.get(call.service, DEFAULT_STYLE)[0]
    return prefix + client_operation(call)


def http_operation(route: str) -> str:
    return f"HTTP {'POST' if route in ('/cart/add', '/cart/checkout', '/setCurrency', '/logout') else 'GET'} {route}"


def _walk(calls: tuple[Call, ...]):
    for call in calls:
        yield call
        yield from _walk(call.children)


def operations() -> tuple[str, ...]:
    """Every operation name the generator writes (27, as in a real day)."""
    names = {http_operation(route) for route, _ in TEMPLATES}
    for _, calls in TEMPLATES:
        for call in _walk(calls):
            names.add(client_operation(call))
            if call.service != "redis":
                names.add(server_operation(call))
    return tuple(sorted(names))


def templates_with(service: str) -> tuple[int, ...]:
    """Indexes of the templates whose calls reach `service` (the frontend is in all of them)."""
    if service == "frontend":
        return tuple(range(len(TEMPLATES)))
    return tuple(
        i
        for i, (_, calls) in enumerate(TEMPLATES)
        if any(c.service == service for c in _walk(calls))
    )


def edges() -> tuple[tuple[str, str], ...]:
    """(caller service, callee service) pairs of the mesh, including the redis backend."""
    pairs = set()

    def visit(caller: str, calls: tuple[Call, ...]):
        for call in calls:
            callee = "redis-cart" if call.service == "redis" else call.service
            pairs.add((caller, callee))
            visit(call.service, call.children)

    for _, calls in TEMPLATES:
        visit("frontend", calls)
    return tuple(sorted(pairs))


assert set(GRPC_SERVICE) | {"frontend"} == set(SERVICES)
