"""After validation: confirmation numbers, pooling, shipping, delivery, invoicing, cancelling,
the picking list, shipments in bulk from a CSV, and who may do what."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from io import BytesIO
from urllib.parse import quote

from pypdf import PdfReader

from shop.clock import shop_timezone, utcnow
from shop.extensions import db
from shop.models import (
    Account,
    AuditEntry,
    DeliveryStatus,
    InvoiceStatus,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    Product,
    StockMovement,
)
from shop.ordering import fulfilment, numbers, orders
from shop.ordering.lifecycle import expire_due_orders
from shop.ordering.workflow import Actor


def load(app, order_id: int) -> Order:
    with app.app_context():
        order = db.session.get(Order, order_id)
        db.session.expunge(order)
        return order


def stock(app, product_id: int) -> tuple[int, int]:
    with app.app_context():
        product = db.session.get(Product, product_id)
        return product.stock_on_hand, product.reserved_quantity


def events(app, order_id: int) -> list[tuple[str, str | None, str]]:
    with app.app_context():
        return [
            (e.transition, e.to_state, e.actor_label)
            for e in db.session.query(OrderEvent).filter_by(order_id=order_id).order_by("id")
        ]


def test_validated_orders_are_numbered_without_gaps_even_at_once(
    app, demo, create_product, fill, make_orderers, race, validate
):
    product = create_product(stock=1000)
    racers = make_orderers(6)
    saved = []
    for account_id in racers:
        fill(account_id, [(product, 1)])
        with app.app_context():
            account = db.session.get(Account, account_id)
            saved.append(orders.save_basket(account, utcnow(), shop_timezone(), 1).id)
            db.session.commit()

    def validator(account_id, order_id):
        def work():
            return validate(db.session.get(Account, account_id), order_id).validated_number

        return work

    # One of them fails after taking its number: the number is given back (gap-free).
    def failing():
        numbers.next_validated_number()
        raise RuntimeError("rolled back")

    results = race([validator(a, o) for a, o in zip(racers, saved, strict=True)] + [failing])
    assert isinstance(results[-1], RuntimeError)
    assert sorted(results[:-1]) == [f"C{n:04d}" for n in range(1, 7)]


def test_the_logistician_pools_ships_and_delivers(
    app, login_as, create_product, outbox, sd01, validated_order_for
):
    leaflet = create_product(name="Dépliant « Santé »", stock=100, weight_grams=250)
    order_id = validated_order_for(sd01, [(leaflet, 40)])
    assert load(app, order_id).validated_number == "C0001"
    assert stock(app, leaflet) == (100, 40)  # still reserved once validated

    logistician = login_as("logistique")
    page = logistician.get("/logistique/").get_data(as_text=True)
    assert "C0001" in page and "MGEN SECTION DE L&#39;AIN" in page
    response = logistician.post("/logistique/mutualiser", {"order_id": str(order_id)})
    assert response.status_code == 302
    assert load(app, order_id).delivery_status is DeliveryStatus.POOLED

    response = logistician.post(
        f"/logistique/commande/{order_id}/expedier",
        {"carrier": "Chronopost", "tracking_number": "XY 1234 5678 9FR"},
        follow_redirects=True,
    )
    assert "expédiée (Chronopost XY123456789FR)" in response.get_data(as_text=True)
    order = load(app, order_id)
    assert order.delivery_status is DeliveryStatus.SHIPPED
    assert order.tracking_url.endswith("listeNumerosLT=XY123456789FR")
    # The reservation became a stock movement: on hand and reserved both went down.
    assert stock(app, leaflet) == (60, 0)
    with app.app_context():
        movement = db.session.query(StockMovement).filter_by(product_id=leaflet).one()
        assert (movement.delta, movement.stock_after) == (-40, 60)
        assert "C0001" in movement.reason
    [mail] = outbox("order-shipped")
    assert mail.recipient == "mgen-sd01@boutique.example"
    assert "C0001" in mail.subject and order.tracking_url in mail.body_text

    # Shipping twice is refused, and changes nothing.
    again = logistician.post(
        f"/logistique/commande/{order_id}/expedier",
        {"carrier": "DPD", "tracking_number": "250012345678"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "est « Expédiée » : impossible de la marquer « Expédiée »" in again
    assert stock(app, leaflet) == (60, 0) and len(outbox("order-shipped")) == 1

    logistician.post(f"/logistique/commande/{order_id}/livrer")
    assert load(app, order_id).delivery_status is DeliveryStatus.DELIVERED
    assert [(t, s) for t, s, _who in events(app, order_id)] == [
        ("save", "saved"),
        ("validate", "validated"),
        ("pool", "pooled"),
        ("ship", "shipped"),
        ("deliver", "delivered"),
    ]
    assert events(app, order_id)[3][2] == "Bruno Lemoine"


def test_the_orderer_follows_the_order_to_delivery(
    app, login_as, create_product, sd01, validated_order_for
):
    product = create_product(stock=50)
    order_id = validated_order_for(sd01, [(product, 5)])
    with app.app_context():
        details = fulfilment.shipment("colissimo", "6A12345678901")
        fulfilment.ship(order_id, details, Actor("logistician", "Logisticien"), utcnow())
        db.session.commit()
    director = login_as("mgen-sd01")
    account = director.get("/mon-compte").get_data(as_text=True)
    assert "En cours de livraison" in account
    assert "N° de suivi Colissimo : 6A12345678901" in account
    assert "https://www.laposte.fr/outils/suivre-vos-envois?code=6A12345678901" in account
    assert "Expédiée" in account and "En attente de facturation" in account
    page = director.get(f"/commande/{order_id}").get_data(as_text=True)
    assert "Suivre la livraison" in page and "Historique" in page
    # The confirmation PDF, named after its number.
    pdf = director.get(f"/commande/{order_id}/pdf")
    assert 'filename="commande-C0001.pdf"' in pdf.headers["Content-Disposition"]
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(pdf.data)).pages)
    assert "Confirmation de commande — C0001" in text


def test_head_office_invoices_and_records_the_payment(
    app, login_as, create_product, sd01, validated_order_for
):
    order_id = validated_order_for(sd01, [(create_product(), 1)])
    admin = login_as("siege-admin")
    admin.post(f"/logistique/commande/{order_id}/facturation/invoice")
    assert load(app, order_id).invoice_status is InvoiceStatus.AWAITING_PAYMENT
    admin.post(f"/logistique/commande/{order_id}/facturation/pay")
    assert load(app, order_id).invoice_status is InvoiceStatus.PAID
    # Paying twice is refused with a message; a logistician may not invoice at all.
    page = admin.post(
        f"/logistique/commande/{order_id}/facturation/pay", follow_redirects=True
    ).get_data(as_text=True)
    assert "est « Payée » : impossible de la marquer « Payée »" in page
    other = validated_order_for(sd01, [(create_product(), 1)])
    page = (
        login_as("logistique")
        .post(f"/logistique/commande/{other}/facturation/invoice", follow_redirects=True)
        .get_data(as_text=True)
    )
    assert "Votre compte ne permet pas de marquer « En attente de paiement »" in page
    assert load(app, other).invoice_status is InvoiceStatus.AWAITING_INVOICE


def test_head_office_cancels_before_shipping_and_the_stock_returns(
    app, login_as, create_product, outbox, sd01, validated_order_for
):
    product = create_product(stock=30)
    order_id = validated_order_for(sd01, [(product, 30)])
    admin = login_as("siege-admin")
    refused = admin.post(f"/logistique/commande/{order_id}/annuler", {"reason": "  "})
    assert refused.status_code == 400
    assert load(app, order_id).status is OrderStatus.VALIDATED
    admin.post(f"/logistique/commande/{order_id}/annuler", {"reason": "Doublon"})
    order = load(app, order_id)
    assert (order.status, order.cancel_reason) == (OrderStatus.CANCELLED, "head_office")
    assert order.validated_number == "C0001"  # numbers are never reused
    assert stock(app, product) == (30, 0)
    [mail] = outbox("order-cancelled")
    assert "Doublon" in mail.body_text
    pdf = login_as("mgen-sd01").get(f"/commande/{order_id}/pdf")
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(pdf.data)).pages)
    assert "Commande annulée — C0001" in text and "Confirmation" not in text
    # A cancelled order cannot be shipped.
    page = (
        login_as("logistique")
        .post(
            f"/logistique/commande/{order_id}/expedier",
            {"carrier": "DPD", "tracking_number": "250012345678"},
            follow_redirects=True,
        )
        .get_data(as_text=True)
    )
    assert "impossible de la marquer « Expédiée »" in page
    # Without a reason either, the order says why it cannot be cancelled (its form, with the
    # « requis » message, is no longer shown).
    again = admin.post(f"/logistique/commande/{order_id}/annuler", {}, follow_redirects=True)
    assert "impossible de l'annuler" in html.unescape(again.get_data(as_text=True))
    empty = login_as("logistique").post(
        f"/logistique/commande/{order_id}/expedier", {}, follow_redirects=True
    )
    assert "impossible de la marquer « Expédiée »" in empty.get_data(as_text=True)


def test_bad_shipment_details_are_refused_beside_the_field(
    app, login_as, create_product, sd01, validated_order_for
):
    product = create_product(stock=10)
    order_id = validated_order_for(sd01, [(product, 2)])
    logistician = login_as("logistique")
    for data, message in [
        ({"carrier": "DPD", "tracking_number": "12"}, "Numéro de suivi non valide"),
        ({"carrier": "DPD", "tracking_number": "<script>x</script>"}, "Numéro de suivi"),
        ({"carrier": "Pigeon", "tracking_number": "250012345678"}, "pas un choix valide"),
        (
            {"carrier": "DPD", "tracking_number": "250012345678", "tracking_url": "javascript:x"},
            "https://",
        ),
    ]:
        response = logistician.post(f"/logistique/commande/{order_id}/expedier", data)
        assert response.status_code == 400, data
        assert message in response.get_data(as_text=True)
    assert load(app, order_id).delivery_status is DeliveryStatus.PREPARING
    assert stock(app, product) == (10, 2)


def test_only_staff_reach_the_logistics_pages_and_only_validated_orders(
    app, login_as, create_product, client, fill, sd01, validated_order_for
):
    product = create_product(stock=10)
    order_id = validated_order_for(sd01, [(product, 1)])
    director = login_as("mgen-sd01")
    for url in ["/logistique/", "/logistique/commandes", f"/logistique/commande/{order_id}"]:
        assert director.get(url).status_code == 403
    assert director.post(f"/logistique/commande/{order_id}/livrer").status_code == 403
    assert client.get("/logistique/").status_code == 302  # to the login page
    logistician = login_as("logistique")
    assert logistician.get("/logistique/commande/999999").status_code == 404
    fill(sd01, [(product, 1)])
    with app.app_context():
        account = db.session.get(Account, sd01)
        saved = orders.save_basket(account, utcnow(), shop_timezone(), 1).id
        db.session.commit()
    assert logistician.get(f"/logistique/commande/{saved}").status_code == 404
    assert logistician.post(f"/logistique/commande/{saved}/livrer").status_code == 404
    assert logistician.post("/logistique/mutualiser", {"order_id": "abc"}).status_code == 400


def test_the_picking_list_groups_orders_by_delivery_address(
    app, login_as, create_product, sd01, validated_order_for
):
    first = create_product(reference="TEST-AFF-A3", name="Affiche « Été »", weight_grams=120)
    second = create_product(reference="TEST-DEPL", name="Dépliant TMS", weight_grams=30)
    same = dict(name="Salle des fêtes", address="3 rue de l'Église", postcode="01000", city="Bourg")
    a = validated_order_for(sd01, [(first, 10)], **same)
    b = validated_order_for(sd01, [(second, 20)], **same)
    c = validated_order_for(sd01, [(second, 5)])
    logistician = login_as("logistique")
    page = logistician.get("/logistique/").get_data(as_text=True)
    assert page.count('data-testid="address-group"') == 2
    response = logistician.get("/logistique/bon-de-preparation.pdf")
    assert response.mimetype == "application/pdf"
    reader = PdfReader(BytesIO(response.data))
    pages = [p.extract_text() for p in reader.pages]
    assert len(pages) == 2
    together = next(p for p in pages if "Salle des fêtes" in p)
    assert "3 rue de l'Église" in together and "Affiche « Été »" in together
    assert "C0001" in together and "C0002" in together and "C0003" not in together
    assert "1,8 kg" in together  # 10 × 120 g + 20 × 30 g
    only_c = logistician.get(f"/logistique/bon-de-preparation.pdf?order_id={c}")
    assert len(PdfReader(BytesIO(only_c.data)).pages) == 1
    assert {a, b}  # both listed above


SHIPMENTS_CSV = "commande;transporteur;numero_suivi\r\nC0001;chronopost;XY123456789FR\r\n"


def test_shipments_in_bulk_from_a_csv(
    app, login_as, create_product, outbox, sd01, validated_order_for
):
    product = create_product(stock=100)
    first = validated_order_for(sd01, [(product, 10)])
    second = validated_order_for(sd01, [(product, 20)])
    logistician = login_as("logistique")

    def upload(text: str, encoding: str = "utf-8"):
        return logistician.post(
            "/logistique/import",
            {"file": (BytesIO(text.encode(encoding)), "expeditions.csv")},
            content_type="multipart/form-data",
        )

    # One bad line: nothing is shipped, each problem reported with its line.
    bad = upload(
        "commande,transporteur,numero_suivi\r\n"
        "C0001,Chronopost,XY123456789FR\r\n"
        "C0009,DPD,250012345678\r\n"
        "C0002,Pigeon voyageur,250012345678\r\n"
        "C0001,DPD,250012345678\r\n"
    )
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert "Commande « C0009 » introuvable." in text
    assert "Transporteur inconnu : « Pigeon voyageur »." in text
    assert "Commande déjà présente à la ligne 2." in text
    assert load(app, first).delivery_status is DeliveryStatus.PREPARING
    assert stock(app, product) == (100, 30) and outbox("order-shipped") == []

    # Windows-1252 with semicolons, as a spreadsheet saves it.
    good = upload(SHIPMENTS_CSV + "C0002;Colissimo;6A12345678901\r\n", "cp1252")
    assert good.status_code == 200, good.get_data(as_text=True)
    assert "2 commandes expédiées" in good.get_data(as_text=True)
    assert load(app, first).tracking_carrier == "Chronopost"
    assert load(app, second).delivery_status is DeliveryStatus.SHIPPED
    assert stock(app, product) == (70, 0) and len(outbox("order-shipped")) == 2

    # The same file again: both already left, nothing moves.
    again = upload(SHIPMENTS_CSV)
    assert again.status_code == 400
    assert "impossible de la marquer « Expédiée »" in again.get_data(as_text=True)
    assert stock(app, product) == (70, 0)

    for broken in ["", "a,b\r\n1,2\r\n", "commande,transporteur,numero_suivi\r\n"]:
        response = upload(broken)
        assert response.status_code == 400
    png = logistician.post(
        "/logistique/import",
        {"file": (BytesIO(b"\x89PNG\r\n\x1a\n\x00\x00"), "x.csv")},
        content_type="multipart/form-data",
    )
    assert png.status_code == 400 and "pas un fichier CSV" in png.get_data(as_text=True)


def test_two_logisticians_shipping_the_same_order_at_once(
    app, demo, create_product, race, sd01, validated_order_for
):
    product = create_product(stock=50)
    order_id = validated_order_for(sd01, [(product, 50)])

    def shipper(carrier, number):
        def work():
            details = fulfilment.shipment(carrier, number)
            order = fulfilment.ship(order_id, details, Actor("logistician", carrier), utcnow())
            return order.tracking_carrier

        return work

    results = race([shipper("DPD", "250012345678"), shipper("GLS", "ZH12345678")])
    won = [r for r in results if isinstance(r, str)]
    lost = [r for r in results if isinstance(r, Exception)]
    assert len(won) == 1 and len(lost) == 1, results
    assert "est « Expédiée »" in str(lost[0])
    assert stock(app, product) == (0, 0)  # the stock left once
    order = load(app, order_id)
    assert order.tracking_carrier == won[0]
    assert [t for t, _s, _w in events(app, order_id)].count("ship") == 1


def test_the_logistics_pages_read_a_constant_number_of_statements(
    app, login_as, create_product, count_queries, make_orderers, sd01, validated_order_for
):
    products = [create_product(stock=1000) for _ in range(3)]
    logistician = login_as("logistique")
    admin = login_as("siege-admin")

    def statements(browser, url):
        with count_queries() as counter:
            assert browser.get(url).status_code == 200
        return counter.count

    validated_order_for(sd01, [(products[0], 1)])
    few = (statements(logistician, "/logistique/"), statements(admin, "/logistique/commandes"))
    for account_id, product in zip(make_orderers(3), products, strict=True):
        validated_order_for(account_id, [(product, 1), (products[0], 2)])
    with app.app_context():  # another section, another address, other accounts
        allier = db.session.query(Account.id).filter_by(identifier="mgen-ar01").scalar()
    validated_order_for(allier, [(products[1], 1)])
    assert (
        statements(logistician, "/logistique/"),
        statements(admin, "/logistique/commandes"),
    ) == few


def test_a_cancelled_order_is_never_invoiced(
    app, login_as, create_product, sd01, validated_order_for
):
    order_id = validated_order_for(sd01, [(create_product(), 1)])
    admin = login_as("siege-admin")
    admin.post(f"/logistique/commande/{order_id}/annuler", {"reason": "Erreur de saisie"})
    page = admin.get(f"/logistique/commande/{order_id}").get_data(as_text=True)
    assert "marquer « En attente de paiement »" not in page
    refused = admin.post(
        f"/logistique/commande/{order_id}/facturation/invoice", follow_redirects=True
    ).get_data(as_text=True)
    assert "est « Annulée » : impossible de la marquer « En attente de paiement »" in refused
    assert load(app, order_id).invoice_status is InvoiceStatus.AWAITING_INVOICE


def test_malformed_input_is_refused_without_an_error_page(
    app, login_as, create_product, sd01, validated_order_for
):
    order_id = validated_order_for(sd01, [(create_product(), 1)])
    logistician = login_as("logistique")
    assert logistician.get("/logistique/bon-de-preparation.pdf?order_id=%C2%B2").status_code == 400
    assert logistician.post("/logistique/mutualiser", {"order_id": "²"}).status_code == 400
    assert logistician.get("/logistique/commandes?page=99999999999999999999").status_code == 404
    assert logistician.get("/logistique/commandes?page=0").status_code == 404
    assert logistician.get("/logistique/commandes?q=%00").status_code == 400
    response = logistician.post(f"/logistique/commande/{order_id}/annuler", {"reason": "a\x00b"})
    assert response.status_code == 400
    assert load(app, order_id).status is OrderStatus.VALIDATED


def test_the_picking_list_of_the_ticked_orders_is_posted(
    app, login_as, create_product, sd01, validated_order_for
):
    product = create_product(stock=100)
    first = validated_order_for(sd01, [(product, 1)])
    validated_order_for(sd01, [(product, 2)], name="Ailleurs", address="1 rue B")
    logistician = login_as("logistique")
    response = logistician.post("/logistique/bon-de-preparation.pdf", {"order_id": str(first)})
    assert response.mimetype == "application/pdf"
    assert len(PdfReader(BytesIO(response.data)).pages) == 1
    nothing = logistician.post("/logistique/bon-de-preparation.pdf", {}, follow_redirects=True)
    assert "Sélectionnez au moins une commande." in nothing.get_data(as_text=True)


def test_shipping_never_takes_units_that_other_orders_hold(
    app, login_as, create_product, fill, make_orderers, sd01, validated_order_for
):
    product = create_product(stock=10)
    order_id = validated_order_for(sd01, [(product, 5)])
    with app.app_context():  # an order that somehow lost its reservation (older data)
        db.session.query(OrderLine).filter_by(order_id=order_id).update({"reserved_quantity": 0})
        db.session.query(Product).filter_by(id=product).update({"reserved_quantity": 0})
        db.session.commit()
    [other] = make_orderers(1)
    fill(other, [(product, 10)])
    with app.app_context():
        orders.save_basket(db.session.get(Account, other), utcnow(), shop_timezone(), 1)
        db.session.commit()
    page = (
        login_as("logistique")
        .post(
            f"/logistique/commande/{order_id}/expedier",
            {"carrier": "DPD", "tracking_number": "250012345678"},
            follow_redirects=True,
        )
        .get_data(as_text=True)
    )
    assert "Stock insuffisant" in page
    assert stock(app, product) == (10, 10)
    assert load(app, order_id).delivery_status is DeliveryStatus.PREPARING


def test_the_lists_read_as_many_statements_for_30_orders_as_for_2(
    app, login_as, create_product, count_queries, validated_order_for, make_orderers
):
    """The orders to prepare, their picking list and the validated orders (filtered or not)
    load each order's lines, products, account and entity with the page, never per row."""
    products = [create_product(stock=1000) for _ in range(3)]
    accounts = make_orderers(3)
    logistician = login_as("logistique")
    urls = [
        "/logistique/",
        "/logistique/?boutique=imprimes",
        "/logistique/bon-de-preparation.pdf",
        "/logistique/commandes",
        "/logistique/commandes?livraison=preparing&facturation=awaiting_invoice&q=C00",
    ]

    def add_orders(first: int, last: int) -> None:
        for n in range(first, last):  # one place of delivery in three: groups grow too
            validated_order_for(
                accounts[n % 3],
                [(products[n % 3], 1), (products[(n + 1) % 3], 2)],
                name=f"Salle {n % 10}",
            )

    def statements() -> list[int]:
        counts = []
        for url in urls:
            with count_queries() as counter:
                response = logistician.get(url)
            assert response.status_code == 200, url
            counts.append(counter.count)
        return counts

    add_orders(0, 2)
    statements()  # the connections and caches warm up
    few = statements()
    add_orders(2, 30)
    page = logistician.get("/logistique/commandes").get_data(as_text=True)
    assert "C0030" in page and "C0001" in page
    assert statements() == few


def test_the_order_page_reads_as_many_statements_for_30_lines_and_steps_as_for_2(
    app, login_as, create_product, count_queries, validated_order_for, sd01
):
    products = [create_product(stock=1000) for _ in range(30)]
    small = validated_order_for(sd01, [(product, 1) for product in products[:2]])
    large = validated_order_for(sd01, [(product, 1) for product in products])
    with app.app_context():  # a long history: steps noted on the order
        for order_id, count in ((small, 0), (large, 28)):
            db.session.add_all(
                OrderEvent(
                    order_id=order_id,
                    transition="note",
                    track="order",
                    to_state="validated",
                    actor_label="Bruno Lemoine",
                    note=f"Étape {n}",
                )
                for n in range(count)
            )
        db.session.commit()
    admin = login_as("siege-admin")

    def statements(order_id: int) -> int:
        with count_queries() as counter:
            response = admin.get(f"/logistique/commande/{order_id}")
        assert response.status_code == 200
        return counter.count

    assert len(events(app, small)) == 2 and len(events(app, large)) == 30
    statements(small)  # the connections and caches warm up
    assert statements(large) == statements(small)


def test_the_validated_orders_list_filters_by_status_and_number(
    app, login_as, create_product, validated_order_for, sd01
):
    product = create_product(stock=100)
    preparing, shipped, cancelled = (validated_order_for(sd01, [(product, 1)]) for _ in range(3))
    with app.app_context():
        logistician = Actor("logistician", "Logisticien")
        details = fulfilment.shipment("DPD", "250012345678")
        fulfilment.ship(shipped, details, logistician, utcnow())
        fulfilment.cancel(cancelled, Actor("head_office_admin", "Siège"), utcnow(), "Doublon")
        db.session.commit()
    assert (load(app, preparing).validated_number, load(app, cancelled).validated_number) == (
        "C0001",
        "C0003",
    )
    admin = login_as("siege-admin")

    def listed(query: str) -> list[str]:
        page = admin.get(f"/logistique/commandes?{query}").get_data(as_text=True)
        return re.findall(r'/logistique/commande/\d+">(C\d{4})<', page)

    assert listed("") == ["C0003", "C0002", "C0001"]  # the latest first
    # A cancelled order keeps its delivery and invoicing statuses but matches neither.
    assert listed("livraison=preparing") == ["C0001"]
    assert listed("livraison=shipped") == ["C0002"]
    assert listed("livraison=annulee") == ["C0003"]
    assert listed("facturation=awaiting_invoice") == ["C0002", "C0001"]
    assert listed("livraison=shipped&facturation=awaiting_invoice") == ["C0002"]
    assert listed("q=c0002") == ["C0002"]
    assert listed("q=-000") == listed("")  # saving numbers (2027-01-12-00001) match too
    assert listed("q=%25") == listed("q=_") == []  # typed, not wildcards
    assert listed("livraison=inconnue&facturation=0") == listed("")


def test_a_bulk_import_with_one_refused_shipment_ships_none(
    app, login_as, create_product, outbox, validated_order_for, sd01
):
    product = create_product(stock=100)
    first = validated_order_for(sd01, [(product, 10)])
    second = validated_order_for(sd01, [(product, 20)])
    with app.app_context():  # the second one already left
        details = fulfilment.shipment("DPD", "250012345678")
        fulfilment.ship(second, details, Actor("logistician", "Logisticien"), utcnow())
        db.session.commit()
    response = login_as("logistique").post(
        "/logistique/import",
        {"file": (BytesIO(f"{SHIPMENTS_CSV}C0002;DPD;250099999999\r\n".encode()), "e.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Aucune commande n&#39;a été expédiée" in text
    assert "impossible de la marquer « Expédiée »" in text
    # The first line could ship, and did not: stock, history and e-mail alike.
    assert load(app, first).delivery_status is DeliveryStatus.PREPARING
    assert stock(app, product) == (80, 10)
    assert [t for t, _s, _w in events(app, first)] == ["save", "validate"]
    assert len(outbox("order-shipped")) == 1


ODD_VALUES = ["²", "٣", "-1", "0", "9223372036854775808", "1e3", "", "\x00", "x" * 10_000]


def test_odd_input_anywhere_is_refused_without_an_error_page(
    app, login_as, create_product, validated_order_for, sd01
):
    order_id = validated_order_for(sd01, [(create_product(), 1)])
    admin = login_as("siege-admin")
    statuses = set()
    for value in ODD_VALUES:
        quoted = quote(value, safe="")
        for path in ["", "/mutualiser", "/livrer", "/expedier", "/annuler", "/facturation/pay"]:
            statuses.add(admin.get(f"/logistique/commande/{quoted}{path}").status_code)
            statuses.add(admin.post(f"/logistique/commande/{quoted}{path}").status_code)
        statuses.add(
            admin.post(f"/logistique/commande/{order_id}/facturation/{quoted}").status_code
        )
        for query in ["boutique", "order_id", "livraison", "facturation", "q", "page"]:
            for page in ["/", "/bon-de-preparation.pdf", "/commandes"]:
                statuses.add(admin.get(f"/logistique{page}?{query}={quoted}").status_code)
        for form in [
            ("/mutualiser", {"order_id": value}),
            ("/bon-de-preparation.pdf", {"order_id": value}),
            (f"/commande/{order_id}/expedier", {"carrier": value, "tracking_number": value}),
            (
                f"/commande/{order_id}/expedier",
                {"carrier": "DPD", "tracking_number": "250012345678", "tracking_url": value},
            ),
            (f"/commande/{order_id}/annuler", {"reason": value[:200] + "\x00"}),
        ]:
            statuses.add(admin.post(f"/logistique{form[0]}", form[1]).status_code)
        csv_file = f"commande;transporteur;numero_suivi\r\n{value};{value};{value}\r\n"
        statuses.add(
            admin.post(
                "/logistique/import",
                {"file": (BytesIO(csv_file.encode()), value[:100] or "x.csv")},
                content_type="multipart/form-data",
            ).status_code
        )
    assert max(statuses) < 500, statuses
    assert load(app, order_id).status is OrderStatus.VALIDATED  # no reason with a NUL


def test_an_order_that_is_not_validated_is_a_404_whatever_the_form_says(
    app, login_as, create_product, fill, sd01, validated_order_for
):
    """Refused input on an unknown, saved or expired order: the order page that would show
    the refusal does not exist, so the answer is a 404, never a crash."""
    product = create_product(stock=10)
    validated_order_for(sd01, [(product, 1)])
    fill(sd01, [(product, 1)])
    with app.app_context():
        account = db.session.get(Account, sd01)
        expired = orders.save_basket(account, utcnow(), shop_timezone(), 1).id
        db.session.commit()
    with app.app_context():
        assert expire_due_orders(utcnow() + timedelta(days=30)) == (1, 1)
    fill(sd01, [(product, 1)])
    with app.app_context():
        account = db.session.get(Account, sd01)
        saved = orders.save_basket(account, utcnow(), shop_timezone(), 1).id
        db.session.commit()
    bad_url = {"carrier": "DPD", "tracking_number": "250012345678", "tracking_url": "javascript:x"}
    for who in ["logistique", "siege-admin"]:
        browser = login_as(who)
        for order_id in [999_999, saved, expired]:
            base = f"/logistique/commande/{order_id}"
            for url, data in [
                (f"{base}/expedier", {"carrier": "DPD", "tracking_number": "X"}),
                (f"{base}/expedier", bad_url),
                (f"{base}/expedier", {"carrier": "Pigeon", "tracking_number": "X"}),
                (f"{base}/expedier", {}),
                (f"{base}/annuler", {"reason": "  "}),
                (f"{base}/annuler", {}),
                (f"{base}/livrer", {}),
                (f"{base}/mutualiser", {}),
                (f"{base}/facturation/invoice", {}),
                (f"{base}/facturation/pay", {}),
            ]:
                assert browser.post(url, data).status_code == 404, (who, url, data)
    with app.app_context():
        assert db.session.get(Order, saved).status is OrderStatus.SAVED
        assert db.session.get(Order, expired).status is OrderStatus.CANCELLED


def test_the_ship_form_proposes_the_carrier_the_order_planned(
    app, login_as, create_product, sd01, validated_order_for
):
    order_id = validated_order_for(sd01, [(create_product(stock=10), 1)])
    assert load(app, order_id).shipping_carrier == "DPD"
    page = login_as("logistique").get(f"/logistique/commande/{order_id}").get_data(as_text=True)
    assert "livraison DPD" in page
    assert re.search(r'<option selected value="DPD">DPD</option>', page), page
    assert '<option selected value="Chronopost">' not in page


def test_the_planned_carrier_is_found_among_the_listed_ones():
    from shop.ordering.carriers import planned_carrier

    assert planned_carrier("DPD") == "DPD"
    assert planned_carrier("Colissimo Outre-Mer") == "Colissimo"
    assert planned_carrier("dhl") == "DHL"
    assert planned_carrier("Coursier") is None and planned_carrier(None) is None


def test_head_office_cancelling_an_order_is_written_to_the_journal(
    app, login_as, create_product, sd01, validated_order_for
):
    order_id = validated_order_for(sd01, [(create_product(stock=5), 1)])
    admin = login_as("siege-admin")
    admin.post(f"/logistique/commande/{order_id}/annuler", {"reason": "Doublon"})
    assert load(app, order_id).status is OrderStatus.CANCELLED
    with app.app_context():
        entry = db.session.query(AuditEntry).filter_by(action="order.cancel").one()
        assert (entry.target_type, entry.target_id, entry.target_label) == (
            "order",
            order_id,
            "C0001",
        )
        assert entry.actor.identifier == "siege-admin"
        assert entry.changes["reason"] == [None, "Doublon"]
    page = html.unescape(admin.get("/admin/journal?q=annulation").get_data(as_text=True))
    assert "Annulation de commande par le siège" in page
    assert "Statut de la commande</strong> : Validée → Annulée" in page
    assert "Motif</strong> : — → Doublon" in page
    # A refused cancellation writes nothing.
    admin.post(f"/logistique/commande/{order_id}/annuler", {"reason": "Encore"})
    with app.app_context():
        assert db.session.query(AuditEntry).filter_by(action="order.cancel").count() == 1


def pdf_text(response) -> str:
    return "".join(page.extract_text() for page in PdfReader(BytesIO(response.data)).pages)


def test_a_cancelled_or_expired_order_s_pdf_says_so_and_announces_no_delivery(
    app, login_as, create_product, fill, sd01, validated_order_for
):
    product = create_product(stock=5000, max_quantity=5000)
    fill(sd01, [(product, 1750)])
    with app.app_context():
        account = db.session.get(Account, sd01)
        expired = orders.save_basket(account, utcnow(), shop_timezone(), 1)
        expired_number = expired.number
        expired = expired.id
        db.session.commit()
    director = login_as("mgen-sd01")
    quote = director.get(f"/commande/{expired}/pdf")
    assert f'filename="devis-{expired_number}.pdf"' in quote.headers["Content-Disposition"]
    assert "date de livraison estimée" in pdf_text(quote)
    assert "1\u202f750" in pdf_text(quote) or "1\u00a0750" in pdf_text(quote)
    with app.app_context():
        assert expire_due_orders(utcnow() + timedelta(days=30)) == (1, 1750)
    response = director.get(f"/commande/{expired}/pdf")
    disposition = response.headers["Content-Disposition"]
    assert f'filename="commande-annulee-{expired_number}.pdf"' in disposition
    text = pdf_text(response)
    assert "Commande annulée" in text and "délai de validation dépassé" in text
    assert "Livraison DPD" not in text and "date de livraison estimée" not in text

    cancelled = validated_order_for(sd01, [(product, 1)])
    confirmation = director.get(f"/commande/{cancelled}/pdf")
    assert 'filename="commande-C0001.pdf"' in confirmation.headers["Content-Disposition"]
    assert "date de livraison estimée" in pdf_text(confirmation)
    login_as("siege-admin").post(f"/logistique/commande/{cancelled}/annuler", {"reason": "Doublon"})
    response = director.get(f"/commande/{cancelled}/pdf")
    assert 'filename="commande-annulee-C0001.pdf"' in response.headers["Content-Disposition"]
    assert "date de livraison estimée" not in pdf_text(response)
