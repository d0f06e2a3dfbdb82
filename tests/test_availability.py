"""What a person is offered and may put in the basket is what is available: the stock on
hand less what orders within their validation deadline hold, never a list built from the
maximum alone."""

from __future__ import annotations

import html
import re
import time
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine

from shop.catalog import admin as catalog_admin
from shop.catalog.quantities import QuantityRule
from shop.clock import shop_timezone, utcnow
from shop.errors import DomainError
from shop.extensions import db
from shop.models import Account, BasketLine, Category, Order, Product, ShopKind
from shop.ordering import orders

SHOPS = [ShopKind.PRINTED, ShopKind.OBJECTS]


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def card(page: str, reference: str) -> str:
    """The catalog card of the product ``reference``."""
    match = re.search(rf'data-reference="{reference}".*?</article>', page, re.S)
    assert match, reference
    return match.group(0)


def offered(fragment: str, product_id: int, prefix: str = "qty") -> list[int]:
    """The quantities of the drop-down ``{prefix}-{product_id}`` in ``fragment``."""
    match = re.search(rf'<select[^>]*id="{prefix}-{product_id}".*?</select>', fragment, re.S)
    assert match, f"no drop-down {prefix}-{product_id}"
    return [int(v) for v in re.findall(r'<option value="(\d+)"', match.group(0))]


def lines(app, account_id: int) -> dict[int, int]:
    with app.app_context():
        rows = db.session.query(BasketLine).all()
        return {
            line.product_id: line.quantity for line in rows if line.basket.account_id == account_id
        }


@pytest.fixture
def hold(app, fill, make_orderers):
    """``hold(product_id, quantity)``: another orderer saves an order of it (holding the
    units for 7 days); returns the order id."""

    def save(product_id: int, quantity: int) -> int:
        [holder] = make_orderers(1)
        fill(holder, [(product_id, quantity)])
        with app.app_context():
            account = db.session.get(Account, holder)
            order = orders.save_basket(account, utcnow(), shop_timezone(), 1)
            db.session.commit()
            return order.id

    return save


@pytest.mark.parametrize("shop", SHOPS, ids=lambda s: s.value)
def test_stock_held_by_saved_orders_is_not_offered(app, login_as, create_product, hold, shop):
    sold_out = create_product(shop=shop, reference="HELD-ALL", name="Tout réservé", stock=3)
    partly = create_product(shop=shop, reference="HELD-PART", name="Presque tout", stock=10)
    hold(sold_out, 3)
    hold(partly, 7)
    director = login_as("mgen-sd01")

    listing = text(director.get(f"/boutique/{shop.value}"))
    assert "Épuisé" in card(listing, "HELD-ALL")
    assert "Ajouter au panier" not in card(listing, "HELD-ALL")
    assert offered(card(listing, "HELD-PART"), partly) == [1, 2, 3]

    found = text(director.get("/recherche?q=reserve"))
    assert "Épuisé" in card(found, "HELD-ALL")

    page = text(director.get(f"/produit/{sold_out}"))
    assert re.search(r'data-testid="available">0<', page)
    assert "Épuisé" in page and "Ajouter au panier" not in page
    page = text(director.get(f"/produit/{partly}"))
    assert re.search(r'data-testid="available">3<', page)
    assert offered(page, partly) == [1, 2, 3]


def test_add_and_update_refuse_more_than_is_available_naming_what_is_left(
    app, login_as, create_product, hold, add, sd01
):
    product = create_product(name="Affiche A3", stock=10)
    director = login_as("mgen-sd01")
    add(director, product, 2)
    hold(product, 7)  # 3 left

    page = text(add(director, product, 4, follow_redirects=True))
    assert "« Affiche A3 » : il ne reste que 3 exemplaires disponibles." in page
    page = text(
        director.post(
            f"/panier/produit/{product}/quantite", {"quantity": "4"}, follow_redirects=True
        )
    )
    assert "« Affiche A3 » : il ne reste que 3 exemplaires disponibles." in page
    assert lines(app, sd01) == {product: 2}

    hold(product, 2)  # 1 left
    page = text(add(director, product, 2, follow_redirects=True))
    assert "« Affiche A3 » : il ne reste qu'un exemplaire disponible." in page
    hold(product, 1)  # none left
    page = text(add(director, product, 1, follow_redirects=True))
    assert "« Affiche A3 » : plus aucun exemplaire disponible." in page
    assert "0 exemplaire" not in page
    assert lines(app, sd01) == {product: 2}


def test_the_basket_flags_a_line_above_what_is_left(app, login_as, create_product, hold, add):
    product = create_product(name="Stylo bille", stock=5)
    other = create_product(name="Bloc-notes", stock=5)
    director = login_as("mgen-sd01")
    add(director, product, 5)
    add(director, other, 2)
    hold(product, 3)

    page = text(director.get("/panier"))
    [flag] = re.findall(r'data-testid="shortage">([^<]*)<', page)
    assert flag == "« Stylo bille » : il ne reste que 2 exemplaires disponibles."
    # The line keeps its quantity, selected, beside what can still be chosen.
    assert offered(page, product, "line-qty") == [1, 2, 5]
    assert re.search(r'<option value="5" selected>', page)
    assert offered(page, other, "line-qty") == [1, 2, 3, 4, 5]


def test_a_reservation_past_its_deadline_is_available_before_any_job(
    app, login_as, create_product, hold, add, sd01
):
    product = create_product(reference="EXPIRING", stock=4)
    hold(product, 4)
    director = login_as("mgen-sd01")
    assert "Épuisé" in card(text(director.get("/boutique/imprimes")), "EXPIRING")
    with time_machine.travel(utcnow() + timedelta(days=7, minutes=1), tick=False):
        listing = text(director.get("/boutique/imprimes"))
        assert offered(card(listing, "EXPIRING"), product) == [1, 2, 3, 4]
        add(director, product, 4)
        assert lines(app, sd01) == {product: 4}
        assert "shortage" not in text(director.get("/panier"))


def test_an_order_being_modified_counts_its_own_units_as_available(
    app, login_as, create_product, add, save, sd01
):
    product = create_product(reference="MINE", name="Carte de vœux", stock=5)
    director = login_as("mgen-sd01")
    add(director, product, 4)
    assert "est enregistrée" in text(save(director))
    with app.app_context():
        assert db.session.get(Product, product).reserved_quantity == 4
    others = login_as("mgen-ar01")
    assert offered(card(text(others.get("/boutique/imprimes")), "MINE"), product) == [1]

    order_id = _own_order(app, sd01)
    director.post(f"/commande/{order_id}/modifier", follow_redirects=True)
    basket = text(director.get("/panier"))
    assert "shortage" not in basket
    assert offered(basket, product, "line-qty") == [1, 2, 3, 4, 5]
    assert offered(card(text(director.get("/boutique/imprimes")), "MINE"), product) == [
        1,
        2,
        3,
        4,
        5,
    ]
    assert re.search(r'data-testid="available">5<', text(director.get(f"/produit/{product}")))
    response = director.post(
        f"/panier/produit/{product}/quantite", {"quantity": "5"}, follow_redirects=True
    )
    assert "La quantité a été mise à jour." in text(response)
    assert "est enregistrée" in text(save(director))
    with app.app_context():
        assert db.session.get(Product, product).reserved_quantity == 5


def _own_order(app, account_id: int) -> int:
    with app.app_context():
        return db.session.query(Order.id).filter_by(account_id=account_id).scalar()


def test_a_huge_maximum_renders_a_small_page_fast(app, login_as, create_product, add, sd01):
    product = create_product(
        reference="HUGE", max_quantity=20_000_000, stock=20_000_000, weight_grams=1
    )
    director = login_as("mgen-sd01")
    for url in (f"/produit/{product}", "/boutique/imprimes", "/recherche?q=huge"):
        director.get(url)  # warm up
        started = time.perf_counter()
        response = director.get(url)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200
        assert elapsed < 0.5, (url, elapsed)
        page = text(response)
        assert len(page) < 60_000, (url, len(page))
        field = re.search(rf'<input[^>]*id="qty-{product}"[^>]*>', page).group(0)
        assert 'type="number"' in field and 'min="1"' in field
        assert 'max="20000000"' in field and 'step="1"' in field
    add(director, product, 12_345_678)
    assert lines(app, sd01) == {product: 12_345_678}
    basket = director.get("/panier")
    assert len(basket.get_data()) < 60_000
    assert re.search(rf'<input[^>]*id="line-qty-{product}"[^>]*value="12345678"', text(basket))
    # The number field is checked on the server as the drop-down is.
    for bad in ("0", "20000001", "1,5", "-3"):
        director.post(f"/panier/produit/{product}/quantite", {"quantity": bad})
        assert lines(app, sd01) == {product: 12_345_678}


def test_quantity_offer_is_bounded_by_availability_and_never_lists_millions():
    rule = QuantityRule(10, 200, 10)
    assert rule.offer(35).choices == [10, 20, 30]
    assert rule.offer(35).maximum == 30
    assert not rule.offer(9).orderable and rule.offer(9).choices == []
    assert rule.offer(10**9).choices == list(range(10, 201, 10))
    huge = QuantityRule(1, 20_000_000, 1)
    started = time.perf_counter()
    offer = huge.offer(20_000_000)
    assert time.perf_counter() - started < 0.01
    assert offer.choices is None and (offer.minimum, offer.maximum, offer.step) == (
        1,
        20_000_000,
        1,
    )
    assert QuantityRule(1, 100, 1).offer(100).choices == list(range(1, 101))
    assert QuantityRule(1, 101, 1).offer(101).choices is None
    assert QuantityRule(5, 100, 5).offer(100).with_current(7) == [5, 7, *range(10, 101, 5)]


def test_the_admin_maximum_is_bounded_with_a_french_message(app, login_as, create_product):
    product = create_product(reference="TEST-MAX", max_quantity=100)
    admin = login_as("siege-admin")
    with app.app_context():
        category = db.session.query(Category).filter_by(slug="test-imprimes").one().id
    form = {
        "reference": "TEST-MAX",
        "name": "Affiche",
        "description": "",
        "category_id": str(category),
        "unit_price": "1,00",
        "vat_rate": "20",
        "min_quantity": "1",
        "max_quantity": "20000000",
        "quantity_step": "1",
        "weight_grams": "10",
        "orderable_from": "",
        "monthly_quota": "",
        "active": "y",
    }
    response = admin.post(f"/admin/produits/{product}", form)
    assert response.status_code in (200, 400)
    page = text(response)
    assert (
        "La quantité maximale par commande doit être un nombre entier de 1 à 1\u202f000\u202f000."
        in page
    )
    with app.app_context():
        assert db.session.get(Product, product).max_quantity == 100
    form["max_quantity"] = "1000000"
    admin.post(f"/admin/produits/{product}", form)
    with app.app_context():
        assert db.session.get(Product, product).max_quantity == 1_000_000


def test_the_domain_refuses_a_maximum_above_the_bound(app, create_product):
    create_product()  # the category
    with app.test_request_context():
        category = db.session.query(Category).filter_by(slug="test-imprimes").one().id
        data = catalog_admin.ProductData(
            reference="TEST-DOMAIN",
            name="Affiche",
            category_id=category,
            unit_price=Decimal("1.00"),
            vat_rate=Decimal("20.00"),
            min_quantity=1,
            max_quantity=1_000_001,
            quantity_step=1,
            weight_grams=0,
        )
        with pytest.raises(DomainError) as refused:
            catalog_admin.check_product_data(data)
        assert refused.value.field == "max_quantity"
        data.max_quantity = 1_000_000
        catalog_admin.check_product_data(data)


def test_head_office_lists_count_availability_as_the_shops_do(app, login_as, create_product, hold):
    product = create_product(reference="ADMINDISPO", stock=10)
    hold(product, 4)
    admin = login_as("siege-admin")

    def row(url: str) -> str:
        page = text(admin.get(url))
        match = re.search(r"<tr[^>]*>(?:(?!</tr>).)*ADMINDISPO.*?</tr>", page, re.S)
        assert match, url
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(0)))

    assert " 10 4 6 " in row("/admin/stock?q=ADMINDISPO")  # on hand, held, available
    assert " 6 " in row("/admin/produits?q=ADMINDISPO")
    # Past the deadline, before any sweep: nothing is held any more, everywhere alike.
    with time_machine.travel(utcnow() + timedelta(days=7, minutes=1), tick=False):
        assert " 10 0 10 " in row("/admin/stock?q=ADMINDISPO")
        assert " 10 " in row("/admin/produits?q=ADMINDISPO")


def test_what_is_left_reads_with_its_thousands_grouped(app, login_as, create_product, add, sd01):
    product = create_product(name="Dépliant", stock=1500, max_quantity=100_000)
    director = login_as("mgen-sd01")
    page = text(add(director, product, 2000, follow_redirects=True))
    assert re.search(r"« Dépliant » : il ne reste que 1\s500 exemplaires disponibles\.", page)
    assert lines(app, sd01) == {}
