"""The warehouse API: tokens, shop scoping, shipping and delivery, errors, concurrency, admin."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from shop.api import clients as api_clients
from shop.clock import shop_timezone, utcnow
from shop.extensions import db
from shop.models import (
    Account,
    ApiClient,
    AuditEntry,
    DeliveryStatus,
    Order,
    OrderEvent,
    Product,
    ShopKind,
    StockMovement,
)
from shop.ordering import fulfilment, orders
from shop.ordering.workflow import Actor

# --- factories ----------------------------------------------------------------------------


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def ship(client, token: str, number: str, **body):
    body = body or {"carrier": "Colissimo", "tracking_number": "6A 1234 5678 901"}
    return client.post(f"/api/v1/orders/{number}/shipment", json=body, headers=bearer(token))


def deliver(client, token: str, number: str):
    return client.post(f"/api/v1/orders/{number}/delivery", headers=bearer(token))


def error_of(response) -> dict:
    assert response.mimetype == "application/json", response.get_data(as_text=True)[:200]
    return response.get_json()["error"]


def order_state(app, order_id: int) -> tuple:
    with app.app_context():
        order = db.session.get(Order, order_id)
        return order.delivery_status, order.tracking_number


# --- authentication -----------------------------------------------------------------------


def test_every_operation_needs_a_valid_token(app, client, api_token, validated_order):
    order_id, number, _ = validated_order()
    good = api_token()
    revoked = api_token()
    with app.app_context():
        row = db.session.scalar(
            select(ApiClient).where(
                ApiClient.token_hash == hashlib.sha256(revoked.encode()).hexdigest()
            )
        )
        api_clients.revoke(row, utcnow())
        db.session.commit()
    calls = [
        ("get", "/api/v1/orders"),
        ("get", f"/api/v1/orders/{number}"),
        ("post", f"/api/v1/orders/{number}/shipment"),
        ("post", f"/api/v1/orders/{number}/delivery"),
    ]
    refused_headers = [
        {},
        bearer("shp_not-a-real-token"),
        bearer(revoked),
        {"Authorization": f"Basic {good}"},
        {"Authorization": "Bearer"},
        bearer("x" * 5000),
    ]
    for method, url in calls:
        for headers in refused_headers:
            response = getattr(client, method)(url, headers=headers)
            assert response.status_code == 401, (url, headers)
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
            # The same answer whatever failed: nothing tells a guesser which part was wrong.
            assert error_of(response) == {
                "code": "unauthorized",
                "message": "Jeton d'accès absent, invalide ou révoqué.",
                "field": None,
            }
        assert getattr(client, method)(url, headers=bearer(good)).status_code != 401
    assert order_state(app, order_id) == (DeliveryStatus.PREPARING, None)


def test_a_signed_in_browser_is_not_an_api_client(app, login_as):
    admin = login_as("siege-admin")
    assert admin.get("/admin/comptes").status_code == 200  # the session works here…
    response = admin.client.get("/api/v1/orders")  # …but does not open the API
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"
    assert "Set-Cookie" not in response.headers


def test_tokens_are_stored_only_as_their_hash(app, api_token):
    token = api_token(name="Entrepôt Nord")
    with app.app_context():
        row = db.session.scalar(select(ApiClient).where(ApiClient.name == "Entrepôt Nord"))
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token.startswith(row.token_hint) and len(row.token_hint) < len(token) // 3
        stored = " ".join(str(getattr(row, c.key)) for c in ApiClient.__table__.columns)
        assert token not in stored
        assert token[len(row.token_hint) :] not in stored


def test_last_use_is_recorded_at_most_once_a_minute(app, client, api_token):
    token = api_token(name="Entrepôt Sud")

    def last_used():
        with app.app_context():
            return db.session.scalar(
                select(ApiClient.last_used_at).where(ApiClient.name == "Entrepôt Sud")
            )

    assert last_used() is None
    start = utcnow().replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        assert client.get("/api/v1/orders", headers=bearer(token)).status_code == 200
    assert last_used().replace(tzinfo=None) == start.replace(tzinfo=None)
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        client.get("/api/v1/orders", headers=bearer(token))
    assert last_used().replace(tzinfo=None) == start.replace(tzinfo=None)
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        client.get("/api/v1/orders", headers=bearer(token))
    assert last_used().replace(tzinfo=None) == (start + timedelta(seconds=61)).replace(tzinfo=None)


def test_the_openapi_document_needs_no_token(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.get_json()["openapi"].startswith("3.")


# --- one shop per client ------------------------------------------------------------------


def test_a_client_never_sees_nor_moves_another_shops_orders(
    app, client, api_token, validated_order
):
    printed_id, printed_number, _ = validated_order(ShopKind.PRINTED)
    objects_id, objects_number, _ = validated_order(ShopKind.OBJECTS)
    printed = api_token(ShopKind.PRINTED)
    objects = api_token(ShopKind.OBJECTS)

    listed = client.get("/api/v1/orders", headers=bearer(printed)).get_json()["orders"]
    assert [o["validated_number"] for o in listed] == [printed_number]
    listed = client.get("/api/v1/orders", headers=bearer(objects)).get_json()["orders"]
    assert [o["validated_number"] for o in listed] == [objects_number]

    missing = client.get("/api/v1/orders/C9999", headers=bearer(printed))
    assert missing.status_code == 404
    with app.app_context():
        saving_number = db.session.get(Order, objects_id).number
    for number in (objects_number, saving_number):
        for response in (
            client.get(f"/api/v1/orders/{number}", headers=bearer(printed)),
            ship(client, printed, number),
            deliver(client, printed, number),
        ):
            # Exactly the answer for an order that does not exist.
            assert response.status_code == 404
            assert response.get_json() == missing.get_json()
    assert order_state(app, objects_id) == (DeliveryStatus.PREPARING, None)
    assert ship(client, objects, objects_number).status_code == 200
    assert order_state(app, printed_id) == (DeliveryStatus.PREPARING, None)


def test_only_validated_orders_are_visible(app, client, api_token, orderer, create_product, fill):
    product = create_product(stock=10)
    fill(orderer, [(product, 2)])
    with app.app_context():
        saved = orders.save_basket(db.session.get(Account, orderer), utcnow(), shop_timezone(), 1)
        db.session.commit()
        number = saved.number
    token = api_token()
    assert client.get("/api/v1/orders", headers=bearer(token)).get_json()["orders"] == []
    assert client.get(f"/api/v1/orders/{number}", headers=bearer(token)).status_code == 404
    assert ship(client, token, number).status_code == 404


# --- the warehouse's day: list, ship, deliver ---------------------------------------------


def test_list_ship_and_deliver(app, client, api_token, validated_order, outbox):
    order_id, number, product_id = validated_order(quantity=4, stock=50)
    token = api_token(name="Entrepôt Logidis")

    [listed] = client.get("/api/v1/orders", headers=bearer(token)).get_json()["orders"]
    assert listed["validated_number"] == number and listed["id"] == order_id
    assert (listed["delivery_status"], listed["invoice_status"]) == (
        "preparing",
        "awaiting_invoice",
    )
    assert listed["validated_at"].endswith("Z") and listed["tracking"] is None
    assert listed["entity"]["code"] == "S001" and listed["customer_reference"] == "REF-1"
    assert listed["delivery_address"]["city"] and listed["shipping"]["carrier"]
    [line] = listed["lines"]
    assert (line["quantity"], line["unit_weight_grams"]) == (4, 250)
    assert line["reference"].startswith("TEST-")
    # The saving number and any case find the same order.
    by_saving_number = client.get(f"/api/v1/orders/{listed['number']}", headers=bearer(token))
    assert by_saving_number.get_json() == listed
    assert client.get(f"/api/v1/orders/{number.lower()}", headers=bearer(token)).status_code == 200

    response = ship(client, token, number)
    assert response.status_code == 200, response.get_json()
    shipped = response.get_json()
    assert shipped["delivery_status"] == "shipped"
    assert shipped["tracking"]["carrier"] == "Colissimo"
    assert shipped["tracking"]["number"] == "6A12345678901"
    assert shipped["tracking"]["url"] == (
        "https://www.laposte.fr/outils/suivre-vos-envois?code=6A12345678901"
    )
    assert shipped["tracking"]["shipped_at"].endswith("Z")
    with app.app_context():
        product = db.session.get(Product, product_id)
        assert (product.stock_on_hand, product.reserved_quantity) == (46, 0)
        movement = db.session.scalars(
            select(StockMovement).where(StockMovement.product_id == product_id)
        ).one()
        assert (movement.delta, movement.stock_after) == (-4, 46)
        assert number in movement.reason
        event = db.session.scalars(
            select(OrderEvent).where(
                OrderEvent.order_id == order_id, OrderEvent.transition == "ship"
            )
        ).one()
        client_id = db.session.scalar(
            select(ApiClient.id).where(ApiClient.name == "Entrepôt Logidis")
        )
        assert (event.api_client_id, event.actor_id, event.actor_label) == (
            client_id,
            None,
            "Entrepôt Logidis",
        )
    [mail] = outbox("order-shipped")
    assert mail.recipient == "racer0@example.org"
    assert "suivre-vos-envois?code=6A12345678901" in mail.body_text

    assert client.get("/api/v1/orders", headers=bearer(token)).get_json()["orders"] == []
    in_transit = client.get("/api/v1/orders?status=shipped", headers=bearer(token)).get_json()
    assert in_transit["orders"] == [shipped]

    again = ship(client, token, number, carrier="DPD", tracking_number="250012345678")
    assert again.status_code == 409
    assert error_of(again)["code"] == "conflict"
    assert "« Expédiée »" in error_of(again)["message"] and number in error_of(again)["message"]
    assert order_state(app, order_id) == (DeliveryStatus.SHIPPED, "6A12345678901")
    assert len(outbox("order-shipped")) == 1

    delivered = deliver(client, token, number)
    assert delivered.status_code == 200
    assert delivered.get_json()["delivery_status"] == "delivered"
    assert delivered.get_json()["delivered_at"].endswith("Z")
    assert deliver(client, token, number).status_code == 409
    assert client.get("/api/v1/orders?status=shipped", headers=bearer(token)).get_json() == {
        "orders": [],
        "next_cursor": None,
    }


def test_delivery_before_shipping_is_refused(app, client, api_token, validated_order):
    order_id, number, _ = validated_order()
    token = api_token()
    response = client.post(f"/api/v1/orders/{number}/delivery", json={}, headers=bearer(token))
    assert response.status_code == 409
    assert "« En cours de préparation »" in error_of(response)["message"]
    assert order_state(app, order_id) == (DeliveryStatus.PREPARING, None)


def test_an_order_cancelled_by_head_office_cannot_ship(app, client, api_token, validated_order):
    order_id, number, _ = validated_order()
    with app.app_context():
        admin = db.session.scalar(select(Account).where(Account.identifier == "siege-admin"))
        fulfilment.cancel(order_id, Actor.of(admin), utcnow(), "Doublon")
        db.session.commit()
    token = api_token()
    shown = client.get(f"/api/v1/orders/{number}", headers=bearer(token)).get_json()
    assert shown["status"] == "cancelled"
    assert client.get("/api/v1/orders", headers=bearer(token)).get_json()["orders"] == []
    assert ship(client, token, number).status_code == 409


def test_pages_follow_the_cursor(app, client, api_token, validated_order):
    numbers = [validated_order()[1] for _ in range(5)]
    token = api_token()
    seen, cursor, pages = [], None, 0
    while True:
        url = "/api/v1/orders?limit=2" + (f"&cursor={cursor}" if cursor is not None else "")
        page = client.get(url, headers=bearer(token)).get_json()
        seen += [o["validated_number"] for o in page["orders"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert (seen, pages) == (numbers, 3)
    everything = client.get("/api/v1/orders?limit=200", headers=bearer(token)).get_json()
    assert len(everything["orders"]) == 5 and everything["next_cursor"] is None


def test_the_list_reads_as_many_statements_for_30_orders_as_for_2(
    client, api_token, validated_order, count_queries
):
    """Each order's lines, products and entity come with the page, never one per order."""
    token = api_token()

    def statements(url: str) -> tuple[int, int]:
        with count_queries() as counter:
            page = client.get(url, headers=bearer(token)).get_json()
        return len(page["orders"]), counter.count

    for _ in range(2):
        validated_order()
    statements("/api/v1/orders")  # the connections and caches warm up
    few = statements("/api/v1/orders"), statements("/api/v1/orders?limit=200&cursor=0")
    for _ in range(28):
        validated_order()
    many = statements("/api/v1/orders"), statements("/api/v1/orders?limit=200&cursor=0")
    assert [count for _rows, count in many] == [count for _rows, count in few]
    assert [rows for rows, _count in few + many] == [2, 2, 30, 30]


@pytest.mark.parametrize(
    "query, field",
    [
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=abc", "limit"),
        ("limit=1_0", "limit"),
        ("limit=-1", "limit"),
        ("cursor=99999999999", "cursor"),
        ("cursor=9223372036854775808", "cursor"),
        ("cursor=%00", "cursor"),
        ("cursor=", "cursor"),
        ("cursor=%C2%B2", "cursor"),  # ², a digit to str.isdigit
        ("limit=%D9%A3", "limit"),  # the Arabic-Indic 3, a digit to int()
        ("limit=1e3", "limit"),
        ("limit=%205", "limit"),
        ("status=delivered", "status"),
        ("stauts=shipped", "stauts"),
    ],
)
def test_bad_query_parameters_are_400(client, api_token, query, field):
    response = client.get(f"/api/v1/orders?{query}", headers=bearer(api_token()))
    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid_parameter"
    assert error_of(response)["field"] == field


# --- what a client can get wrong ----------------------------------------------------------


@pytest.mark.parametrize(
    "body, field, words",
    [
        ({"carrier": "La Pie Voyageuse", "tracking_number": "6A12345678901"}, "carrier", "inconnu"),
        ({"carrier": "DPD", "tracking_number": "12 3"}, "tracking_number", "6 à 40"),
        ({"carrier": "DPD", "tracking_number": "ABC$DEF#123"}, "tracking_number", "6 à 40"),
        (
            {"carrier": "DPD", "tracking_number": "250012345678", "tracking_url": "http://x.fr/1"},
            "tracking_url",
            "https://",
        ),
        (
            {"carrier": "DPD", "tracking_number": "250012345678", "tracking_url": "https://x\x00"},
            "tracking_url",
            "https://",
        ),
        ({"tracking_number": "250012345678"}, "carrier", "1 à 64"),
        ({"carrier": 7, "tracking_number": "250012345678"}, "carrier", "texte"),
        ({"carrier": "DPD", "tracking_number": None}, "tracking_number", "texte"),
        ({"carrier": "DPD", "tracking_number": "2" * 65}, "tracking_number", "1 à 64"),
        ({"carrier": "DPD", "tracking_number": "250012345678", "colis": 2}, "colis", "inconnu"),
    ],
)
def test_invalid_shipment_fields_are_422_with_the_field(
    app, client, api_token, validated_order, body, field, words
):
    order_id, number, _ = validated_order()
    response = ship(client, api_token(), number, **body)
    assert response.status_code == 422
    error = error_of(response)
    assert (error["code"], error["field"]) == ("invalid_field", field)
    assert words in error["message"]
    assert order_state(app, order_id) == (DeliveryStatus.PREPARING, None)


def test_malformed_requests_get_json_errors(app, client, api_token, validated_order):
    order_id, number, _ = validated_order()
    token = api_token()
    url = f"/api/v1/orders/{number}/shipment"
    json_headers = {**bearer(token), "Content-Type": "application/json"}
    cases = [
        (client.post(url, data="{carrier: DPD", headers=json_headers), 400, "bad_request"),
        (client.post(url, data=b"\xff\xfe{", headers=json_headers), 400, "bad_request"),
        (client.post(url, data="[1, 2]", headers=json_headers), 400, "bad_request"),
        (client.post(url, data="[" * 100_000, headers=json_headers), 413, "payload_too_large"),
        (client.post(url, data="", headers=json_headers), 400, "bad_request"),
        (
            client.post(url, data="carrier=DPD", headers=bearer(token)),
            415,
            "unsupported_media_type",
        ),
        (client.put(url, json={}, headers=bearer(token)), 405, "method_not_allowed"),
        (client.get(url, headers=bearer(token)), 405, "method_not_allowed"),
        (client.get("/api/v1/commandes", headers=bearer(token)), 404, "not_found"),
        (client.get("/api/v2/orders", headers=bearer(token)), 404, "not_found"),
        (client.get(f"/api/v1/orders/{'9' * 300}", headers=bearer(token)), 404, "not_found"),
        (client.get("/api/v1/orders/C0001%00", headers=bearer(token)), 404, "not_found"),
        (
            client.post(f"/api/v1/orders/{number}/delivery", json={"x": 1}, headers=bearer(token)),
            422,
            "invalid_field",
        ),
    ]
    for response, status, code in cases:
        assert (response.status_code, error_of(response)["code"]) == (status, code)
        assert error_of(response)["message"]
    assert cases[6][0].headers["Allow"]  # a 405 says what is allowed
    deep = client.post(url, data="[" * 8_000 + "]" * 8_000, headers=json_headers)
    assert deep.status_code == 400
    assert order_state(app, order_id) == (DeliveryStatus.PREPARING, None)


def test_a_crash_is_a_json_500(app, client, api_token, validated_order, monkeypatch):
    _, number, _ = validated_order()
    token = api_token()

    def crash(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(fulfilment, "ship", crash)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    response = ship(client, token, number)
    assert response.status_code == 500
    assert error_of(response)["code"] == "server_error"
    assert "disk on fire" not in response.get_data(as_text=True)


# --- at the same time ---------------------------------------------------------------------


def test_two_clients_shipping_one_order_at_once_ship_it_once(
    app, api_token, validated_order, outbox, race
):
    order_id, number, product_id = validated_order(quantity=4, stock=20)
    tokens = [api_token(), api_token()]

    def shipper(token, tracking):
        def work():
            response = ship(
                app.test_client(), token, number, carrier="GLS", tracking_number=tracking
            )
            return response.status_code, response.get_json()

        return work

    results = race([shipper(tokens[0], "GLS000001"), shipper(tokens[1], "GLS000002")])
    assert sorted(status for status, _ in results) == [200, 409], results
    [(_, winner)] = [r for r in results if r[0] == 200]
    [(_, loser)] = [r for r in results if r[0] == 409]
    assert "« Expédiée »" in loser["error"]["message"]
    assert order_state(app, order_id) == (DeliveryStatus.SHIPPED, winner["tracking"]["number"])
    with app.app_context():
        assert db.session.get(Product, product_id).stock_on_hand == 16
        assert db.session.query(StockMovement).count() == 1
        assert db.session.query(OrderEvent).filter_by(transition="ship").count() == 1
    assert len(outbox("order-shipped")) == 1


def test_the_api_and_the_logistician_shipping_at_once_ship_it_once(
    app, api_token, validated_order, account_id, race
):
    order_id, number, product_id = validated_order(quantity=2, stock=20)
    token = api_token()
    logistician = account_id("logistique")

    def by_api():
        return ship(app.test_client(), token, number).status_code

    def by_hand():
        details = fulfilment.shipment("DPD", "250012345678")
        account = db.session.get(Account, logistician)
        fulfilment.ship(order_id, details, Actor.of(account), utcnow())
        return 200

    results = race([by_api, by_hand])
    outcomes = sorted(r if isinstance(r, int) else 409 for r in results)
    assert outcomes == [200, 409], results
    refused = [r for r in results if not isinstance(r, int)]
    assert not refused or isinstance(refused[0], fulfilment.workflow.TransitionError)
    with app.app_context():
        assert db.session.get(Product, product_id).stock_on_hand == 18
        assert db.session.query(OrderEvent).filter_by(transition="ship").count() == 1


# --- head-office administration -----------------------------------------------------------


def test_admin_creates_a_client_and_sees_its_token_once(app, login_as, client):
    admin = login_as("siege-admin")
    form = admin.get("/admin/clients-api/nouveau")
    assert form.status_code == 200
    response = admin.post(
        "/admin/clients-api/nouveau", {"name": "  Entrepôt   Est ", "shop": "objets"}
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert "il ne sera plus jamais affiché" in page
    token = page.split('data-testid="api-token" value="')[1].split('"')[0]
    assert token.startswith("shp_") and len(token) > 40

    listing = admin.get("/admin/clients-api/").get_data(as_text=True)
    assert "Entrepôt Est" in listing and "Les objets" in listing and token[:10] in listing
    assert token not in listing
    with app.app_context():
        row = db.session.scalar(select(ApiClient).where(ApiClient.name == "Entrepôt Est"))
        assert row.shop is ShopKind.OBJECTS and row.created_by.identifier == "siege-admin"
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "api_client.create")
        )
        assert entry.target_label == "Entrepôt Est" and token not in json.dumps(entry.changes)
    assert client.get("/api/v1/orders", headers=bearer(token)).status_code == 200

    again = admin.post("/admin/clients-api/nouveau", {"name": "Entrepôt Est", "shop": "imprimes"})
    assert "Un client API porte déjà ce nom." in again.get_data(as_text=True)


def test_admin_revokes_and_regenerates(app, login_as, client, api_token):
    old = api_token(name="Entrepôt Ouest")
    with app.app_context():
        client_id = db.session.scalar(
            select(ApiClient.id).where(ApiClient.name == "Entrepôt Ouest")
        )
    admin = login_as("siege-admin")
    admin.get("/admin/clients-api/")

    regenerated = admin.post(f"/admin/clients-api/{client_id}/jeton")
    assert regenerated.status_code == 200
    new = regenerated.get_data(as_text=True).split('data-testid="api-token" value="')[1]
    new = new.split('"')[0]
    assert new != old
    assert client.get("/api/v1/orders", headers=bearer(old)).status_code == 401
    assert client.get("/api/v1/orders", headers=bearer(new)).status_code == 200

    revoked = admin.post(f"/admin/clients-api/{client_id}/revocation", follow_redirects=True)
    assert "est révoqué" in revoked.get_data(as_text=True)
    assert client.get("/api/v1/orders", headers=bearer(new)).status_code == 401
    # Revoked is final: no new token for it.
    refused = admin.post(f"/admin/clients-api/{client_id}/jeton", follow_redirects=True)
    assert "révoqué : créez-en un nouveau" in refused.get_data(as_text=True)
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.target_type == "apiclient")
        ).all()
        # api_token created it through the domain, which records the creation too.
        assert sorted(actions) == [
            "api_client.create",
            "api_client.regenerate",
            "api_client.revoke",
        ]
    assert admin.post("/admin/clients-api/9999/revocation").status_code == 404


def test_only_head_office_admins_manage_api_clients(app, login_as, api_token, browser):
    api_token(name="Entrepôt")
    with app.app_context():
        client_id = db.session.scalar(select(ApiClient.id))
    for identifier in ("mgen-sd01", "logistique"):
        other = login_as(identifier)
        assert other.get("/admin/clients-api/").status_code == 403
        assert other.get("/admin/clients-api/nouveau").status_code == 403
        assert other.get("/admin/clients-api/documentation").status_code == 403
        assert other.post(f"/admin/clients-api/{client_id}/revocation").status_code == 403
        assert other.post(f"/admin/clients-api/{client_id}/jeton").status_code == 403
    assert browser.get("/admin/clients-api/").status_code == 302  # to the login page
    admin = login_as("siege-admin")
    assert admin.post(f"/admin/clients-api/{client_id}/revocation", csrf=False).status_code == 400
    with app.app_context():
        assert db.session.get(ApiClient, client_id).revoked_at is None


def test_admin_reads_the_api_reference(login_as):
    admin = login_as("siege-admin")
    page = admin.get("/admin/clients-api/documentation").get_data(as_text=True)
    assert "POST /api/v1/orders/{number}/shipment" in page
    assert "/api/v1/openapi.json" in page
    nav = admin.get("/admin/comptes").get_data(as_text=True)
    assert "/admin/clients-api/" in nav


def test_cli_creates_a_client_and_prints_its_token(app, client):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-api-client", "Entrepôt CLI", "--shop", "imprimes"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert token.startswith("shp_") and "\n" not in token
    assert "Entrepôt CLI" in result.stderr
    assert client.get("/api/v1/orders", headers=bearer(token)).status_code == 200
    duplicate = runner.invoke(args=["create-api-client", "Entrepôt CLI", "--shop", "objets"])
    assert duplicate.exit_code != 0 and "déjà" in duplicate.output
    assert runner.invoke(args=["create-api-client", "X", "--shop", "tout"]).exit_code != 0


def test_two_admins_naming_two_clients_alike_at_once_get_a_message(app, demo, race):
    def creator():
        return api_clients.create_client("Entrepôt Lyon", ShopKind.PRINTED, None, utcnow())[0].name

    results = race([creator, creator])
    assert sorted(type(r).__name__ for r in results) == ["ApiClientError", "str"], results
    refused = next(r for r in results if isinstance(r, api_clients.ApiClientError))
    assert "porte déjà ce nom" in str(refused)
