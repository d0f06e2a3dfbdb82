"""Every page a user reaches renders, for each kind of account."""

import pytest


@pytest.mark.parametrize(
    "identifier, urls",
    [
        (
            "mgen-sd01",
            [
                "/boutique/imprimes",
                "/boutique/objets",
                "/boutique/imprimes/prevention",
                "/recherche?q=depliant",
                "/panier",
                "/produit/1",
            ],
        ),
        (
            "siege-admin",
            [
                "/admin/comptes",
                "/admin/comptes/nouveau",
                "/admin/comptes/1",
                "/admin/entites",
                "/admin/entites/nouvelle",
                "/admin/entites/1",
            ],
        ),
    ],
)
def test_pages_render(login_as, identifier, urls):
    browser = login_as(identifier)
    for url in urls:
        response = browser.get(url)
        assert response.status_code == 200, url


def test_anonymous_pages(browser):
    assert browser.get("/connexion").status_code == 200
    assert browser.get("/mot-de-passe-oublie").status_code == 200
    response = browser.get("/")
    assert response.status_code == 302 and "/connexion" in response.location
