"""In Chromium: a product whose stock orders hold is « Épuisé », and a product with millions
of orderable quantities offers a number field, bounded by the browser and the server."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from shop.clock import shop_timezone, utcnow
from shop.demo import DEMO_PASSWORD
from shop.extensions import db
from shop.models import Account, BasketLine
from shop.ordering import orders

pytestmark = pytest.mark.browser


def sign_in(page: Page) -> None:
    page.goto("/connexion")
    page.get_by_label("Nom d'utilisateur").fill("mgen-sd01")
    page.get_by_label("Mot de passe", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Connexion", exact=True).click()
    expect(page).not_to_have_url(re.compile(r"/connexion"))


def basket_quantities(app) -> list[int]:
    with app.app_context():
        return [line.quantity for line in db.session.query(BasketLine)]


def test_held_stock_is_sold_out_and_a_huge_range_is_a_bounded_number_field(
    app, demo, page: Page, create_product, fill, make_orderers
):
    held = create_product(reference="HELD", name="Affiche réservée", stock=3)
    huge = create_product(reference="HUGE", name="Flyer en masse", max_quantity=20_000_000)
    [holder] = make_orderers(1)
    fill(holder, [(held, 3)])
    with app.app_context():
        orders.save_basket(db.session.get(Account, holder), utcnow(), shop_timezone(), 1)
        db.session.commit()

    sign_in(page)
    page.goto(f"/produit/{held}")
    expect(page.get_by_test_id("available")).to_have_text("0")
    expect(page.get_by_text("Épuisé")).to_be_visible()
    expect(page.get_by_role("button", name="Ajouter au panier")).to_have_count(0)

    page.goto(f"/produit/{huge}")
    field = page.get_by_label("Quantité")
    expect(field).to_have_attribute("type", "number")
    expect(field).to_have_attribute("max", "1000")  # the stock on hand, not the maximum
    # Above what is available: the browser itself refuses to send the form.
    field.fill("1001")
    page.get_by_role("button", name="Ajouter au panier").click()
    assert field.evaluate("e => e.validity.rangeOverflow")
    assert basket_quantities(app) == []
    field.fill("750")
    page.get_by_role("button", name="Ajouter au panier").click()
    expect(page.get_by_role("status").filter(has_text="dans votre panier")).to_be_visible()
    assert basket_quantities(app) == [750]
