"""The warehouse API's OpenAPI 3.1 document, served at ``/api/v1/openapi.json``.

Kept as a Python dict beside the code it describes, and kept true by the tests: every route
of the blueprint is in it (and nothing else), and a property-based run (Schemathesis) sends
generated requests to every operation and checks each answer against the documented status
codes and schemas. The limits written here (lengths, ranges, patterns) are the ones the views
enforce, so a request the document calls valid is never refused for its shape.
"""

from __future__ import annotations

from typing import Any

from shop.ordering.carriers import CARRIERS

API_PREFIX = "/api/v1"
MAX_LIMIT = 200
DEFAULT_LIMIT = 50
MAX_CURSOR = 2**31 - 1  # order ids are 32-bit integers on PostgreSQL
ORDER_NUMBER_PATTERN = r"^[A-Za-z0-9-]{1,20}$"
LIST_STATUSES = ("to_ship", "shipped")
MAX_CARRIER_LENGTH = 64
MAX_TRACKING_NUMBER_LENGTH = 64
MAX_TRACKING_URL_LENGTH = 500
# A shipment is a few hundred bytes; anything far larger is refused before it is read.
MAX_BODY_BYTES = 16 * 1024

ERROR_CODES = (
    "bad_request",
    "invalid_parameter",
    "unauthorized",
    "not_found",
    "method_not_allowed",
    "conflict",
    "payload_too_large",
    "unsupported_media_type",
    "invalid_field",
    "server_error",
)


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _error_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref("Error")}}}


def _response(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/responses/{name}"}


_DATE_TIME = {"type": "string", "format": "date-time"}
_DATE = {"type": "string", "format": "date"}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "additionalProperties": False,
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message", "field"],
                "additionalProperties": False,
                "properties": {
                    "code": {"type": "string", "enum": list(ERROR_CODES)},
                    "message": {"type": "string", "description": "En français, pour un humain."},
                    "field": {
                        "type": ["string", "null"],
                        "description": "Le champ ou paramètre en cause, s'il y en a un.",
                    },
                },
            }
        },
    },
    "Address": {
        "type": "object",
        "required": ["name", "address", "postcode", "city", "phone"],
        "additionalProperties": False,
        "properties": {
            "name": {"type": "string"},
            "address": {"type": "string"},
            "postcode": {"type": "string"},
            "city": {"type": "string"},
            "phone": {"type": "string"},
        },
    },
    "OrderLine": {
        "type": "object",
        "required": ["reference", "name", "quantity", "unit_weight_grams"],
        "additionalProperties": False,
        "properties": {
            "reference": {"type": "string"},
            "name": {"type": "string"},
            "quantity": {"type": "integer", "minimum": 1},
            "unit_weight_grams": {"type": "integer", "minimum": 0},
        },
    },
    "Tracking": {
        "type": "object",
        "required": ["carrier", "number", "url", "shipped_at"],
        "additionalProperties": False,
        "properties": {
            "carrier": {"type": "string"},
            "number": {"type": "string"},
            "url": {"type": "string"},
            "shipped_at": _DATE_TIME,
        },
    },
    "Order": {
        "type": "object",
        "required": [
            "id",
            "number",
            "validated_number",
            "shop",
            "status",
            "validated_at",
            "delivery_status",
            "invoice_status",
            "customer_reference",
            "entity",
            "delivery_address",
            "shipping",
            "lines",
            "tracking",
            "delivered_at",
        ],  # fmt: skip
        "additionalProperties": False,
        "properties": {
            "id": {"type": "integer", "description": "Sert de curseur de pagination."},
            "number": {"type": "string", "examples": ["2027-03-01-00001"]},
            "validated_number": {"type": "string", "examples": ["C0001"]},
            "shop": {"type": "string", "enum": ["imprimes", "objets"]},
            "status": {
                "type": "string",
                "enum": ["validated", "cancelled"],
                "description": "Une commande annulée par le siège ne peut plus être expédiée.",
            },
            "validated_at": _DATE_TIME,
            "delivery_status": {
                "type": "string",
                "enum": ["preparing", "pooled", "shipped", "delivered"],
            },
            "invoice_status": {
                "type": "string",
                "enum": ["awaiting_invoice", "awaiting_payment", "paid"],
            },
            "customer_reference": {"type": "string"},
            "entity": {
                "type": "object",
                "required": ["code", "name"],
                "additionalProperties": False,
                "properties": {"code": {"type": "string"}, "name": {"type": "string"}},
            },
            "delivery_address": _ref("Address"),
            "shipping": {
                "type": "object",
                "required": ["carrier", "dispatch_date", "estimated_delivery"],
                "additionalProperties": False,
                "properties": {
                    "carrier": {"type": "string", "description": "Le transporteur prévu."},
                    "dispatch_date": _DATE,
                    "estimated_delivery": _DATE,
                },
            },
            "lines": {"type": "array", "items": _ref("OrderLine")},
            "tracking": _nullable(_ref("Tracking")),
            "delivered_at": _nullable(_DATE_TIME),
        },
    },
    "OrderList": {
        "type": "object",
        "required": ["orders", "next_cursor"],
        "additionalProperties": False,
        "properties": {
            "orders": {"type": "array", "items": _ref("Order")},
            "next_cursor": {
                "type": ["integer", "null"],
                "description": "À passer en `cursor` pour la page suivante ; null en fin de liste.",
            },
        },
    },
    "ShipmentRequest": {
        "type": "object",
        "required": ["carrier", "tracking_number"],
        "additionalProperties": False,
        "properties": {
            "carrier": {
                "type": "string",
                "minLength": 1,
                "maxLength": MAX_CARRIER_LENGTH,
                "description": "Un transporteur connu, sans égard à la casse : "
                + ", ".join(CARRIERS),
                "examples": ["Colissimo"],
            },
            "tracking_number": {
                "type": "string",
                "minLength": 1,
                "maxLength": MAX_TRACKING_NUMBER_LENGTH,
                "description": "6 à 40 lettres, chiffres ou tirets ; les espaces sont ignorés.",
                "examples": ["6A12345678901"],
            },
            "tracking_url": {
                "type": "string",
                "maxLength": MAX_TRACKING_URL_LENGTH,
                "description": "Lien https:// de suivi ; par défaut, la page du transporteur.",
            },
        },
    },
    "DeliveryRequest": {
        "type": "object",
        "additionalProperties": False,
        "properties": {},
        "description": "Aucun champ : le corps peut aussi être vide.",
    },
}

RESPONSES: dict[str, Any] = {
    "BadRequest": _error_response(
        "JSON mal formé, paramètre de requête non valide ou inconnu (`error.field`)."
    ),
    "Unauthorized": {
        "description": "Jeton absent, inconnu ou révoqué.",
        "headers": {
            "WWW-Authenticate": {"schema": {"type": "string"}, "required": True},
        },
        "content": {"application/json": {"schema": _ref("Error")}},
    },
    "NotFound": _error_response(
        "Commande inconnue, non validée, ou d'une autre boutique que celle du client."
    ),
    "Conflict": _error_response(
        "L'état de la commande ne permet pas ce passage (déjà expédiée, pas encore expédiée, "
        "annulée…)."
    ),
    "PayloadTooLarge": _error_response("Corps de requête trop volumineux."),
    "UnsupportedMediaType": _error_response("Le corps doit être du JSON (application/json)."),
    "Unprocessable": _error_response("Un champ est absent ou non valide : voir `error.field`."),
}

_NUMBER = {
    "name": "number",
    "in": "path",
    "required": True,
    "description": "Numéro de confirmation (C0001) ou numéro d'enregistrement de la commande.",
    "schema": {"type": "string", "pattern": ORDER_NUMBER_PATTERN},
    "example": "C0001",
}

_SECURED = [{"bearerAuth": []}]


def _order_ok(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref("Order")}}}


def _body_errors() -> dict[str, Any]:
    return {
        "400": _response("BadRequest"),
        "401": _response("Unauthorized"),
        "404": _response("NotFound"),
        "409": _response("Conflict"),
        "413": _response("PayloadTooLarge"),
        "415": _response("UnsupportedMediaType"),
        "422": _response("Unprocessable"),
    }


PATHS: dict[str, Any] = {
    f"{API_PREFIX}/openapi.json": {
        "get": {
            "operationId": "getOpenApi",
            "summary": "Ce document",
            "security": [],
            "responses": {
                "200": {
                    "description": "Le document OpenAPI de l'API.",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                },
                "400": _response("BadRequest"),
            },
        }
    },
    f"{API_PREFIX}/orders": {
        "get": {
            "operationId": "listOrders",
            "summary": "Les commandes validées de la boutique du client",
            "description": "Triées par `id` croissant ; paginées par curseur.",
            "security": _SECURED,
            "parameters": [
                {
                    "name": "status",
                    "in": "query",
                    "description": "`to_ship` : en préparation ou en mutualisation ; "
                    "`shipped` : expédiées, pas encore livrées.",
                    "schema": {"type": "string", "enum": list(LIST_STATUSES), "default": "to_ship"},
                },
                {
                    "name": "limit",
                    "in": "query",
                    "schema": {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": MAX_LIMIT,
                        "default": DEFAULT_LIMIT,
                    },
                },
                {
                    "name": "cursor",
                    "in": "query",
                    "description": "Le `next_cursor` de la page précédente.",
                    "schema": {"type": "integer", "minimum": 0, "maximum": MAX_CURSOR},
                },
            ],
            "responses": {
                "200": {
                    "description": "Une page de commandes.",
                    "content": {"application/json": {"schema": _ref("OrderList")}},
                },
                "400": _response("BadRequest"),
                "401": _response("Unauthorized"),
            },
        }
    },
    f"{API_PREFIX}/orders/{{number}}": {
        "get": {
            "operationId": "getOrder",
            "summary": "Une commande validée",
            "security": _SECURED,
            "parameters": [_NUMBER],
            "responses": {
                "200": _order_ok("La commande."),
                "400": _response("BadRequest"),
                "401": _response("Unauthorized"),
                "404": _response("NotFound"),
            },
        }
    },
    f"{API_PREFIX}/orders/{{number}}/shipment": {
        "post": {
            "operationId": "shipOrder",
            "summary": "Déclarer le départ des marchandises (« Expédiée »)",
            "description": "Déduit le stock, enregistre le suivi et envoie au commanditaire "
            "l'email d'expédition avec le lien de suivi. Une seule expédition par commande : "
            "la seconde reçoit 409.",
            "security": _SECURED,
            "parameters": [_NUMBER],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": _ref("ShipmentRequest"),
                        "example": {"carrier": "Colissimo", "tracking_number": "6A12345678901"},
                    }
                },
            },
            "responses": {"200": _order_ok("La commande, expédiée."), **_body_errors()},
        }
    },
    f"{API_PREFIX}/orders/{{number}}/delivery": {
        "post": {
            "operationId": "deliverOrder",
            "summary": "Déclarer la commande livrée (« Livrée »)",
            "security": _SECURED,
            "parameters": [_NUMBER],
            "requestBody": {
                "required": False,
                "content": {"application/json": {"schema": _ref("DeliveryRequest")}},
            },
            "responses": {"200": _order_ok("La commande, livrée."), **_body_errors()},
        }
    },
}


def query_parameters(path: str, method: str) -> frozenset[str]:
    """The query parameters an operation defines (the views refuse any other)."""
    operation = PATHS.get(path, {}).get(method, {})
    return frozenset(p["name"] for p in operation.get("parameters", []) if p["in"] == "query")


def openapi_document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "API logistique de la boutique des imprimés et objets",
            "version": "1.0.0",
            "description": "Pour les systèmes d'entrepôt : lister les commandes validées à "
            "expédier, déclarer leur expédition et leur livraison. Chaque client API ne voit "
            "que les commandes de sa boutique (imprimés ou objets) ; toute autre commande "
            "répond 404, comme une commande inexistante. Une méthode non prévue répond 405.",
        },
        "paths": PATHS,
        "components": {
            "schemas": SCHEMAS,
            "responses": RESPONSES,
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "Le jeton du client API, créé par un administrateur siège.",
                }
            },
        },
    }
