"""What an order says about itself to its owner: why and when it was cancelled, its whole
history, its document's title, and a basket whose reservation lapsed."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta
from io import BytesIO

import time_machine
from pypdf import PdfReader

from shop.clock import utcnow
from shop.extensions import db
from shop.jobs import sweep
from shop.models import Order, OrderEvent
from shop.ordering import fulfilment
from shop.ordering.workflow import Actor

START = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)  # a Monday, 10:00 in Paris
DEADLINE = "08/03/2027"  # 7 calendar days later


def at(days: float, minutes: int = 0):
    return time_machine.travel(START + timedelta(days=days, minutes=minutes), tick=False)


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def pdf_text(response) -> str:
    assert response.mimetype == "application/pdf"
    reader = PdfReader(BytesIO(response.data))
    return "".join(page.extract_text() for page in reader.pages).replace("\xa0", " ")


def transitions(app, order_id: int) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                db.select(OrderEvent.transition)
                .where(OrderEvent.order_id == order_id)
                .order_by(OrderEvent.id)
            )
        )


def section(page: str, testid: str) -> str:
    """The table with this data-testid ('' when the page has none)."""
    start = page.find(f'data-testid="{testid}"')
    return "" if start < 0 else page[start : page.index("</table>", start)]


def test_an_expired_order_says_why_and_when_with_its_history(
    app, login_as, create_product, add, save, only_order
):
    product = create_product(stock=50)
    with at(0):
        browser = login_as("mgen-sd01")
        add(browser, product, 4)
        save(browser)
        order = only_order()
    with at(4):
        assert sweep(app).reminders == 1
    with at(7, 1):
        assert sweep(app).expired == 1
        assert transitions(app, order.id) == ["save", "remind", "expire"]

        page = text(browser.get(f"/commande/{order.id}"))
        assert f"Annulée — délai de validation dépassé le {DEADLINE}" in page
        history = section(page.replace("</ol>", "</table>"), "history")
        assert "Enregistrée" in history and "par Camille Rousseau" in history
        assert "Rappel envoyé par email" in history
        assert "Annulée : délai de validation dépassé" in history
        assert "automatiquement par la boutique" in history

        account = text(browser.get("/mon-compte"))
        assert order.number not in section(account, "orders-in-progress")
        cancelled = section(account, "orders-cancelled")
        assert order.number in cancelled
        assert f"Annulée — délai de validation dépassé le {DEADLINE}" in cancelled

        document = pdf_text(browser.get(f"/commande/{order.id}/pdf"))
        assert "Commande annulée" in document
        assert f"délai de validation dépassé le {DEADLINE}" in document
        assert "Confirmation de commande" not in document
        assert "DEVIS en attente" not in document and "À valider avant" not in document

    with at(45):  # a long-cancelled order no longer clutters « Mon compte »
        browser = login_as("mgen-sd01")
        account = text(browser.get("/mon-compte"))
        assert order.number not in account
        assert browser.get(f"/commande/{order.id}").status_code == 200


def test_a_head_office_cancellation_says_par_le_siege(
    app, login_as, create_product, sd01, validated_order_for
):
    product = create_product(stock=50)
    with at(0):
        order_id = validated_order_for(sd01, [(product, 2)])
    with at(2), app.app_context():
        fulfilment.cancel(order_id, Actor("head_office_admin", "Admin Siège"), utcnow(), "Doublon")
        db.session.commit()
    with at(3):
        browser = login_as("mgen-sd01")
        page = text(browser.get(f"/commande/{order_id}"))
        assert "Annulée par le siège le 03/03/2027" in page
        assert "Doublon" in section(page.replace("</ol>", "</table>"), "history")
        validated = section(text(browser.get("/mon-compte")), "orders-validated")
        assert "C0001" in validated and "Annulée par le siège le 03/03/2027" in validated
        document = pdf_text(browser.get(f"/commande/{order_id}/pdf"))
        assert "Commande annulée" in document and "Confirmation de commande" not in document
        assert "Annulée par le siège le 03/03/2027" in document


def test_mon_compte_lists_each_order_once_under_the_number_that_fits(
    app, login_as, create_product, add, save, only_order, sd01, validated_order_for
):
    product = create_product(stock=50)
    with at(0):
        validated_id = validated_order_for(sd01, [(product, 2)])
        browser = login_as("mgen-sd01")
        add(browser, product, 3)
        save(browser)
        with app.app_context():
            validated_saving_number = db.session.get(Order, validated_id).number
            saved_number = db.session.scalar(
                db.select(Order.number).where(Order.id != validated_id, Order.account_id == sd01)
            )
        account = text(browser.get("/mon-compte"))
    in_progress = section(account, "orders-in-progress")
    assert saved_number in in_progress and "Enregistrée" in in_progress
    assert validated_saving_number not in in_progress and "C0001" not in in_progress
    assert "C0001" in section(account, "orders-validated")
    assert section(account, "orders-cancelled") == ""


def test_the_quote_of_a_saved_order_is_a_quote_until_its_deadline(
    app, login_as, create_product, add, save, only_order
):
    product = create_product(stock=50)
    with at(0):
        browser = login_as("mgen-sd01")
        add(browser, product, 1)
        save(browser)
        order = only_order()
        document = pdf_text(browser.get(f"/commande/{order.id}/pdf"))
        assert "DEVIS en attente de validation" in document
        assert "Confirmation de commande" not in document and "annulée" not in document
    with at(7, 1):  # past the deadline, before the sweeper came: no longer a quote to validate
        document = pdf_text(browser.get(f"/commande/{order.id}/pdf"))
        assert "Devis expiré" in document
        assert f"Délai de validation dépassé le {DEADLINE}" in document
        assert "DEVIS en attente" not in document and "À valider avant" not in document
        assert "Confirmation de commande" not in document


def test_a_basket_modifying_an_order_past_its_deadline_says_the_reservation_lapsed(
    app, login_as, create_product, add, save, only_order
):
    product = create_product(stock=50)
    with at(0):
        browser = login_as("mgen-sd01")
        add(browser, product, 2)
        save(browser)
        order = only_order()
    with at(5):
        browser.post(f"/commande/{order.id}/modifier")
        page = text(browser.get("/panier"))
        assert f"restent réservés jusqu'au {DEADLINE}" in page
    with at(7, 1):
        page = text(browser.get("/panier"))
        assert "réservés jusqu'au" not in page
        assert f"La réservation de la commande {order.number} a pris fin le {DEADLINE}" in page
        sweep(app)
        page = text(browser.get("/panier"))
        assert "réservés jusqu'au" not in page and "a pris fin le" in page


def test_saving_a_basket_whose_lapse_the_page_announced_makes_a_new_order_at_once(
    app, login_as, create_product, add, save, save_as_shown, only_order
):
    product = create_product(stock=50)
    with at(0):
        browser = login_as("mgen-sd01")
        add(browser, product, 2)
        save(browser)
        order = only_order()
    with at(5):
        browser.post(f"/commande/{order.id}/modifier")
    with at(7, 1):
        assert "a pris fin le" in text(browser.get("/panier"))
        saved = text(save_as_shown(browser))
        assert "a été annulée" not in saved and "est enregistrée" in saved
    with app.app_context():
        new = db.session.query(Order).filter(Order.id != order.id).one()
        assert new.number != order.number and [line.quantity for line in new.lines] == [2]


def test_a_save_from_a_page_shown_before_the_deadline_says_the_order_was_cancelled(
    app, login_as, create_product, add, save, only_order
):
    product = create_product(stock=50)
    with at(0):
        browser = login_as("mgen-sd01")
        add(browser, product, 2)
        save(browser)
        order = only_order()
    with at(5):
        browser.post(f"/commande/{order.id}/modifier")
    with at(7, 1):  # the page seen at day 5 said nothing of a lapse
        refused = text(save(browser))
        assert "a été annulée" in refused and "enregistrez-le" in refused
        assert "est enregistrée" in text(save(browser))


def test_a_modified_order_notes_it_in_its_history(
    app, login_as, create_product, add, save, only_order
):
    product = create_product(stock=50)
    browser = login_as("mgen-sd01")
    add(browser, product, 2)
    save(browser)
    order = only_order()
    browser.post(f"/commande/{order.id}/modifier")
    save(browser)
    assert transitions(app, order.id) == ["save", "modify"]
    page = text(browser.get(f"/commande/{order.id}"))
    assert "Commande modifiée" in section(page.replace("</ol>", "</table>"), "history")
