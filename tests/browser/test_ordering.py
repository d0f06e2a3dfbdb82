"""The full ordering journey in Chromium: save, read the quote, download the PDF, modify,
save again, validate, find the order in "Mon compte", and find the recap e-mail."""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from io import BytesIO
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from shop.demo import DEMO_PASSWORD
from shop.extensions import db
from shop.models import OutboxMessage, Product

pytestmark = pytest.mark.browser


def sign_in(page: Page) -> None:
    page.goto("/connexion")
    page.get_by_label("Nom d'utilisateur").fill("mgen-sd01")
    page.get_by_label("Mot de passe", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Connexion", exact=True).click()
    expect(page).not_to_have_url(re.compile(r"/connexion"))


def add_from_search(page: Page, reference: str, quantity: str) -> None:
    page.get_by_label("Rechercher une référence ou des mots").fill(reference)
    page.get_by_role("button", name="Rechercher").click()
    card = page.locator(f"article[data-reference='{reference}']")
    card.get_by_label("Quantité").select_option(quantity)
    card.get_by_role("button", name="Ajouter au panier").click()
    expect(page.get_by_role("status").filter(has_text="dans votre panier")).to_be_visible()


def reserved(app, reference: str) -> int:
    with app.app_context():
        return db.session.query(Product.reserved_quantity).filter_by(reference=reference).scalar()


def test_save_quote_pdf_modify_validate_and_find_the_order(app, demo, page: Page, screenshot):
    sign_in(page)
    add_from_search(page, "DEPL-TMS", "50")
    add_from_search(page, "CARTE-VOEUX", "5")
    page.get_by_role("link", name="Mon panier").click()
    page.get_by_role("button", name="Enregistrer votre commande").click()

    # The quote.
    expect(page.get_by_text("DEVIS en attente de validation")).to_be_visible()
    expect(page.get_by_test_id("deadline")).to_contain_text("7 jours restants")
    heading = page.get_by_role("heading", level=1).inner_text()
    number = re.search(r"\d{4}-\d{2}-\d{2}-\d{5}", heading).group(0)
    quote = page.get_by_test_id("quote")
    expect(quote.locator("tr[data-reference='CARTE-VOEUX']")).to_contain_text("5")
    expect(quote).to_contain_text("TOTAL T.T.C.")
    expect(quote).to_contain_text("23,40")
    assert reserved(app, "DEPL-TMS") == 50 and reserved(app, "CARTE-VOEUX") == 5
    screenshot(page, "quote")

    # The PDF, read back.
    with page.expect_download() as download:
        page.get_by_role("link", name="Imprimer ce devis au format PDF").click()
    data = download.value.path().read_bytes()
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(data)).pages)
    assert "DEVIS en attente de validation" in text and number in text
    assert "Cartes de vœux (lot de 10)" in text and "€" in text

    # Modify a quantity, save again: same number, reservation adjusted.
    page.get_by_role("button", name="Modifier votre commande").click()
    expect(page.get_by_text(f"Vous modifiez la commande {number}")).to_be_visible()
    line = page.locator("li[data-reference='CARTE-VOEUX']")
    line.get_by_label("Quantité").select_option("8")
    line.get_by_role("button", name="Actualiser la quantité").click()
    page.get_by_role("button", name="Enregistrer votre commande").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(number)
    expect(
        page.get_by_test_id("quote").locator("tr[data-reference='CARTE-VOEUX']")
    ).to_contain_text("8")
    assert reserved(app, "CARTE-VOEUX") == 8

    # Validate, with the N° ANSH and a reference.
    page.get_by_label("N° ANSH à renseigner").fill("ANSH 2026-42")
    page.get_by_label("Votre référence pour cette commande (facultatif)").fill("REF-42")
    page.get_by_role("button", name="Valider votre commande").click()
    expect(page.get_by_text(f"Votre commande {number} est validée")).to_be_visible()
    expect(page.get_by_test_id("order-status")).to_have_text("Validée")
    expect(page.get_by_role("button", name="Modifier votre commande")).to_have_count(0)

    # "Mon compte" lists it with its PDF.
    page.get_by_role("link", name="Mon compte").first.click()
    validated = page.get_by_test_id("orders-validated")
    expect(validated).to_contain_text("C0001")
    expect(validated).to_contain_text("En attente de facturation")
    expect(validated.get_by_role("link", name="PDF")).to_be_visible()
    screenshot(page, "account")

    # The recap e-mail went out with the order's PDF.
    with app.app_context():
        mail = db.session.query(OutboxMessage).filter_by(kind="order-validated").one()
        assert mail.status.value == "sent"
        assert "C0001" in mail.subject and number in mail.body_text
        assert "ANSH 2026-42" in mail.body_text
    # The relay made the PDF from the order when it sent the message (folder transport).
    folder = Path(app.config["SHOP_MAIL_FOLDER"])
    eml = max(folder.glob(f"*-{mail.id:06d}-order-validated.eml"), key=lambda f: f.stat().st_mtime)
    sent = message_from_bytes(eml.read_bytes(), policy=policy.default)
    [attachment] = sent.iter_attachments()
    assert attachment.get_filename() == "commande-C0001.pdf"
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(attachment.get_content())).pages)
    assert "Confirmation de commande" in text
