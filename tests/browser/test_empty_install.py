"""From an empty install to the first shipped order, in Chromium, without the demo data.

The database is as ``flask db upgrade`` leaves it; ``flask create-admin`` makes the first
admin. Head office then sets everything up in the browser: a section, a category, a product
with its picture and stock, an orderer and a logistician. The orderer activates from the
invitation e-mail, orders, saves and validates; the logistician ships.
"""

from __future__ import annotations

import re
import struct
import zlib

import pytest
from playwright.sync_api import Browser, Page, expect

from shop.extensions import db
from shop.models import Account, Category, Entity, OutboxMessage, Product

pytestmark = pytest.mark.browser

ADMIN_PASSWORD = "un mot de passe du siège"
ORDERER_PASSWORD = "le mot de passe de la section"
LOGISTICIAN_PASSWORD = "le mot de passe de l'entrepôt"


def tiny_png() -> bytes:
    """A real 1x1 PNG, built by hand."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x10\x80\x40")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def sign_in(page: Page, identifier: str, password: str) -> None:
    page.goto("/connexion")
    page.get_by_label("Nom d'utilisateur").fill(identifier)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Connexion", exact=True).click()
    expect(page).not_to_have_url(re.compile(r"/connexion"))


def admin_menu(page: Page, item: str) -> None:
    menu = page.get_by_role("navigation", name="Navigation principale")
    menu.get_by_role("button", name="Administration").click()
    menu.get_by_role("link", name=item, exact=True).click()


def flash(page: Page):
    return page.get_by_role("status").first


def invitation_link(app, email: str) -> str:
    """The path of the link in the last invitation sent to ``email``."""
    with app.app_context():
        mail = (
            db.session.query(OutboxMessage)
            .filter_by(kind="account-invitation", recipient=email)
            .order_by(OutboxMessage.id.desc())
            .first()
        )
        assert mail is not None and mail.status.value == "sent"
        body = mail.body_text
    return re.search(r"https?://[^/\s]+(/mot-de-passe/\S+)", body).group(1)


def activate(page: Page, app, email: str, identifier: str, password: str) -> None:
    """Open the invitation's link, choose a password, sign in."""
    page.goto(invitation_link(app, email))
    expect(page.get_by_text(identifier)).to_be_visible()
    page.get_by_label("Nouveau mot de passe").fill(password)
    page.get_by_label("Confirmez le mot de passe").fill(password)
    page.get_by_role("button", name="Enregistrer le mot de passe").click()
    expect(page.get_by_text("Votre mot de passe est enregistré.")).to_be_visible()
    sign_in(page, identifier, password)


def create_account(page: Page, identifier: str, kind: str, first: str, last: str, email: str,
                   entity: str) -> None:  # fmt: skip
    admin_menu(page, "Comptes")
    page.get_by_role("link", name="Créer un compte").click()
    page.get_by_label("Identifiant").fill(identifier)
    page.get_by_label("Type de compte").select_option(label=kind)
    page.get_by_label("Nom", exact=True).fill(last)
    page.get_by_label("Prénom").fill(first)
    page.get_by_label("Adresse email").fill(email)
    page.get_by_label("Entité", exact=True).select_option(label=entity)
    page.get_by_role("button", name="Enregistrer").click()
    expect(flash(page)).to_contain_text(
        f"Le compte {identifier} est créé ; un email d'invitation a été envoyé à {email}."
    )


def test_from_an_empty_install_to_the_first_shipped_order(
    app, page: Page, chromium: Browser, live_server, tmp_path, monkeypatch, screenshot
):
    monkeypatch.setitem(app.config, "SHOP_UPLOAD_FOLDER", str(tmp_path / "uploads"))
    with app.app_context():
        assert db.session.query(Account).count() == 0
        assert db.session.query(Product).count() == 0
        assert db.session.query(Entity).count() == 0
        assert db.session.query(Category).count() == 7  # from the migrations

    # `flask create-admin`, as the operations guide says.
    result = app.test_cli_runner().invoke(
        args=[
            "create-admin", "--identifier", "siege.admin", "--email", "siege@example.org",
            "--first-name", "Hélène", "--last-name", "Marchand", "--password", ADMIN_PASSWORD,
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Administrateur siège « siege.admin » créé." in result.output

    # Head office signs in and creates the section.
    sign_in(page, "siege.admin", ADMIN_PASSWORD)
    admin_menu(page, "Entités")
    expect(page.get_by_role("cell", name="SIÈGE")).to_be_visible()
    page.get_by_role("link", name="Créer une entité").click()
    page.get_by_label("Code", exact=True).fill("S075")
    page.get_by_label("Nom de l'entité").fill("SECTION DE PARIS")
    page.get_by_label("Téléphone").fill("01 40 00 00 75")
    delivery = page.get_by_role("group", name="Adresse de livraison")
    delivery.get_by_label("Adresse", exact=True).fill("10 rue de la Paix")
    delivery.get_by_label("Code postal").fill("75002")
    delivery.get_by_label("Ville").fill("PARIS")
    billing = page.get_by_role("group", name="Adresse de facturation")
    billing.get_by_label("Nom", exact=True).fill("SECTION DE PARIS - COMPTABILITÉ")
    billing.get_by_label("Adresse", exact=True).fill("10 rue de la Paix")
    billing.get_by_label("Code postal").fill("75002")
    billing.get_by_label("Ville").fill("PARIS")
    page.get_by_role("button", name="Enregistrer").click()
    expect(flash(page)).to_contain_text("L'entité SECTION DE PARIS est enregistrée.")
    expect(page.get_by_role("cell", name="S075")).to_be_visible()

    # A category of objects: the migrations made the printed ones only.
    admin_menu(page, "Catégories")
    expect(page.get_by_test_id("categories-imprimes")).to_contain_text("Réglementaire")
    expect(page.get_by_test_id("categories-objets")).to_contain_text(
        "Aucune catégorie dans cette boutique."
    )
    page.get_by_role("link", name="Créer une catégorie").first.click()
    page.get_by_label("Boutique").select_option(label="Les objets")
    page.get_by_label("Nom de la catégorie").fill("Goodies")
    page.get_by_role("button", name="Enregistrer").click()
    expect(flash(page)).to_contain_text("La catégorie « Goodies » est créée dans « Les objets ».")
    expect(page.get_by_test_id("categories-objets")).to_contain_text("Goodies")
    screenshot(page, "empty-install-categories")

    # A product in it, with a picture and stock.
    admin_menu(page, "Produits")
    expect(page.get_by_text("Aucun produit ne correspond à ces critères.")).to_be_visible()
    page.get_by_role("link", name="Créer un produit").click()
    page.get_by_label("Référence", exact=True).fill("MUG-LOGO")
    page.get_by_label("Nom", exact=True).fill("Mug au logo")
    page.get_by_label("Description").fill("Mug en céramique, 30 cl.")
    page.get_by_label("Catégorie").select_option(label="Goodies")
    page.get_by_label("Prix unitaire HT (€)").fill("3,50")
    page.get_by_label("Quantité minimale").fill("10")
    page.get_by_label("Quantité maximale").fill("50")
    page.get_by_label("Pas de quantité").fill("10")
    page.get_by_label("Poids unitaire (grammes)").fill("350")
    page.get_by_role("button", name="Enregistrer").click()
    expect(flash(page)).to_contain_text("Le produit MUG-LOGO est créé, sans stock")
    picture = tmp_path / "mug.png"
    picture.write_bytes(tiny_png())
    page.get_by_label("Image du produit").set_input_files(str(picture))
    page.get_by_role("button", name="Envoyer l'image").click()
    expect(flash(page)).to_contain_text("L'image du produit MUG-LOGO est enregistrée.")
    image = page.get_by_role("img", name="Mug au logo")
    expect(image).to_have_attribute("src", re.compile(r"/media/"))
    assert page.request.get(image.get_attribute("src")).body() == tiny_png()

    page.get_by_role("link", name="Ajuster le stock").click()
    page.get_by_label("Quantité (positive pour ajouter, négative pour retirer)").fill("200")
    page.get_by_label("Motif").fill("Réception fournisseur")
    page.get_by_role("button", name="Enregistrer le mouvement").click()
    expect(flash(page)).to_contain_text("Stock de MUG-LOGO : +200, soit 200 en stock.")

    # The orderer and the logistician, each invited by e-mail.
    create_account(page, "paris.directeur", "Directeur de section", "Claire", "Dupont",
                   "claire.dupont@example.org", "SECTION DE PARIS")  # fmt: skip
    create_account(page, "entrepot", "Logisticien", "Marc", "Lefort", "marc.lefort@example.org",
                   "SIÈGE")  # fmt: skip
    screenshot(page, "empty-install-accounts")

    # The orderer activates from the e-mail, orders, saves and validates.
    orderer_context = chromium.new_context(
        base_url=live_server, locale="fr-FR", viewport={"width": 1280, "height": 900}
    )
    orderer = orderer_context.new_page()
    activate(orderer, app, "claire.dupont@example.org", "paris.directeur", ORDERER_PASSWORD)
    expect(orderer.get_by_role("button", name="Claire Dupont")).to_be_visible()
    orderer.get_by_test_id("menu-objets").click()
    orderer.get_by_role("link", name="Goodies", exact=True).click()
    expect(orderer.get_by_role("heading", level=1)).to_have_text("Goodies")
    card = orderer.locator("article[data-reference='MUG-LOGO']")
    expect(card).to_contain_text("Mug au logo")
    expect(card.locator("img")).to_have_attribute("src", re.compile(r"/media/"))
    card.get_by_label("Quantité").select_option("20")
    card.get_by_role("button", name="Ajouter au panier").click()
    expect(orderer.get_by_role("status").filter(has_text="dans votre panier")).to_be_visible()
    orderer.get_by_role("link", name="Mon panier").click()
    expect(orderer.locator("li[data-reference='MUG-LOGO']")).to_be_visible()
    orderer.get_by_role("button", name="Enregistrer votre commande").click()
    expect(orderer.get_by_text("DEVIS en attente de validation")).to_be_visible()
    quote = orderer.get_by_test_id("quote")
    expect(quote.locator("tr[data-reference='MUG-LOGO']")).to_contain_text("20")
    expect(quote).to_contain_text("70,00")  # 20 × 3,50 € HT
    orderer.get_by_label("Votre référence pour cette commande (facultatif)").fill("PREMIERE")
    orderer.get_by_label("N° ANSH à renseigner").fill("ANSH 2026-01")
    orderer.get_by_role("button", name="Valider votre commande").click()
    expect(orderer.get_by_text(re.compile(r"Votre commande \S+ est validée"))).to_be_visible()
    expect(orderer.get_by_test_id("order-status")).to_have_text("Validée")
    screenshot(orderer, "empty-install-validated")

    # The logistician activates, and ships it.
    shipper_context = chromium.new_context(
        base_url=live_server, locale="fr-FR", viewport={"width": 1280, "height": 900}
    )
    shipper = shipper_context.new_page()
    activate(shipper, app, "marc.lefort@example.org", "entrepot", LOGISTICIAN_PASSWORD)
    shipper.get_by_role("link", name="Logistique", exact=True).click()
    group = shipper.get_by_test_id("address-group")
    expect(group).to_contain_text("SECTION DE PARIS")
    expect(group).to_contain_text("C0001")
    group.get_by_role("link", name="Expédier").click()
    shipper.get_by_label("Transporteur", exact=True).select_option("Colissimo")
    shipper.get_by_label("Numéro de suivi").fill("6A 1234 5678 901")
    shipper.get_by_role("button", name="Marquer « Expédiée »").click()
    expect(shipper.get_by_role("status")).to_contain_text("Commande C0001 expédiée (Colissimo")
    screenshot(shipper, "empty-install-shipped")

    # The orderer sees it on its way; the stock went out.
    orderer.get_by_role("link", name="Mon compte").first.click()
    expect(orderer.get_by_test_id("orders-validated")).to_contain_text("En cours de livraison")
    with app.app_context():
        mug = db.session.query(Product).filter_by(reference="MUG-LOGO").one()
        assert (mug.stock_on_hand, mug.reserved_quantity) == (180, 0)
    orderer_context.close()
    shipper_context.close()
