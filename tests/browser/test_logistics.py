"""After validation, in Chromium: the logistician pools and ships an order with its tracking
number, the orderer sees it "Expédiée" with the tracking link, and exports statistics."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from shop.demo import DEMO_PASSWORD
from shop.extensions import db
from shop.models import OutboxMessage

pytestmark = pytest.mark.browser


def sign_in(page: Page, identifier: str) -> None:
    page.goto("/connexion")
    page.get_by_label("Nom d'utilisateur").fill(identifier)
    page.get_by_label("Mot de passe", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Connexion", exact=True).click()
    expect(page).not_to_have_url(re.compile(r"/connexion"))


def test_ship_an_order_and_follow_it(
    app,
    demo,
    create_product,
    page: Page,
    chromium: Browser,
    live_server,
    screenshot,
    sd01,
    validated_order_for,
):
    leaflet = create_product(reference="DEPL-ETE", name="Dépliant « Été »", stock=100)
    validated_order_for(sd01, [(leaflet, 30)])

    # The logistician lands on the orders to prepare, grouped by delivery address.
    sign_in(page, "logistique")
    expect(page.get_by_role("heading", name="Logistique")).to_be_visible()
    group = page.get_by_test_id("address-group")
    expect(group).to_contain_text("MGEN SECTION DE L'AIN")
    expect(group).to_contain_text("C0001")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Bon de préparation")).click()
    text = PdfReader(download.value.path()).pages[0].extract_text()
    assert "C0001" in text and "Dépliant « Été »" in text

    page.get_by_label("Sélectionner la commande C0001").check()
    page.get_by_role("button", name="Marquer la sélection « En cours de mutualisation »").click()
    expect(page.get_by_role("status")).to_contain_text("1 commande marquée")
    expect(group).to_contain_text("En cours de mutualisation")
    screenshot(page, "logistics-prepare")

    group.get_by_role("link", name="Expédier").click()
    page.get_by_label("Transporteur", exact=True).select_option("Colissimo")
    page.get_by_label("Numéro de suivi").fill("6A 1234 5678 901")
    page.get_by_role("button", name="Marquer « Expédiée »").click()
    expect(page.get_by_role("status")).to_contain_text("Commande C0001 expédiée (Colissimo")
    expect(page.get_by_test_id("history")).to_contain_text("Expédiée")
    screenshot(page, "logistics-shipped")

    # The orderer follows it in "Mon compte", with the tracking link.
    orderer = chromium.new_context(base_url=live_server, locale="fr-FR")
    mine = orderer.new_page()
    sign_in(mine, "mgen-sd01")
    mine.get_by_role("link", name="Mon compte").first.click()
    validated = mine.get_by_test_id("orders-validated")
    expect(validated).to_contain_text("C0001")
    expect(validated).to_contain_text("Expédiée")
    expect(validated).to_contain_text("N° de suivi Colissimo : 6A12345678901")
    link = validated.get_by_role("link", name="Suivre la livraison")
    expect(link).to_have_attribute(
        "href", "https://www.laposte.fr/outils/suivre-vos-envois?code=6A12345678901"
    )
    screenshot(mine, "orderer-shipped")

    # Then exports the statistics of their orders: the CSV opens as the guide describes.
    mine.get_by_role("link", name="Statistiques commandes").click()
    expect(mine.get_by_role("heading", name="Statistiques commandes")).to_be_visible()
    expect(mine.locator("svg[role='img']")).to_be_visible()
    screenshot(mine, "orderer-statistics")
    with mine.expect_download() as download:
        mine.get_by_role("link", name="Exporter au format CSV").click()
    assert re.fullmatch(r"stat\d{8}-\d{6}\.csv", download.value.suggested_filename)
    raw = Path(download.value.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw[3:].decode("utf-8"), newline="")))
    assert rows[0] == [
        "Id de compte", "Date", "Entité", "Nom", "Prénom", "Produit", "Référence", "Quantité",
        "Prix HT", "Frais",
    ]  # fmt: skip
    [line] = rows[1:]
    assert line[0] == "mgen-sd01" and line[2] == "MGEN SECTION DE L'AIN"
    assert line[5:8] == ["Dépliant « Été »", "DEPL-ETE", "30"]
    orderer.close()

    with app.app_context():
        mail = db.session.query(OutboxMessage).filter_by(kind="order-shipped").one()
        assert "6A12345678901" in mail.body_text
