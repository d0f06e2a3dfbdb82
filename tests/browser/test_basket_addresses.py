"""The basket's address blocks in Chromium: typed, refused beside the field, the shipping fee
following the postcode's zone, the chosen entity's address after « Mettre à jour »."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from shop.demo import DEMO_PASSWORD
from shop.extensions import db
from shop.models import Account, Order

pytestmark = pytest.mark.browser


def sign_in(page: Page, identifier: str) -> None:
    page.goto("/connexion")
    page.get_by_label("Nom d'utilisateur").fill(identifier)
    page.get_by_label("Mot de passe", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Connexion", exact=True).click()


def add(page: Page, reference: str, quantity: str) -> None:
    page.get_by_label("Rechercher une référence ou des mots").fill(reference)
    page.get_by_role("button", name="Rechercher").click()
    card = page.locator(f"article[data-reference='{reference}']")
    card.get_by_label("Quantité").select_option(quantity)
    card.get_by_role("button", name="Ajouter au panier").click()


def test_the_delivery_block_of_the_basket(app, demo, page: Page, screenshot):
    sign_in(page, "mgen-sd01")
    add(page, "SAC-SHOP", "50")  # 50 × 110 g = 5.5 kg
    page.get_by_role("link", name="Mon panier").click()
    shipping = page.get_by_test_id("shipping")
    expect(shipping).to_contain_text("Livraison DPD - Tarif H.T. : 16,90")

    block = page.get_by_test_id("basket-delivery-form")
    expect(block.get_by_test_id("delivery_entity")).to_have_text("MGEN SECTION DE L'AIN")
    expect(block.get_by_label("Nom", exact=True)).to_have_value("Rousseau")
    expect(block.get_by_label("Adresse", exact=True)).to_have_value("12 avenue Alsace-Lorraine")
    billing = page.get_by_test_id("basket-billing")
    expect(billing).to_contain_text("8 rue des Comptables")
    screenshot(page, "basket-addresses")

    # A postcode "ABC": the message beside it, nothing saved.
    block.get_by_label("Prénom").fill("SYLVIE")
    block.get_by_label("Nom", exact=True).fill("DIDIER")
    block.get_by_label("Téléphone").fill("0675002575")
    block.get_by_label("Adresse", exact=True).fill("14 rue de la Victoire")
    block.get_by_label("Code postal").fill("ABC")
    block.get_by_label("Ville").fill("SAINT-DENIS")
    block.get_by_role("button", name="Enregistrer l'adresse de livraison").click()
    postcode = page.get_by_test_id("basket-delivery-form").get_by_label("Code postal")
    expect(postcode).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#delivery_postcode-error")).to_contain_text(
        "Code postal non valide : saisissez les 5 chiffres"
    )
    expect(page.get_by_test_id("shipping")).to_contain_text("16,90")

    # La Réunion: the overseas zone's fee, at once.
    postcode.fill("97400")
    page.get_by_role("button", name="Enregistrer l'adresse de livraison").click()
    expect(page.get_by_test_id("shipping")).to_contain_text(
        "Livraison Colissimo Outre-Mer - Tarif H.T. : 62,00"
    )
    expect(page.get_by_test_id("delivery-address")).to_contain_text("97400 SAINT-DENIS")
    block = page.get_by_test_id("basket-delivery-form")
    expect(block.get_by_label("Téléphone")).to_have_value("06 75 00 25 75")

    page.get_by_role("button", name="Enregistrer votre commande").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Valider votre commande")
    expect(page.get_by_test_id("quote")).to_contain_text("62,00")
    with app.app_context():
        order = (
            db.session.query(Order)
            .filter(Order.number.is_not(None))
            .order_by(Order.id.desc())
            .first()
        )
        assert (order.delivery_postcode, order.delivery_first_name) == ("97400", "SYLVIE")
        # Mon compte keeps its own address.
        account = db.session.query(Account).filter_by(identifier="mgen-sd01").one()
        assert account.delivery()[1] == "01000"


def test_another_entity_brings_its_address_still_editable(app, demo, page: Page):
    sign_in(page, "mgen-sd01")
    add(page, "SAC-SHOP", "50")
    page.get_by_role("link", name="Mon panier").click()
    page.get_by_label("Choix de l'entité").select_option(label="MGEN SECTION DE L'ALLIER")
    page.get_by_role("button", name="Mettre à jour").click()
    block = page.get_by_test_id("basket-delivery-form")
    expect(block.get_by_test_id("delivery_entity")).to_have_text("MGEN SECTION DE L'ALLIER")
    expect(block.get_by_label("Adresse", exact=True)).to_have_value("5 rue de Paris")
    block.get_by_label("Adresse", exact=True).fill("Bureau 2, 5 rue de Paris")
    block.get_by_role("button", name="Enregistrer l'adresse de livraison").click()
    expect(page.get_by_test_id("delivery-address")).to_contain_text(
        re.compile(r"Bureau 2, 5 rue de Paris, 03000 MOULINS")
    )
