"""Large numbers read the French way (« 5 000 000 », a no-break space between thousands)
in the admin and logistics pages and in the messages about quantities and stock."""

from __future__ import annotations

import html
import re

from shop.extensions import db
from shop.models import Product

SPACE = "[\u202f\u00a0]"  # the no-break space the shop's number filter puts between thousands


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_stock_messages_and_lists_group_thousands(app, login_as, create_product):
    product_id = create_product(reference="IMP-002", name="Affiche", stock=1750)
    admin = login_as("siege-admin")
    done = admin.post(
        f"/admin/stock/{product_id}",
        {"delta": "+5000000", "reason": "Réception fournisseur"},
        follow_redirects=True,
    )
    page = text(done)
    assert re.search(
        f"Stock d'IMP-002 : \\+5{SPACE}000{SPACE}000, soit 5{SPACE}001{SPACE}750 en stock", page
    ), page
    assert "5001750" not in page and "+5000000" not in page
    for url in ["/admin/stock", "/admin/produits"]:
        listed = text(admin.get(url))
        assert re.search(f"5{SPACE}001{SPACE}750", listed), url
        assert "5001750" not in listed, url
    # Refusals too: what may be removed, said with its thousands.
    refused = text(
        admin.post(f"/admin/stock/{product_id}", {"delta": "-6000000", "reason": "Casse"})
    )
    assert re.search(f"il n'y a que 5{SPACE}001{SPACE}750 exemplaire", refused), refused


def test_quantity_refusals_group_thousands_and_say_how_to_choose(app, login_as, create_product):
    listed = create_product(stock=50, max_quantity=20)  # a drop-down of 20 quantities
    typed = create_product(stock=2_000_000, max_quantity=1_000_000)  # a number field
    director = login_as("mgen-sd01")
    product_page = text(director.get(f"/produit/{typed}"))
    assert 'type="number"' in product_page

    def add(product_id, quantity):
        return text(
            director.post(
                "/panier/ajouter",
                {"product_id": str(product_id), "quantity": quantity},
                follow_redirects=True,
            )
        )

    too_many = add(typed, "2000000")
    assert re.search(f"choisissez une quantité entre 1 et 1{SPACE}000{SPACE}000", too_many)
    assert "1000000" not in too_many
    word = add(typed, "beaucoup")
    assert re.search(
        f"Quantité non valide : saisissez une quantité entre 1 et 1{SPACE}000{SPACE}000", word
    ), word
    assert "dans la liste" not in word
    assert "choisissez une quantité dans la liste" in add(listed, "beaucoup")
    done = add(typed, "1750")
    assert re.search(f"1{SPACE}750 dans votre panier", done), done
    with app.app_context():
        assert db.session.get(Product, typed).reserved_quantity == 0


def test_the_logistics_page_shows_quantities_with_their_thousands(
    app, login_as, create_product, sd01, validated_order_for
):
    product = create_product(stock=5000, max_quantity=5000)
    order_id = validated_order_for(sd01, [(product, 1750)])
    page = text(login_as("logistique").get(f"/logistique/commande/{order_id}"))
    assert re.search(f">1{SPACE}750<", page), page
