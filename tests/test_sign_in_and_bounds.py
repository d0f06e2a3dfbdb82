"""Sign-in and accounts as a day of real use found them: "next" never leaves the site, an
activated account gets no activation link, « Mot de passe oublié » takes an address as
pasted; and every number of the admin forms says its real bounds when refused."""

from __future__ import annotations

import html
import re
from urllib.parse import urljoin, urlsplit

import pytest
from sqlalchemy import select

from shop import accounts
from shop.extensions import db
from shop.models import Account, Category, OutboxMessage, Product

SITE = "http://localhost"

# As typed in the address bar (the query string is sent as is, percent-encoded).
FOREIGN_TARGETS = [
    "//evil.example",
    "//evil.example/%2F..",
    "/%5Cevil.example",
    "/%5C%5Cevil.example",
    "/%09/evil.example",
    "/%09%09/evil.example",
    "/%0a/evil.example",
    "/%0d/evil.example",
    "/%0d%0a/evil.example",
    "%0d%0aLocation:%20http://evil.example",
    "/x%0d%0aSet-Cookie:%20a=b",
    "/%2F/evil.example",
    "/%2F%5Cevil.example",
    "%2F%2Fevil.example",
    "%252F%252Fevil.example",
    "%20//evil.example",
    "/%E3%80%80/evil.example",
    "/%C2%A0/evil.example",
    "/%7F/evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,x",
    "https://evil.example/",
    "http:evil.example",
    "https:/evil.example",
    "evil.example",
    "",
]


def as_a_browser_reads(location: str) -> tuple[str, str]:
    """(scheme, host) a browser goes to: it drops tabs and line breaks, reads "\\" as "/"."""
    cleaned = re.sub(r"[\t\n\r]", "", location).strip().replace("\\", "/")
    parts = urlsplit(urljoin(SITE + "/connexion", cleaned))
    return parts.scheme, parts.netloc


def sign_in(new_browser, target: str):
    browser = new_browser()
    return browser.post(
        f"/connexion?next={target}", {"identifier": "mgen-sd01", "password": "demo-password-2026"}
    )


@pytest.mark.parametrize("target", FOREIGN_TARGETS)
def test_sign_in_never_sends_the_browser_to_another_site(demo, new_browser, target):
    response = sign_in(new_browser, target)
    assert response.status_code == 302, response.status_code
    assert response.headers["Location"] == "/"  # the home page, not the foreign target
    assert as_a_browser_reads(response.headers["Location"]) == ("http", "localhost")


@pytest.mark.parametrize(
    "target, lands",
    [
        ("/mon-compte", "/mon-compte"),
        ("/catalogue/imprimes%3Fq%3Dd%25C3%25A9pliant", "/catalogue/imprimes?q=d%C3%A9pliant"),
        ("/panier", "/panier"),
    ],
)
def test_sign_in_goes_on_to_a_page_of_this_site(demo, new_browser, target, lands):
    response = sign_in(new_browser, target)
    assert response.headers["Location"] == lands


@pytest.mark.parametrize("target", ["/%09/evil.example", "/%0d%0a/evil", "//evil.example"])
def test_the_language_and_basket_forms_stay_on_this_site(login_as, create_product, target):
    from urllib.parse import unquote

    browser = login_as("mgen-sd01")
    language = browser.post("/langue/fr", {"next": unquote(target)})
    assert language.status_code == 302 and language.headers["Location"] == "/"
    product_id = create_product(stock=10)
    added = browser.post(
        "/panier/ajouter", {"product_id": str(product_id), "quantity": "1", "next": unquote(target)}
    )
    assert added.status_code == 302
    assert as_a_browser_reads(added.headers["Location"]) == ("http", "localhost")
    assert added.headers["Location"] == "/panier"


# --- invitations ------------------------------------------------------------------------


def test_an_activated_account_is_sent_no_invitation_and_offered_none(app, login_as, account_id):
    admin = login_as("siege-admin")
    target = account_id("mgen-ar01")  # activated: it has a password
    page = admin.get(f"/admin/comptes/{target}").get_data(as_text=True)
    assert "Renvoyer l" not in html.unescape(page)
    response = admin.post(f"/admin/comptes/{target}/invitation", follow_redirects=True)
    assert "Ce compte est déjà activé" in html.unescape(response.get_data(as_text=True))
    with app.app_context():
        assert db.session.query(OutboxMessage).count() == 0


def test_an_activation_link_cannot_change_an_activated_account(app, demo, browser, account_id):
    """Even a link made for it (as the shop once sent): its e-mail and password stay."""
    target = account_id("mgen-ar01")
    with app.app_context():
        account = db.session.get(Account, target)
        token = accounts.make_token(account, accounts.ACTIVATION)
        before = (account.email, account.password_hash)
    assert browser.get(f"/mot-de-passe/{token}").status_code == 400
    response = browser.post(
        f"/mot-de-passe/{token}",
        {"email": "pirate@evil.example", "password": "x" * 16, "confirm": "x" * 16},
    )
    assert response.status_code == 400
    with app.app_context():
        account = db.session.get(Account, target)
        assert (account.email, account.password_hash) == before


def test_an_activation_link_still_activates_a_new_account(app, demo, browser, account_id):
    target = account_id("mgen-ar01")
    with app.app_context():
        account = db.session.get(Account, target)
        account.password_hash = None  # invited, not yet activated
        db.session.commit()
        token = accounts.make_token(account, accounts.ACTIVATION)
    response = browser.post(
        f"/mot-de-passe/{token}",
        {"email": "nouvelle@example.org", "password": "x" * 16, "confirm": "x" * 16},
    )
    assert response.status_code == 302
    with app.app_context():
        account = db.session.get(Account, target)
        assert account.email == "nouvelle@example.org" and account.check_password("x" * 16)


# --- « Mot de passe oublié » ------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "mgen-sd01@boutique.example ",
        "  MGEN-SD01@Boutique.Example\t",
        "\nmgen-sd01@boutique.example",
    ],
)
def test_a_forgotten_password_takes_the_address_as_pasted(demo, browser, outbox, typed):
    response = browser.post("/mot-de-passe-oublie", {"email": typed})
    assert response.status_code == 302
    [mail] = outbox("password-reset")
    assert mail.recipient == "mgen-sd01@boutique.example"


# --- numbers of the admin forms say their bounds -----------------------------------------


def readable(response) -> str:
    """The page's text with every kind of space as a plain one (French numbers use narrow
    no-break spaces)."""
    return re.sub(r"[\u00a0\u202f]", " ", html.unescape(response.get_data(as_text=True)))


def product_form(app, **values) -> dict:
    with app.app_context():
        category_id = db.session.scalar(select(Category.id).order_by(Category.id))
    return {
        "reference": "IMP-BORNES",
        "name": "Dépliant",
        "category_id": str(category_id),
        "unit_price": "1,00",
        "vat_rate": "20",
        "min_quantity": "1",
        "max_quantity": "10",
        "quantity_step": "1",
        "weight_grams": "10",
        "monthly_quota": "",
        "active": "y",
    } | values


@pytest.mark.parametrize(
    "field, typed, message",
    [
        ("unit_price", "99999999999", "Le prix unitaire HT ne peut dépasser 99 999 999,99 €."),
        ("unit_price", "99 999 999 999", "Le prix unitaire HT ne peut dépasser 99 999 999,99 €."),
        ("unit_price", "100000000,00", "Le prix unitaire HT ne peut dépasser 99 999 999,99 €."),
        ("unit_price", "-1", "Le prix unitaire HT doit être un montant positif ou nul."),
        ("vat_rate", "1000000", "Le taux de TVA doit être compris entre 0 et 100 (100 exclu)."),
        ("min_quantity", "2000000000", "La quantité minimale ne peut dépasser 1 000 000 000."),
        (
            "max_quantity",
            "1000001",
            "La quantité maximale par commande doit être un nombre entier de 1 à 1 000 000.",
        ),
        ("quantity_step", "99999999999", "Le pas de quantité ne peut dépasser 1 000 000 000."),
        (
            "weight_grams",
            "12345678901234567890",
            "Le poids ne peut dépasser 1 000 000 000 grammes.",
        ),
        (
            "monthly_quota",
            "1000000001",
            "Le quota mensuel doit être un nombre entier de 0 à 1 000 000 000.",
        ),
    ],
)
def test_a_number_beyond_its_bound_is_told_the_bound(app, login_as, field, typed, message):
    admin = login_as("siege-admin")
    response = admin.post("/admin/produits/nouveau", product_form(app, **{field: typed}))
    assert response.status_code in (200, 400)
    page = readable(response)
    assert message in page
    assert f'id="{field}-error"' in page
    with app.app_context():
        assert db.session.query(Product).filter_by(reference="IMP-BORNES").count() == 0


def test_a_stock_movement_beyond_its_bound_is_told_the_bound(app, login_as, create_product):
    product_id = create_product(stock=10)
    admin = login_as("siege-admin")
    response = admin.post(
        f"/admin/stock/{product_id}", {"delta": "-2000000000", "reason": "Inventaire"}
    )
    assert "La quantité doit être comprise entre -1 000 000 000 et 1 000 000 000." in readable(
        response
    )
    with app.app_context():
        assert db.session.get(Product, product_id).stock_on_hand == 10


def test_a_quota_beyond_its_bound_is_told_the_bound(app, login_as, create_product):
    product_id = create_product()
    admin = login_as("siege-admin")
    response = admin.post(f"/admin/quotas/{product_id}", {"monthly_quota": "5000000000"})
    assert "un nombre entier de 0 à 1 000 000 000 est attendu" in readable(response)
    with app.app_context():
        assert db.session.get(Product, product_id).monthly_quota is None
