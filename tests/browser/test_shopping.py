"""A section director shops in Chromium: signs in, browses, searches, fills the basket,
changes a quantity, and is told that objects and printed material are ordered separately."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from shop.clock import local_today
from shop.demo import DEMO_PASSWORD
from shop.extensions import db
from shop.models import Product

pytestmark = pytest.mark.browser

DIRECTOR = "mgen-sd01"
TMS_LEAFLET = "Dépliant Prévention des TMS"  # DEPL-TMS, Prévention, 0.00 € excl. VAT
GREETING_CARDS = "Cartes de vœux (lot de 10)"  # CARTE-VOEUX, 3.90 € excl. VAT, VAT 20 %
PEN = "Stylo 4 couleurs"  # STY-4-COULS, an object
OTHER_SHOP = (
    "Votre panier contient des imprimés. Les commandes d'objets et d'imprimés sont "
    "indépendantes : terminez votre commande d'imprimés ou supprimez-la avant d'ajouter "
    "des objets."
)


# --- what a user does -------------------------------------------------------------------


def scripts_ready(page: Page) -> None:
    """Wait until the page has run its scripts: a click on a Bootstrap toggle made before
    Bootstrap's JavaScript has loaded (a busy machine, right after a navigation) is lost."""
    page.wait_for_load_state("load")
    page.wait_for_function("() => window.bootstrap !== undefined")


def sign_in(page: Page, identifier: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/connexion")
    page.get_by_label("Nom d'utilisateur").fill(identifier)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Connexion", exact=True).click()
    expect(page).not_to_have_url(re.compile(r"/connexion"))
    scripts_ready(page)


def main_menu(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Navigation principale")


def open_category(page: Page, shop: str, category: str) -> None:
    """Open the shop's drop-down in the header and pick a category."""
    menu = main_menu(page)
    scripts_ready(page)
    toggle = menu.get_by_role("button", name=shop, exact=True)
    link = menu.get_by_role("link", name=category, exact=True)
    click_until_visible(toggle, link)
    link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(category)


def click_until_visible(toggle: Locator, target: Locator, attempts: int = 5) -> None:
    """Click a drop-down or collapse toggle until ``target`` shows: a click the page was too
    busy to handle is made again, never a click that is still opening it."""
    for _ in range(attempts):
        if not target.is_visible():
            toggle.click()
        try:
            expect(target).to_be_visible(timeout=2_000)
            return
        except AssertionError:
            continue
    expect(target).to_be_visible()


def search(page: Page, terms: str) -> None:
    box = main_menu(page).get_by_role("searchbox", name="Rechercher une référence ou des mots")
    box.fill(terms)
    box.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Résultats pour « {terms} »")


def product_card(page: Page, name: str) -> Locator:
    return page.get_by_role("article").filter(
        has=page.get_by_role("heading", name=name, exact=True)
    )


def add_to_basket(page: Page, name: str, quantity: int) -> None:
    card = product_card(page, name)
    card.get_by_label("Quantité").select_option(str(quantity))
    card.get_by_role("button", name="Ajouter au panier").click()


def open_basket(page: Page) -> None:
    main_menu(page).get_by_role("link", name="Mon panier").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Votre commande en cours")


def basket_line(page: Page, name: str) -> Locator:
    return page.get_by_role("listitem").filter(has_text=name)


def total(page: Page, label: str) -> Locator:
    """The amount cell of a row of the "Totaux" table."""
    table = page.get_by_role("table", name="Totaux")
    row = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name=label, exact=True))
    return row.get_by_role("cell")


def expect_totals(page: Page, excl_vat: str, vat: str, incl_vat: str) -> None:
    """Printed material ships free (head office pays), so the totals are the subtotals.

    Amounts are French-formatted ("46,80 €"); Playwright's text matching treats the
    non-breaking space before "€" as a space.
    """
    expect(total(page, "Sous-total H.T.")).to_have_text(excl_vat)
    expect(total(page, "Sous-total T.V.A.")).to_have_text(vat)
    expect(total(page, "Frais de livraison H.T.")).to_have_text("0,00 €")
    expect(total(page, "Total H.T.")).to_have_text(excl_vat)
    expect(total(page, "Total T.V.A.")).to_have_text(vat)
    expect(total(page, "Total T.T.C.")).to_have_text(incl_vat)


def expect_basket(page: Page, quantities: dict[str, int]) -> None:
    expect(page.get_by_role("listitem").filter(has_text="Réf.")).to_have_count(len(quantities))
    for name, quantity in quantities.items():
        expect(basket_line(page, name).get_by_label("Quantité")).to_have_value(str(quantity))


# --- the tests ----------------------------------------------------------------------------


def test_a_director_fills_a_printed_basket_and_cannot_mix_in_objects(demo, page, screenshot):
    sign_in(page, DIRECTOR)
    expect(page).to_have_url(re.compile(r"/boutique/imprimes$"))
    user_menu = main_menu(page).get_by_role("button", name="Camille Rousseau")
    click_until_visible(user_menu, main_menu(page).get_by_role("button", name="Déconnexion"))
    user_menu.click()

    # Browse a category of printed material from the header menu.
    open_category(page, "Les imprimés", "Prévention")
    expect(page).to_have_url(re.compile(r"/boutique/imprimes/prevention$"))
    expect(page.get_by_text("4 produits")).to_be_visible()
    expect(product_card(page, TMS_LEAFLET)).to_contain_text("Réf. DEPL-TMS")
    screenshot(page, "catalog")

    # Find the leaflet by its reference and put 50 of them in the basket.
    search(page, "DEPL-TMS")
    expect(page.get_by_text("1 produit", exact=True)).to_be_visible()
    expect(page.get_by_role("article")).to_have_count(1)
    expect(product_card(page, TMS_LEAFLET)).to_contain_text("Réf. DEPL-TMS · Prévention")
    add_to_basket(page, TMS_LEAFLET, 50)
    expect(page.get_by_role("status")).to_contain_text(f"« {TMS_LEAFLET} » : 50 dans votre panier.")
    expect(page).to_have_url(re.compile(r"/recherche\?q=DEPL-TMS$"))  # back where we were

    # A second printed product, from another category.
    open_category(page, "Les imprimés", "Communication institutionnelle")
    add_to_basket(page, GREETING_CARDS, 5)
    expect(page.get_by_role("status")).to_contain_text(
        f"« {GREETING_CARDS} » : 5 dans votre panier."
    )

    open_basket(page)
    expect(page.get_by_role("main").get_by_text("Les imprimés", exact=True)).to_be_visible()
    expect_basket(page, {TMS_LEAFLET: 50, GREETING_CARDS: 5})
    expect(basket_line(page, TMS_LEAFLET)).to_contain_text("0,00 € H.T.")
    expect(basket_line(page, GREETING_CARDS)).to_contain_text("19,50 € H.T.")
    expect_totals(page, excl_vat="19,50 €", vat="3,90 €", incl_vat="23,40 €")
    expect(page.get_by_test_id("shipping")).to_contain_text("Tarif H.T. : 0,00 €")

    # Change a quantity with the line's drop-down.
    line = basket_line(page, GREETING_CARDS)
    line.get_by_label("Quantité").select_option("12")
    line.get_by_role("button", name="Actualiser la quantité").click()
    expect(page.get_by_role("status")).to_contain_text("La quantité a été mise à jour.")
    expect_basket(page, {TMS_LEAFLET: 50, GREETING_CARDS: 12})
    expect(basket_line(page, GREETING_CARDS)).to_contain_text("46,80 € H.T.")  # 12 × 3,90 €
    expect_totals(page, excl_vat="46,80 €", vat="9,36 €", incl_vat="56,16 €")
    shipping = page.get_by_role("region", name="Frais de port")
    expect(shipping).to_contain_text("(1,82 kg)")  # 50 × 10 g + 12 × 110 g, French decimals
    screenshot(page, "basket")

    # Objects cannot join a basket of printed material.
    open_category(page, "Les objets", "Bureau et écriture")
    add_to_basket(page, PEN, 100)
    refusal = page.get_by_role("alert")
    expect(refusal).to_contain_text(OTHER_SHOP)
    expect(page.get_by_role("status")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"/boutique/objets/bureau"))

    open_basket(page)
    expect_basket(page, {TMS_LEAFLET: 50, GREETING_CARDS: 12})
    expect(page.get_by_text(PEN)).to_have_count(0)
    expect_totals(page, excl_vat="46,80 €", vat="9,36 €", incl_vat="56,16 €")


@pytest.fixture
def health_guide_opening(app, demo) -> str:
    """The demo guide's "orderable from" date (dd/mm/yyyy), kept in the future.

    The demo opens it on 1 July 2027; once that day has passed, this moves it a year after
    today so the test keeps checking a product that is not orderable yet.
    """
    with app.app_context():
        guide = db.session.scalars(
            select(Product).where(Product.reference == "GUIDE-SANTE-2027")
        ).one()
        today = local_today()
        if guide.orderable_from <= today:
            guide.orderable_from = today.replace(year=today.year + 1, day=1)
            db.session.commit()
        opening = guide.orderable_from.strftime("%d/%m/%Y")
        db.session.remove()
    return opening


def test_a_product_not_orderable_yet_is_greyed_with_its_date(page, health_guide_opening):
    sign_in(page, DIRECTOR)
    open_category(page, "Les imprimés", "Offres santé")

    guide = product_card(page, "Guide des offres santé 2027")
    expect(guide).to_contain_text(f"Commandable à partir du {health_guide_opening}")
    expect(guide).to_have_class(re.compile(r"\bproduct-closed\b"))
    assert float(guide.evaluate("card => getComputedStyle(card).opacity")) < 1
    expect(guide.get_by_role("button", name="Ajouter au panier")).to_have_count(0)
    expect(guide.get_by_label("Quantité")).to_have_count(0)

    # An open product of the same page, for contrast.
    flyer = product_card(page, "Flyer Offre santé jeunes actifs")
    expect(flyer).not_to_have_class(re.compile(r"\bproduct-closed\b"))
    assert guide.evaluate("card => getComputedStyle(card).opacity") != flyer.evaluate(
        "card => getComputedStyle(card).opacity"
    )
    expect(flyer.get_by_role("button", name="Ajouter au panier")).to_be_visible()


@pytest.mark.parametrize("width", [390, 1024, 1200, 1280, 1366, 1920])
def test_the_header_fits_the_window(demo, page, width):
    """No sideways scrolling; the user menu is reachable (collapsed below 1200 px)."""
    page.set_viewport_size({"width": width, "height": 800})
    sign_in(page, DIRECTOR)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    if width < 1200:
        nav = page.locator("#nav")
        burger = page.get_by_role("button", name="Menu")
        expanded = re.compile(r"(^|\s)show(\s|$)")
        for _ in range(5):  # a click lost by a busy page is made again
            if not re.search(r"\b(show|collapsing)\b", nav.get_attribute("class") or ""):
                burger.click()
            try:
                expect(nav).to_have_class(expanded, timeout=2_000)  # the animation has ended
                break
            except AssertionError:
                continue
        expect(nav).to_have_class(expanded)
    user_menu = main_menu(page).get_by_role("button", name="Camille Rousseau")
    expect(user_menu).to_be_visible()
    box = user_menu.bounding_box()
    assert box["x"] + box["width"] <= width
