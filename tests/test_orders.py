"""Save = reserve, the quote and its PDF, modify, validate, "Mon compte"."""

import html
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email import message_from_bytes, policy
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

import time_machine
from pypdf import PdfReader

from shop.clock import utcnow
from shop.extensions import db
from shop.models import (
    Account,
    BasketLine,
    Entity,
    Order,
    OrderStatus,
    OutboxMessage,
    OutboxStatus,
    Product,
    ShopKind,
)
from shop.ordering.orders import validation_deadline

PARIS = ZoneInfo("Europe/Paris")


def reserved(app, product_id) -> tuple[int, int]:
    with app.app_context():
        product = db.session.get(Product, product_id)
        return product.stock_on_hand, product.reserved_quantity


def sent_attachments(folder, message) -> dict[str, bytes]:
    """The attachments of the e-mail the relay wrote for this outbox message (folder transport)."""
    [file] = Path(folder).glob(f"*-{message.id:06d}-{message.kind}.eml")
    sent = message_from_bytes(file.read_bytes(), policy=policy.default)
    return {part.get_filename(): part.get_content() for part in sent.iter_attachments()}


def test_save_reserves_stock_numbers_the_order_and_empties_the_basket(
    app, login_as, create_product, add, only_order, save
):
    browser = login_as("mgen-sd01")
    first = create_product(name="Dépliant été", stock=100, unit_price=Decimal("1.50"))
    second = create_product(stock=50, vat_rate=Decimal("5.50"))
    add(browser, first, 30)
    add(browser, second, 10)
    page = save(browser).get_data(as_text=True)
    assert "est enregistrée" in page
    assert "DEVIS en attente de validation" in page
    assert reserved(app, first) == (100, 30)
    assert reserved(app, second) == (50, 10)
    order = only_order()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}-\d{5}", order.number)
    assert order.number.startswith(utcnow().astimezone(PARIS).strftime("%Y-%m-%d"))
    assert order.status is OrderStatus.SAVED
    assert timedelta(days=6, hours=22) < order.deadline - utcnow() <= timedelta(days=7, hours=1)
    assert "Votre panier est vide." in browser.get("/panier").get_data(as_text=True)
    # The quote shows the totals: 30 x 1.50 = 45.00 + 10 x 1.00 = 10.00 -> 55.00 excl. VAT.
    assert "55,00\xa0€" in page and "7 jours restants" in page


def test_deadline_is_seven_calendar_days_in_paris_across_daylight_saving():
    saved = datetime(2026, 10, 20, 16, 30, tzinfo=UTC)  # 18:30 in Paris (summer time)
    deadline = validation_deadline(saved, PARIS)
    assert deadline.astimezone(PARIS) == datetime(2026, 10, 27, 18, 30, tzinfo=PARIS)
    assert deadline - saved == timedelta(days=7, hours=1)  # clocks went back on 25 October
    saved = datetime(2027, 3, 25, 9, 0, tzinfo=UTC)
    assert validation_deadline(saved, PARIS) - saved == timedelta(days=6, hours=23)


def test_save_refuses_what_is_not_available_and_changes_nothing(
    app, login_as, create_product, add, save
):
    product = create_product(stock=10)
    director = login_as("mgen-sd01")
    add(director, product, 8)
    assistant = login_as("mgen-ar01")
    add(assistant, product, 5)  # available when added; the director saves first
    save(director)
    page = save(assistant).get_data(as_text=True)
    assert "n&#39;a pas été enregistrée" in page
    assert "il ne reste que 2 exemplaires disponibles" in page
    assert reserved(app, product) == (10, 8)
    with app.app_context():
        assert db.session.query(Order).count() == 1
    assert "Enregistrer votre commande" in assistant.get("/panier").get_data(as_text=True)


def test_an_expired_reservation_never_counts_even_before_any_job(
    app, login_as, create_product, add, save, validate_form
):
    product = create_product(stock=10)
    director = login_as("mgen-sd01")
    add(director, product, 10)
    assistant = login_as("mgen-ar01")
    add(assistant, product, 4)
    save(director)
    assert "plus aucun exemplaire disponible" in save(assistant).get_data(as_text=True)
    with time_machine.travel(utcnow() + timedelta(days=7, minutes=1), tick=False):
        page = save(assistant).get_data(as_text=True)
        assert "est enregistrée" in page
        assert reserved(app, product) == (10, 4)
        # The expired order cannot be validated any more.
        with app.app_context():
            director_id = db.session.query(Account.id).filter_by(identifier="mgen-sd01").scalar()
            order_id = db.session.query(Order.id).filter_by(account_id=director_id).scalar()
        response = director.post(
            f"/commande/{order_id}/valider", validate_form(), follow_redirects=True
        )
        assert "Le délai de validation de la commande" in response.get_data(as_text=True)


def test_empty_basket_cannot_be_saved(login_as, save):
    browser = login_as("mgen-sd01")
    assert "Votre panier est vide." in save(browser).get_data(as_text=True)


def test_forged_basket_quantity_is_refused_at_save(app, login_as, create_product, add, save):
    from shop.models import BasketLine

    product = create_product(stock=1000, min_quantity=10, max_quantity=100, quantity_step=10)
    browser = login_as("mgen-sd01")
    add(browser, product, 10)
    with app.app_context():
        db.session.query(BasketLine).update({"quantity": 15})
        db.session.commit()
    page = save(browser).get_data(as_text=True)
    assert "Quantité non valide" in page
    assert reserved(app, product) == (1000, 0)


def test_forged_price_fields_are_ignored(app, login_as, create_product, save):
    product = create_product(unit_price=Decimal("4.00"))
    browser = login_as("mgen-sd01")
    browser.post(
        "/panier/ajouter",
        {"product_id": str(product), "quantity": "2", "unit_price": "0.01", "price": "0"},
    )
    save(browser)
    with app.app_context():
        order = db.session.query(Order).one()
        assert order.lines[0].unit_price == Decimal("4.00")


def test_modify_adjusts_the_reservation_and_keeps_number_and_deadline(
    app, login_as, create_product, add, only_order, save
):
    first = create_product(stock=100)
    second = create_product(stock=100)
    browser = login_as("mgen-sd01")
    add(browser, first, 30)
    add(browser, second, 20)
    save(browser)
    before = only_order()
    with time_machine.travel(utcnow() + timedelta(days=2), tick=False):
        page = browser.post(f"/commande/{before.id}/modifier", follow_redirects=True).get_data(
            as_text=True
        )
        assert f"Vous modifiez la commande {before.number}" in page
        assert reserved(app, first) == (100, 30)  # still held while modifying
        browser.post(f"/panier/produit/{first}/quantite", {"quantity": "45"})
        browser.post(f"/panier/produit/{second}/supprimer")
        page = save(browser).get_data(as_text=True)
    assert "est enregistrée" in page
    after = only_order()
    assert (after.id, after.number, after.deadline) == (before.id, before.number, before.deadline)
    assert reserved(app, first) == (100, 45)
    assert reserved(app, second) == (100, 0)


def test_validate_is_final_and_sends_the_recap_with_the_pdf(
    app,
    login_as,
    create_product,
    outbox,
    add,
    only_order,
    save,
    validate_form,
    monkeypatch,
    tmp_path,
):
    monkeypatch.setitem(app.config, "SHOP_MAIL_FOLDER", str(tmp_path))
    product = create_product(name="Livret Prévention « Voix »", stock=100)
    browser = login_as("mgen-sd01")
    add(browser, product, 10)
    save(browser)
    order = only_order()
    page = browser.post(
        f"/commande/{order.id}/valider",
        validate_form(delivery_address="Salle 4, 12 avenue Alsace-Lorraine"),
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "est validée" in page
    order = only_order()
    assert order.status is OrderStatus.VALIDATED
    assert order.customer_reference == "REF-2026-001"
    assert order.ansh_number == "ANSH-2026-001"
    assert order.delivery_address == "Salle 4, 12 avenue Alsace-Lorraine"
    assert reserved(app, product) == (100, 10)  # held until shipped
    with app.app_context():  # the order's address changed, not the account's
        account = db.session.query(Account).filter_by(identifier="mgen-sd01").one()
        assert account.delivery()[0] == "12 avenue Alsace-Lorraine"

    [mail] = outbox("order-validated")
    assert mail.recipient == "mgen-sd01@boutique.example"
    assert order.validated_number == "C0001"
    assert "C0001" in mail.subject and order.number in mail.body_text
    assert "Livret Prévention « Voix »" in mail.body_text
    # Sent after the request's commit, with the PDF the relay made from the order.
    assert mail.status is OutboxStatus.SENT and mail.attachment_data is None
    [(name, data)] = sent_attachments(tmp_path, mail).items()
    assert name == "commande-C0001.pdf"
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(data)).pages)
    assert "Confirmation de commande" in text and "Livret Prévention « Voix »" in text
    assert "N° ANSH : ANSH-2026-001" in text and "N° ANSH : ANSH-2026-001" in mail.body_text

    # No later change: validating again or modifying is refused, nothing moves.
    page = browser.post(
        f"/commande/{order.id}/valider", validate_form(), follow_redirects=True
    ).get_data(as_text=True)
    assert "est validée : elle ne peut plus être modifiée" in page
    page = browser.post(f"/commande/{order.id}/modifier", follow_redirects=True).get_data(
        as_text=True
    )
    assert "est validée : elle ne peut plus être modifiée" in page
    assert len(outbox("order-validated")) == 1
    assert "Votre panier est vide." in browser.get("/panier").get_data(as_text=True)


def test_quote_pdf_is_a_real_pdf_with_accents_and_euros(
    app, login_as, create_product, add, only_order, save
):
    product = create_product(name="Carte de vœux « Été »", unit_price=Decimal("3.90"))
    browser = login_as("mgen-sd01")
    add(browser, product, 5)
    save(browser)
    order = only_order()
    response = browser.get(f"/commande/{order.id}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert f'filename="devis-{order.number}.pdf"' in response.headers["Content-Disposition"]
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(response.data)).pages)
    assert "DEVIS en attente de validation" in text
    assert "Carte de vœux « Été »" in text
    assert "19,50 €" in text.replace("\xa0", " ")
    assert "MGEN SECTION DE L'AIN" in text


def test_pdf_amounts_keep_the_french_thousands_space(
    app, login_as, create_product, add, save, only_order
):
    """« 1 575,00 € »: the narrow no-break space French amounts use is in the embedded font
    (ReportLab's base fonts would print a black box in its place)."""
    product = create_product(name="Kakémono", unit_price=Decimal("157.50"))
    browser = login_as("mgen-sd01")
    add(browser, product, 10)
    save(browser)
    response = browser.get(f"/commande/{only_order().id}/pdf")
    reader = PdfReader(BytesIO(response.data))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "1\u202f575,00" in text  # (the no-break space before € reads as a space)
    fonts = {
        font.get_object()["/BaseFont"]
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert {"/AAAAAA+DejaVuSans", "/AAAAAA+DejaVuSans-Bold"} <= fonts, fonts


def test_other_accounts_orders_are_404(
    app, login_as, create_product, add, only_order, save, validate_form
):
    product = create_product()
    director = login_as("mgen-sd01")
    add(director, product, 5)
    save(director)
    order = only_order()
    assistant = login_as("mgen-ar01")
    assert assistant.get(f"/commande/{order.id}").status_code == 404
    assert assistant.get(f"/commande/{order.id}/pdf").status_code == 404
    assert assistant.post(f"/commande/{order.id}/modifier").status_code == 404
    assert assistant.post(f"/commande/{order.id}/valider", validate_form()).status_code == 404
    assert assistant.get("/commande/999999").status_code == 404
    assert only_order().status is OrderStatus.SAVED


def test_validate_without_csrf_is_refused(
    app, login_as, create_product, add, only_order, save, validate_form
):
    product = create_product()
    browser = login_as("mgen-sd01")
    add(browser, product, 5)
    save(browser)
    order = only_order()
    assert (
        browser.post(f"/commande/{order.id}/valider", validate_form(), csrf=False).status_code
        == 400
    )
    assert only_order().status is OrderStatus.SAVED


def test_objects_are_limited_to_two_orders_a_year_refused_at_save(
    app, login_as, create_product, add, save, validate_form
):
    """A third order of objects in a year could never be validated: it is refused when
    saved, with head office's contact, and reserves nothing [004 §II.b]."""
    product = create_product(shop=ShopKind.OBJECTS, stock=1000)
    browser = login_as("mgen-sd01")
    for _ in range(2):
        add(browser, product, 1)
        assert "est enregistrée" in save(browser).get_data(as_text=True)
    add(browser, product, 1)
    page = html.unescape(save(browser).get_data(as_text=True))
    assert "limitées à 2 par an et par entité" in page
    assert app.config["SHOP_HEAD_OFFICE_EMAIL"] in page
    with app.app_context():
        ids = [o.id for o in db.session.query(Order).order_by(Order.id)]
        assert len(ids) == 2 and db.session.get(Product, product).reserved_quantity == 2
    for order_id in ids:
        browser.post(f"/commande/{order_id}/valider", validate_form())
    page = html.unescape(save(browser).get_data(as_text=True))
    assert "limitées à 2 par an et par entité" in page
    # Next calendar year (Paris time) the count starts again.
    with time_machine.travel(datetime(utcnow().year + 1, 1, 1, 0, 30, tzinfo=PARIS), tick=False):
        browser = login_as("mgen-sd01")  # the old session cookie has expired by then
        assert "est enregistrée" in save(browser).get_data(as_text=True)
        with app.app_context():
            third = db.session.query(Order).order_by(Order.id.desc()).first().id
        page = browser.post(
            f"/commande/{third}/valider", validate_form(), follow_redirects=True
        ).get_data(as_text=True)
    assert "est validée" in page


def test_validation_still_keeps_the_yearly_limit_of_objects(
    app, login_as, create_product, add, save, validate_form, monkeypatch
):
    """Orders saved under a higher limit (head office lowered it since) are refused at
    validation past the new one."""
    product = create_product(shop=ShopKind.OBJECTS, stock=1000)
    browser = login_as("mgen-sd01")
    for _ in range(2):
        add(browser, product, 1)
        save(browser)
    monkeypatch.setitem(app.config, "SHOP_OBJECT_ORDERS_PER_YEAR", 1)
    with app.app_context():
        ids = [o.id for o in db.session.query(Order).order_by(Order.id)]
    browser.post(f"/commande/{ids[0]}/valider", validate_form())
    page = browser.post(
        f"/commande/{ids[1]}/valider", validate_form(), follow_redirects=True
    ).get_data(as_text=True)
    assert "limitées à 1 par an et par entité" in page
    with app.app_context():
        assert db.session.get(Order, ids[1]).status is OrderStatus.SAVED


def test_overseas_sections_cannot_change_the_delivery_address(
    app, login_as, create_product, add, only_order, save, validate_form
):
    with app.app_context():
        account = db.session.query(Account).filter_by(identifier="mgen-ar01").one()
        account.entity = db.session.query(Entity).filter_by(code="S974").one()
        db.session.commit()
    product = create_product()
    browser = login_as("mgen-ar01")
    add(browser, product, 1)
    save(browser)
    order = only_order()
    assert order.delivery_city == "SAINT-DENIS"
    response = browser.post(
        f"/commande/{order.id}/valider",
        validate_form(delivery_name=order.delivery_name, delivery_address="ailleurs"),
    )
    assert response.status_code == 400
    assert "outre-mer ne peuvent pas modifier" in response.get_data(as_text=True)
    assert only_order().status is OrderStatus.SAVED


def test_validation_form_errors_are_shown_and_change_nothing(
    app, login_as, create_product, add, only_order, save, validate_form
):
    product = create_product()
    browser = login_as("mgen-sd01")
    add(browser, product, 1)
    save(browser)
    order = only_order()
    response = browser.post(
        f"/commande/{order.id}/valider", validate_form(delivery_city="", reference="x" * 65)
    )
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert only_order().status is OrderStatus.SAVED


def test_my_account_lists_orders_and_edits_coordinates_and_address(
    app, login_as, create_product, add, save, validate_form
):
    product = create_product()
    browser = login_as("mgen-sd01")
    add(browser, product, 2)
    save(browser)
    add(browser, product, 3)
    save(browser)
    orders = []
    with app.app_context():
        orders = [(o.id, o.number) for o in db.session.query(Order).order_by(Order.id)]
    browser.post(f"/commande/{orders[0][0]}/valider", validate_form())
    page = browser.get("/mon-compte").get_data(as_text=True)
    in_progress, validated = page.split("Mes commandes en cours")[1].split("Mes commandes validées")
    assert orders[1][1] in in_progress and "Enregistrée" in in_progress
    # The validated one is listed once, under its confirmation number, with its delivery.
    assert orders[0][1] not in in_progress and "C0001" not in in_progress
    assert "C0001" in validated and "En attente de facturation" in validated
    assert "En cours de préparation" in validated
    assert f"/commande/{orders[0][0]}/pdf" in validated
    assert "mgen-sd01" in page and "Directeur de section" in page

    browser.post(
        "/mon-compte/coordonnees",
        {
            "last_name": "Rousseau",
            "first_name": "Camille",
            "email": "c.rousseau@example.org",
            "phone": "06 12",
        },
    )
    browser.post(
        "/mon-compte/adresse-livraison",
        {
            "delivery_address": "2 place Carriat",
            "delivery_postcode": "01000",
            "delivery_city": "BOURG-EN-BRESSE",
        },
    )
    # Identifier and type cannot be changed here, even if posted.
    browser.post(
        "/mon-compte/coordonnees",
        {
            "last_name": "R",
            "first_name": "C",
            "email": "x@example.org",
            "identifier": "pirate",
            "account_type": "head_office_admin",
        },
    )
    with app.app_context():
        account = db.session.query(Account).filter_by(identifier="mgen-sd01").one()
        assert account.account_type.value == "section_director"
        assert account.email == "x@example.org"
        assert account.delivery() == ("2 place Carriat", "01000", "BOURG-EN-BRESSE")
    # New orders are delivered to the account's address.
    add(browser, product, 1)
    save(browser)
    with app.app_context():
        assert (
            db.session.query(Order).order_by(Order.id.desc()).first().delivery_address
            == "2 place Carriat"
        )


def test_my_account_bad_input_changes_nothing(app, login_as):
    browser = login_as("mgen-sd01")
    response = browser.post(
        "/mon-compte/coordonnees", {"last_name": "", "first_name": "C", "email": "nope"}
    )
    assert response.status_code == 400
    with app.app_context():
        assert (
            db.session.query(Account).filter_by(identifier="mgen-sd01").one().email
            == "mgen-sd01@boutique.example"
        )


def test_statements_per_save_do_not_grow_with_lines(app, demo, create_product, count_queries):
    from shop.clock import shop_timezone
    from shop.ordering import basket as baskets
    from shop.ordering.orders import save_basket

    products = [create_product(stock=100) for _ in range(20)]

    def statements(n: int) -> int:
        with app.app_context():
            account = db.session.query(Account).filter_by(identifier="mgen-sd01").one()
            for product_id in products[:n]:
                baskets.add_to_basket(account, product_id, 1, utcnow().date())
            db.session.commit()
            account = db.session.query(Account).filter_by(identifier="mgen-sd01").one()
            with count_queries() as counter:
                save_basket(account, utcnow(), shop_timezone(), 1)
                db.session.commit()
            return counter.count

    statements(1)  # the first order ever also creates the order-number counter
    assert statements(1) == statements(20) <= 11


def test_a_validation_that_rolls_back_sends_nothing(
    app, login_as, create_product, outbox, monkeypatch, add, only_order, save, validate_form
):
    import shop.ordering.validation as ordering

    product = create_product()
    browser = login_as("mgen-sd01")
    add(browser, product, 1)
    save(browser)
    order = only_order()

    def broken_queue(**kwargs):
        raise RuntimeError("mail composition failed")

    monkeypatch.setattr(ordering, "queue_email", broken_queue)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        response = browser.post(f"/commande/{order.id}/valider", validate_form())
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = None
    assert response.status_code == 500
    assert "Rien n'a été enregistré" in response.get_data(as_text=True)
    assert only_order().status is OrderStatus.SAVED
    assert outbox("order-validated") == []


def test_modify_pressed_twice_puts_the_lines_back_once(
    app, login_as, create_product, add, only_order, save
):
    product = create_product(stock=50)
    browser = login_as("mgen-sd01")
    add(browser, product, 4)
    save(browser)
    order = only_order()
    for _ in range(2):  # the second press finds the basket already holding the order
        response = browser.post(f"/commande/{order.id}/modifier")
        assert response.status_code == 302
    with app.app_context():
        lines = db.session.query(BasketLine).all()
        assert [(line.product_id, line.quantity) for line in lines] == [(product, 4)]


def test_saving_a_modification_whose_order_expired_keeps_the_basket_for_a_new_order(
    app, login_as, create_product, add, save, only_order
):
    product = create_product(stock=50)
    browser = login_as("mgen-sd01")
    add(browser, product, 4)
    save(browser)
    order = only_order()
    browser.post(f"/commande/{order.id}/modifier")
    with time_machine.travel(utcnow() + timedelta(days=7, minutes=1), tick=False):
        page = save(browser).get_data(as_text=True)
        assert "Le délai de validation de la commande" in page
        assert "Votre panier est conservé" in page
        with app.app_context():  # committed with the refusal: the basket is its own again
            basket = db.session.query(BasketLine).one().basket
            assert basket.order_id is None and basket.lines[0].quantity == 4
        assert "est enregistrée" in save(browser).get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Order).count() == 2


def test_validate_order_queues_the_confirmation_and_the_relay_attaches_the_pdf(
    app, demo, create_product, monkeypatch, tmp_path
):
    """Validation owns its e-mail; the PDF is made when the relay sends, not while the
    validation holds the shop-wide counter of confirmation numbers."""
    from shop.clock import local_today, shop_timezone
    from shop.documents import pdf
    from shop.notifications import relay_outbox
    from shop.ordering import basket as baskets
    from shop.ordering import orders, validation

    monkeypatch.setitem(app.config, "SHOP_MAIL_FOLDER", str(tmp_path))
    product = create_product(name="Livret Prévention « Voix »", stock=100)
    with app.test_request_context():
        account = db.session.query(Account).filter_by(identifier="mgen-sd01").one()
        baskets.add_to_basket(account, product, 10, local_today())
        account_id = account.id
        order_id = orders.save_basket(account, utcnow(), shop_timezone(), 1).id
        db.session.commit()

    def no_pdf_now(*args, **kwargs):
        raise AssertionError("order_pdf called during the validation")

    with monkeypatch.context() as patch, app.test_request_context():
        patch.setattr(pdf, "order_pdf", no_pdf_now)
        order = validation.validate_order(
            db.session.get(Account, account_id),
            order_id,
            reference="",
            ansh_number="ANSH-1",
            delivery=None,
            now=utcnow(),
            tz=shop_timezone(),
            objects_per_year=2,
            contact_email="siege@example.org",
        )
        assert order.validated_number == "C0001"
        db.session.commit()
    with app.app_context():
        [mail] = db.session.query(OutboxMessage).all()
        assert mail.kind == "order-validated" and mail.attach_order_id == order_id
        assert mail.attachment_data is None  # nothing rendered at queue time
        assert relay_outbox() == 1
        attachments = sent_attachments(tmp_path, mail)
    assert list(attachments) == ["commande-C0001.pdf"]
    reader = PdfReader(BytesIO(attachments["commande-C0001.pdf"]))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "Confirmation de commande" in text and "Livret Prévention « Voix »" in text


def test_overseas_sections_keep_their_entitys_address_in_my_account(app, login_as):
    from shop.models import AuditEntry

    with app.app_context():
        account = db.session.query(Account).filter_by(identifier="mgen-ar01").one()
        account.entity = db.session.query(Entity).filter_by(code="S974").one()
        db.session.commit()
    browser = login_as("mgen-ar01")
    response = browser.post(
        "/mon-compte/adresse-livraison",
        {"delivery_address": "ailleurs", "delivery_postcode": "97400", "delivery_city": "X"},
    )
    assert response.status_code == 302 and response.location.endswith("/mon-compte")
    page = browser.get("/mon-compte").get_data(as_text=True)
    assert "outre-mer ne peuvent pas modifier" in page
    with app.app_context():
        account = db.session.query(Account).filter_by(identifier="mgen-ar01").one()
        assert account.delivery_address == "" and account.delivery()[2] == "SAINT-DENIS"
        assert db.session.query(AuditEntry).count() == 0
