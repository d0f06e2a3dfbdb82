"""Head office imports a roster, sends the invitations; a new user activates from the
e-mail link and signs in, all in Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from shop.demo import DEMO_PASSWORD
from shop.extensions import db
from shop.models import OutboxMessage

pytestmark = pytest.mark.browser

ROSTER = (
    "nom;prenom;date_naissance;email;type;entite\n"
    "Fontaine;Léa;12/09/1988;lea.fontaine@example.org;Directeur de section;S003\n"
)


def sign_in(page: Page, identifier: str, password: str) -> None:
    page.goto("/connexion")
    page.get_by_label("Nom d'utilisateur").fill(identifier)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Connexion", exact=True).click()


def test_import_invite_activate_sign_in(app, demo, page: Page, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "SHOP_INVITATION_INTERVAL_HOURS", 0)
    roster = tmp_path / "effectifs.csv"
    roster.write_text(ROSTER, encoding="utf-8")

    sign_in(page, "siege-admin", DEMO_PASSWORD)
    page.goto("/admin/effectifs")
    page.get_by_label("Fichier des effectifs (CSV)").set_input_files(str(roster))
    page.get_by_role("button", name="Simulation").click()
    expect(page.get_by_text("Simulation : rien n'a été enregistré")).to_be_visible()
    page.get_by_label("Fichier des effectifs (CSV)").set_input_files(str(roster))
    page.get_by_role("button", name="Importer").click()
    expect(page.get_by_text("L'import est enregistré.")).to_be_visible()
    expect(page.get_by_role("cell", name="lea.fontaine.120988")).to_be_visible()
    expect(page.get_by_role("cell", name="Créé", exact=True)).to_be_visible()

    # "Gestion des accès": the account is invited; the button sends the invitations again.
    page.get_by_role("navigation").get_by_role("button", name="Administration").click()
    page.get_by_role("link", name="Gestion des accès").click()
    row = page.get_by_test_id("access").locator("tr", has_text="Fontaine")
    expect(row).to_contain_text("Invitation envoyée le")
    page.get_by_role("button", name=re.compile("Envoyer l.invitation")).click()
    expect(page.get_by_text("1 invitation envoyée.")).to_be_visible()
    page.get_by_role("button", name="Hélène Marchand").click()
    page.get_by_role("button", name="Déconnexion").click()

    # The new user opens the link of the last invitation e-mail.
    with app.app_context():
        mails = (
            db.session.query(OutboxMessage)
            .filter_by(kind="account-invitation", recipient="lea.fontaine@example.org")
            .order_by(OutboxMessage.id)
            .all()
        )
        assert len(mails) == 2 and all(m.status.value == "sent" for m in mails)
        body = mails[-1].body_text
    assert "lea.fontaine.120988" in body
    path = re.search(r"https?://[^/\s]+(/mot-de-passe/\S+)", body).group(1)
    page.goto(path)
    expect(page.get_by_text("lea.fontaine.120988")).to_be_visible()
    page.get_by_label("Nouveau mot de passe").fill("un mot de passe choisi")
    page.get_by_label("Confirmez le mot de passe").fill("un mot de passe choisi")
    page.get_by_role("button", name="Enregistrer le mot de passe").click()
    expect(page.get_by_text("Votre mot de passe est enregistré.")).to_be_visible()

    sign_in(page, "lea.fontaine.120988", "un mot de passe choisi")
    expect(page.get_by_role("button", name="Léa Fontaine")).to_be_visible()
    page.goto(path)  # the link was single-use
    expect(page.get_by_text("Ce lien n'est plus valable")).to_be_visible()
