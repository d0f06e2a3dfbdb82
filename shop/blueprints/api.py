"""The warehouse API (``/api/v1``): JSON in, JSON out, a bearer token per client.

No cookie and no session here: the token alone says who calls, so a signed-in browser gets
401 like anyone else, and CSRF (which protects cookie sessions) does not apply. A client sees
and moves only the validated orders of its own shop; any other order is "not found", the same
answer as an order that does not exist, so one client cannot even learn another's numbers.

Every answer under ``/api/`` is JSON, errors included (``{"error": {code, message, field}}``,
messages in French): domain errors become 404/409/422 here, and :func:`_json_errors_only`
turns the application's HTML error pages (unknown URL, wrong method, crash) into the same
shape. The views are thin: they check the request's shape against the limits documented in
:mod:`shop.api.openapi` and call :mod:`shop.ordering.fulfilment`, which locks the order, asks
the state machine and does the work; the request's boundary (:mod:`shop.web.boundary`)
commits when the view returns, the client's "last used" mark with the rest.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from shop.api import clients as api_clients
from shop.api import openapi as api_spec
from shop.api import orders as api_orders
from shop.clock import utcnow
from shop.errors import DomainError
from shop.extensions import csrf
from shop.models import ApiClient, Order
from shop.ordering import fulfilment, workflow
from shop.ordering.workflow import Actor
from shop.web.params import parse_int

bp = Blueprint("api", __name__, url_prefix=api_spec.API_PREFIX)
csrf.exempt(bp)

NUMBER_RE = re.compile(api_spec.ORDER_NUMBER_PATTERN)
STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_field",
}
STATUS_MESSAGES = {
    400: _l("Requête mal formée."),
    401: _l("Jeton d'accès absent, invalide ou révoqué."),
    404: _l("Ressource introuvable."),
    405: _l("Méthode non autorisée pour cette adresse."),
    409: _l("L'état de la commande ne permet pas cette opération."),
    413: _l("Le corps de la requête est trop volumineux."),
    415: _l("Le corps de la requête doit être du JSON (application/json)."),
    422: _l("Champ non valide."),
    500: _l("Erreur interne : l'opération n'a pas été faite. Réessayez plus tard."),
}
ORDER_NOT_FOUND = _l("Commande introuvable.")


class ApiError(Exception):
    """An answer other than 2xx, raised anywhere in a view."""

    def __init__(self, status: int, message=None, field: str | None = None, code: str = ""):
        super().__init__(status)
        self.status = status
        self.message = message if message is not None else STATUS_MESSAGES[status]
        self.field = field
        self.code = code or STATUS_CODES.get(status, "server_error")


def error_response(status: int, message=None, field: str | None = None, code: str = "") -> Response:
    error = ApiError(status, message, field, code)
    with force_locale("fr"):  # the API speaks French, whatever a browser cookie says
        text = str(error.message)
    response = jsonify({"error": {"code": error.code, "message": text, "field": error.field}})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


# --- the request's edges: authentication, body, errors ------------------------------------


@bp.before_request
def _speak_french() -> None:
    """Messages and state labels in French for the whole request, whatever the language a
    browser cookie might ask for (the exit is in :func:`_stop_speaking_french`)."""
    g.api_locale = force_locale("fr")
    g.api_locale.__enter__()


@bp.teardown_request
def _stop_speaking_french(_error: BaseException | None) -> None:
    forced = g.pop("api_locale", None)
    if forced is not None:
        forced.__exit__(None, None, None)


@bp.before_request
def _authenticate() -> Response | None:
    request.max_content_length = api_spec.MAX_BODY_BYTES
    if request.endpoint == "api.openapi":
        return None
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    client = None
    if scheme.lower() == "bearer":
        client = api_clients.authenticate(token.strip(), utcnow())
    if client is None:
        return error_response(401)
    g.api_client = client
    return None


@bp.before_request
def _known_query_parameters_only() -> None:
    """A misspelt parameter (``?stauts=shipped``) would silently list the wrong orders:
    refuse what the operation's documentation does not define."""
    path = request.url_rule.rule.replace("<", "{").replace(">", "}")
    method = "get" if request.method == "HEAD" else request.method.lower()
    unknown = sorted(set(request.args) - api_spec.query_parameters(path, method))
    if unknown:
        raise ApiError(
            400,
            _l("Paramètre inconnu : « %(name)s ».", name=unknown[0][:64]),
            field=unknown[0][:64],
            code="invalid_parameter",
        )


def _client() -> ApiClient:
    return g.api_client


def _json_body(required: bool) -> dict[str, Any]:
    """The request's JSON object; an empty body counts as ``{}`` where none is required."""
    raw = request.get_data(cache=True)  # over the size limit: 413, raised by Werkzeug
    if not raw.strip():
        if required:
            raise ApiError(400, _l("Le corps de la requête doit être un objet JSON."))
        return {}
    if not request.is_json:
        raise ApiError(415)
    try:
        payload = json.loads(raw)
    except (ValueError, RecursionError) as error:  # bad JSON, bad UTF-8, absurd nesting
        raise ApiError(400, _l("Le corps de la requête n'est pas du JSON valide.")) from error
    if not isinstance(payload, dict):
        raise ApiError(400, _l("Le corps de la requête doit être un objet JSON."))
    return payload


def _text_field(payload: dict, name: str, max_length: int, required: bool) -> str:
    if name not in payload and not required:
        return ""
    value = payload.get(name)
    if not isinstance(value, str) or (required and not value) or len(value) > max_length:
        raise ApiError(
            422,
            _l(
                "« %(field)s » doit être un texte de %(min)s à %(max)s caractères.",
                field=name,
                min=1 if required else 0,
                max=max_length,
            ),
            field=name,
        )
    return value


def _no_other_fields(payload: dict, allowed: set[str]) -> None:
    unknown = sorted(set(payload) - allowed)
    if unknown:
        raise ApiError(
            422, _l("Champ inconnu : « %(field)s ».", field=unknown[0][:64]), field=unknown[0][:64]
        )


@bp.errorhandler(ApiError)
def _api_error(error: ApiError):
    return error_response(error.status, error.message, error.field, error.code)


def domain_error_response(error: DomainError) -> Response:
    """The JSON answer to a refused action (called by the app-wide handler of
    :mod:`shop.web.boundary`, after the request's work was rolled back)."""
    if isinstance(error, fulfilment.OrderMissing):
        return error_response(404, ORDER_NOT_FOUND)
    if isinstance(error, workflow.TransitionError):
        return error_response(409, error.message)
    if error.field:
        return error_response(422, error.message, error.field)
    # A rule refused the move for the order's sake (e.g. not enough stock on hand).
    return error_response(409, error.message)


def _status_error(status: int) -> Response:
    """The JSON error for a bare HTTP status (a status we never answer on purpose borrows
    the generic client or server error's wording, and keeps its own number)."""
    known = status if status in STATUS_MESSAGES else (400 if status < 500 else 500)
    response = error_response(known)
    response.status_code = status
    return response


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    return _status_error(error.code or 500)


@bp.after_app_request
def _json_errors_only(response: Response) -> Response:
    """Errors raised before a view is chosen (unknown URL, wrong method) or left unhandled
    (crash) are rendered by the application's HTML error pages: under the API, replace them
    by the JSON error the clients parse."""
    if request.path != "/api" and not request.path.startswith("/api/"):
        return response
    if response.status_code < 400 or response.mimetype == "application/json":
        return response
    status = response.status_code
    replacement = _status_error(status)
    if status == 405:  # the HTML page dropped the exception's Allow header: say it again
        adapter = current_app.url_map.bind_to_environ(request.environ)
        replacement.headers["Allow"] = ", ".join(sorted(adapter.allowed_methods()))
    return replacement


# --- what the clients see of an order -----------------------------------------------------


def _instant(value) -> str | None:
    # UTCDateTime columns come back aware, in UTC, from both databases.
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def order_json(order: Order) -> dict[str, Any]:
    tracking = None
    if order.tracking_number:
        tracking = {
            "carrier": order.tracking_carrier,
            "number": order.tracking_number,
            "url": order.tracking_url or "",
            "shipped_at": _instant(order.shipped_at),
        }
    return {
        "id": order.id,
        "number": order.number,
        "validated_number": order.validated_number,
        "shop": order.shop.value,
        "status": order.status.value,
        "validated_at": _instant(order.validated_at),
        "delivery_status": order.delivery_status.value,
        "invoice_status": order.invoice_status.value,
        "customer_reference": order.customer_reference,
        "entity": {"code": order.entity.code, "name": order.entity.name},
        "delivery_address": {
            "name": order.delivery_name,
            "address": order.delivery_address,
            "postcode": order.delivery_postcode,
            "city": order.delivery_city,
            "phone": order.delivery_phone,
        },
        "shipping": {
            "carrier": order.shipping_carrier,
            "dispatch_date": order.dispatch_date.isoformat(),
            "estimated_delivery": order.estimated_delivery.isoformat(),
        },
        "lines": [
            {
                "reference": line.product.reference,
                "name": line.product.name,
                "quantity": line.quantity,
                "unit_weight_grams": line.product.weight_grams,
            }
            for line in order.lines
        ],
        "tracking": tracking,
        "delivered_at": _instant(order.delivered_at),
    }


def _query_integer(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    # The document's integers have no blanks around them: " 5" is refused, as documented.
    value = parse_int(raw, minimum=low, maximum=high) if raw == raw.strip() else None
    if value is None:
        raise ApiError(
            400,
            _l(
                "Le paramètre « %(name)s » doit être un entier de %(low)s à %(high)s.",
                name=name,
                low=low,
                high=high,
            ),
            field=name,
            code="invalid_parameter",
        )
    return value


def _order_id(number: str) -> int:
    """The id of the client's order with this number; 404 for anything else."""
    order_id = None
    if NUMBER_RE.fullmatch(number):
        order_id = fulfilment.find_order_id(number, shop=_client().shop)
    if order_id is None:
        raise ApiError(404, ORDER_NOT_FOUND)
    return order_id


def _answer(order_id: int) -> Response:
    """The order as it now stands (the request's changes flushed)."""
    order = fulfilment.validated_order(order_id)
    if order is None:
        raise ApiError(404, ORDER_NOT_FOUND)
    return jsonify(order_json(order))


# --- the endpoints ------------------------------------------------------------------------


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(api_spec.openapi_document())


@bp.get("/orders")
def list_orders() -> Response:
    status = request.args.get("status", "to_ship")
    if status not in api_orders.LIST_FILTERS:
        raise ApiError(
            400,
            _l("Le paramètre « status » vaut to_ship ou shipped."),
            field="status",
            code="invalid_parameter",
        )
    limit = _query_integer("limit", api_spec.DEFAULT_LIMIT, 1, api_spec.MAX_LIMIT)
    cursor = _query_integer("cursor", 0, 0, api_spec.MAX_CURSOR)
    page = api_orders.order_page(_client().shop, status, limit, cursor)
    return jsonify(
        {
            "orders": [order_json(order) for order in page.orders],
            "next_cursor": page.next_cursor,
        }
    )


@bp.get("/orders/<number>")
def get_order(number: str) -> Response:
    return _answer(_order_id(number))


@bp.post("/orders/<number>/shipment")
def ship_order(number: str) -> Response:
    payload = _json_body(required=True)
    _no_other_fields(payload, {"carrier", "tracking_number", "tracking_url"})
    carrier = _text_field(payload, "carrier", api_spec.MAX_CARRIER_LENGTH, required=True)
    tracking_number = _text_field(
        payload, "tracking_number", api_spec.MAX_TRACKING_NUMBER_LENGTH, required=True
    )
    tracking_url = _text_field(
        payload, "tracking_url", api_spec.MAX_TRACKING_URL_LENGTH, required=False
    )
    details = fulfilment.shipment(carrier, tracking_number, tracking_url)
    order_id = _order_id(number)
    client = _client()
    fulfilment.ship(order_id, details, Actor.api(client), utcnow(), shop=client.shop)
    return _answer(order_id)


@bp.post("/orders/<number>/delivery")
def deliver_order(number: str) -> Response:
    _no_other_fields(_json_body(required=False), set())
    order_id = _order_id(number)
    client = _client()
    fulfilment.deliver(order_id, Actor.api(client), utcnow(), shop=client.shop)
    return _answer(order_id)
