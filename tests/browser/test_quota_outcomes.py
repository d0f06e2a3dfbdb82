"""mgen-sd01 orders for ALLIER and ESSONNE in Chromium: the three outcomes of "Mettre à jour"."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from shop.clock import local_today, shop_timezone, utcnow
from shop.demo import DEMO_PASSWORD
from shop.extensions import db
from shop.models import Account, AccountType, Entity, Product
from shop.ordering import basket as baskets
from shop.ordering import orders

pytestmark = pytest.mark.browser

AVAILABLE = "la limite mensuelle n'a pas été atteinte"
LOWERED = "Les quantités ont été remises à jour dans la limite du maximum possible"
ALL_OVER = "passer la commande le mois prochain"


def consume(app, code: str, reference: str, quantity: int) -> None:
    """Another director of the entity already ordered this month."""
    with app.app_context():
        entity = db.session.query(Entity).filter_by(code=code).one()
        account = Account(
            identifier=f"autre-{code}-{reference.lower()}",
            account_type=AccountType.SECTION_DIRECTOR,
            first_name="Autre",
            last_name="Directeur",
            email="autre@example.org",
            entity=entity,
        )
        db.session.add(account)
        db.session.flush()
        product_id = db.session.query(Product.id).filter_by(reference=reference).scalar()
        baskets.add_to_basket(account, product_id, quantity, local_today())
        orders.save_basket(account, utcnow(), shop_timezone(), 1)
        db.session.commit()


def add(page: Page, reference: str, quantity: str) -> None:
    page.get_by_label("Rechercher une référence ou des mots").fill(reference)
    page.get_by_role("button", name="Rechercher").click()
    card = page.locator(f"article[data-reference='{reference}']")
    card.get_by_label("Quantité").select_option(quantity)
    card.get_by_role("button", name="Ajouter au panier").click()


def choose(page: Page, entity: str) -> None:
    page.get_by_label("Choix de l'entité").select_option(label=entity)
    page.get_by_role("button", name="Mettre à jour").click()


def quantity_of(page: Page, reference: str):
    return page.locator(f"li[data-reference='{reference}']").get_by_label("Quantité")


def test_three_outcomes_for_allier_and_essonne(app, demo, page: Page, screenshot):
    # Demo quotas: DEPL-SOLUTIONS-LOGEMENT 50 a month, DEPL-PARTENARIAT-RELYENS 20.
    consume(app, "S003", "DEPL-PARTENARIAT-RELYENS", 20)
    consume(app, "S091", "DEPL-PARTENARIAT-RELYENS", 20)
    consume(app, "S091", "DEPL-SOLUTIONS-LOGEMENT", 50)

    page.goto("/connexion")
    page.get_by_label("Nom d'utilisateur").fill("mgen-sd01")
    page.get_by_label("Mot de passe", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Connexion", exact=True).click()
    add(page, "DEPL-SOLUTIONS-LOGEMENT", "30")
    add(page, "DEPL-PARTENARIAT-RELYENS", "10")
    page.get_by_role("link", name="Mon panier").click()
    save = page.get_by_role("button", name="Enregistrer votre commande")

    # Case 1: own section, all available.
    choose(page, "MGEN SECTION DE L'AIN")
    expect(page.get_by_role("status").filter(has_text=AVAILABLE)).to_be_visible()
    expect(save).to_be_enabled()

    # Case 3: ESSONNE has used everything: all at 0, saving blocked.
    choose(page, "MGEN SECTION DE L'ESSONNE")
    expect(page.get_by_role("alert").filter(has_text=ALL_OVER)).to_be_visible()
    expect(quantity_of(page, "DEPL-SOLUTIONS-LOGEMENT")).to_have_value("0")
    expect(quantity_of(page, "DEPL-PARTENARIAT-RELYENS")).to_have_value("0")
    expect(save).to_be_disabled()
    expect(page.get_by_test_id("delivery-address")).to_contain_text("ÉVRY")
    # Checked for ESSONNE, the lines offer no more than its quota leaves: nothing.
    expect(
        quantity_of(page, "DEPL-SOLUTIONS-LOGEMENT").locator("option:not([disabled])")
    ).to_have_count(0)

    # Case 2: ALLIER, after putting quantities back from the shop: the flyer is lowered to 0.
    add(page, "DEPL-SOLUTIONS-LOGEMENT", "30")
    add(page, "DEPL-PARTENARIAT-RELYENS", "10")
    page.get_by_role("link", name="Mon panier").click()
    expect(save).to_be_disabled()  # the lines changed: "Mettre à jour" again
    choose(page, "MGEN SECTION DE L'ALLIER")
    expect(page.get_by_role("status").filter(has_text=LOWERED)).to_be_visible()
    expect(quantity_of(page, "DEPL-SOLUTIONS-LOGEMENT")).to_have_value("30")
    expect(quantity_of(page, "DEPL-PARTENARIAT-RELYENS")).to_have_value("0")
    expect(page.get_by_test_id("delivery-address")).to_contain_text("MOULINS")
    screenshot(page, "quota-lowered")
    save.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"Valider votre commande"))
    quote = page.get_by_test_id("quote")
    expect(quote.locator("tr[data-reference='DEPL-SOLUTIONS-LOGEMENT']")).to_contain_text("30")
    expect(quote.locator("tr[data-reference='DEPL-PARTENARIAT-RELYENS']")).to_have_count(0)
    expect(page.get_by_label("Destinataire")).to_have_value("MGEN SECTION DE L'ALLIER")
