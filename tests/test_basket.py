"""The basket: adding, changing, removing, one shop at a time, and bad input."""

from datetime import timedelta
from decimal import Decimal

import pytest

from shop.clock import local_today
from shop.extensions import db
from shop.models import Account, Basket, BasketLine, Product, ShopKind
from shop.ordering import basket as baskets


def lines(app, identifier="mgen-sd01") -> dict[str, int]:
    with app.app_context():
        rows = (
            db.session.query(Product.reference, BasketLine.quantity)
            .join(BasketLine.product)
            .join(BasketLine.basket)
            .join(Account, Account.id == Basket.account_id)
            .filter(Account.identifier == identifier)
            .all()
        )
        return dict(rows)


def test_add_change_remove(app, login_as, create_product, add):
    browser = login_as("mgen-sd01")
    first = create_product(reference="A-1", min_quantity=10, max_quantity=100, quantity_step=10)
    second = create_product(reference="A-2", unit_price=Decimal("2.50"))
    assert add(browser, first, 20).status_code == 302
    assert add(browser, second, 3).status_code == 302
    assert lines(app) == {"A-1": 20, "A-2": 3}

    # Adding again replaces the quantity: the drop-down gives the whole quantity.
    add(browser, first, 30)
    assert lines(app) == {"A-1": 30, "A-2": 3}

    page = browser.post(
        f"/panier/produit/{second}/quantite", {"quantity": "4"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "La quantité a été mise à jour." in page
    assert lines(app) == {"A-1": 30, "A-2": 4}

    browser.post(f"/panier/produit/{first}/supprimer")
    assert lines(app) == {"A-2": 4}


def test_basket_page_shows_lines_shipping_and_totals(app, login_as, create_product, add):
    browser = login_as("mgen-sd01")
    product = create_product(
        shop=ShopKind.OBJECTS,
        name="Gourde de test",
        unit_price=Decimal("5.90"),
        vat_rate=Decimal("20.00"),
        weight_grams=260,
    )
    add(browser, product, 10)
    page = browser.get("/panier").get_data(as_text=True)
    assert "Gourde de test" in page
    assert "Actualiser la quantité" in page and "Supprimer" in page
    # 10 x 5.90 = 59.00 HT; 2.6 kg -> 11.50 HT shipping; VAT 11.80 + 2.30.
    assert "Livraison DPD" in page and "11,50\xa0€" in page
    assert "70,50\xa0€" in page  # total excl. VAT
    assert "84,60\xa0€" in page  # total incl. VAT
    assert "Date de livraison estimée" in page


def test_printed_material_ships_free(login_as, create_product, add):
    browser = login_as("mgen-sd01")
    add(browser, create_product(weight_grams=5000), 5)
    page = browser.get("/panier").get_data(as_text=True)
    assert "Tarif H.T. : 0,00\xa0€" in page
    assert "à la charge du siège" in page


def test_one_shop_at_a_time(app, login_as, create_product, add):
    browser = login_as("mgen-sd01")
    printed = create_product(reference="IMP-1")
    obj = create_product(shop=ShopKind.OBJECTS, reference="OBJ-1")
    add(browser, printed, 5)
    page = add(browser, obj, 5, follow_redirects=True).get_data(as_text=True)
    assert "Votre panier contient des imprimés" in page
    assert "indépendantes" in page
    assert lines(app) == {"IMP-1": 5}

    # Once the printed basket is emptied, objects can be added.
    browser.post("/panier/vider")
    add(browser, obj, 5)
    assert lines(app) == {"OBJ-1": 5}
    page = add(browser, printed, 5, follow_redirects=True).get_data(as_text=True)
    assert "Votre panier contient des objets" in page
    assert lines(app) == {"OBJ-1": 5}


@pytest.mark.parametrize(
    "quantity",
    ["-10", "0", "15", "1000", "abc", "1.5", "", "9" * 40, "1e3", " 20 x", "²", "٣", "٢٠"],
)
def test_bad_quantities_are_refused_and_change_nothing(
    app, login_as, create_product, quantity, add
):
    browser = login_as("mgen-sd01")
    product = create_product(min_quantity=10, max_quantity=100, quantity_step=10)
    add(browser, product, 10)
    response = add(browser, product, quantity, follow_redirects=True)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Quantité non valide" in page
    assert lines(app) == {"TEST-0001": 10}
    response = browser.post(
        f"/panier/produit/{product}/quantite", {"quantity": quantity}, follow_redirects=True
    )
    assert "Quantité non valide" in response.get_data(as_text=True)
    assert lines(app) == {"TEST-0001": 10}


def test_quantity_above_stock_is_refused(app, login_as, create_product, add):
    browser = login_as("mgen-sd01")
    product = create_product(stock=7)
    page = add(browser, product, 8, follow_redirects=True).get_data(as_text=True)
    assert "il ne reste que 7 exemplaires disponibles" in page
    assert lines(app) == {}


@pytest.mark.parametrize("product_id", ["999999", "abc", "-1", "", "²", "٣", "9" * 20])
def test_unknown_products_are_404(login_as, product_id, add):
    browser = login_as("mgen-sd01")
    assert add(browser, product_id, 10).status_code == 404
    assert browser.get(f"/produit/{product_id}").status_code == 404


def test_lines_of_someone_else_or_absent_are_404(app, login_as, create_product, add):
    product = create_product()
    director = login_as("mgen-sd01")
    add(director, product, 5)
    assistant = login_as("mgen-ar01")
    assert (
        assistant.post(f"/panier/produit/{product}/quantite", {"quantity": "1"}).status_code == 404
    )
    assert assistant.post(f"/panier/produit/{product}/supprimer").status_code == 404
    assert lines(app) == {"TEST-0001": 5}


def test_withdrawn_product_cannot_be_added(app, login_as, create_product, add):
    browser = login_as("mgen-sd01")
    product = create_product(active=False)
    assert add(browser, product, 1).status_code == 404


def test_product_before_its_opening_date_is_greyed_and_refused(app, login_as, create_product, add):
    browser = login_as("mgen-sd01")
    with app.app_context():
        opens = local_today() + timedelta(days=30)
    product = create_product(reference="SANTE-FUTUR", orderable_from=opens)
    page = browser.get(f"/produit/{product}").get_data(as_text=True)
    assert f"Commandable à partir du {opens:%d/%m/%Y}" in page
    assert "Ajouter au panier" not in page
    page = add(browser, product, 1, follow_redirects=True).get_data(as_text=True)
    assert "ne peut être commandé qu&#39;à partir du" in page
    assert lines(app) == {}


def test_product_open_from_today(app, login_as, create_product, add):
    browser = login_as("mgen-sd01")
    with app.app_context():
        today = local_today()
    product = create_product(orderable_from=today)
    assert add(browser, product, 1).status_code == 302
    assert len(lines(app)) == 1


def test_concurrent_adds_from_both_shops_never_mix(app, demo, create_product, run_threads):
    """Two tabs add a printed product and an object at the same instant: one shop wins."""
    printed = create_product(reference="RACE-IMP")
    obj = create_product(shop=ShopKind.OBJECTS, reference="RACE-OBJ")
    with app.app_context():
        account_id = db.session.query(Account.id).filter_by(identifier="mgen-sd01").scalar()

    def worker(product_id: int):
        # Released before any query: SQLite's BEGIN IMMEDIATE would serialize.
        def add_one() -> str:
            with app.app_context():
                try:
                    account = db.session.get(Account, account_id)
                    baskets.add_to_basket(account, product_id, 1, local_today())
                    db.session.commit()
                    return "ok"
                except baskets.BasketError:
                    db.session.rollback()
                    return "refused"
                finally:
                    db.session.remove()

        return add_one

    for _ in range(5):
        outcomes = run_threads([worker(printed), worker(obj)], timeout=30)
        assert sorted(outcomes) == ["ok", "refused"]
        assert len(lines(app)) == 1
        with app.app_context():
            baskets.empty_basket(db.session.get(Account, account_id))
            db.session.commit()


def test_concurrent_first_adds_create_one_basket(app, demo, create_product, run_threads):
    products = [create_product(reference=f"FIRST-{i}") for i in range(4)]
    with app.app_context():
        account_id = db.session.query(Account.id).filter_by(identifier="mgen-ar01").scalar()

    def worker(product_id: int):
        def add_one() -> None:
            with app.app_context():
                try:
                    baskets.add_to_basket(
                        db.session.get(Account, account_id), product_id, 1, local_today()
                    )
                    db.session.commit()
                finally:
                    db.session.remove()

        return add_one

    run_threads([worker(p) for p in products], timeout=30)  # raises a worker's error
    assert len(lines(app, "mgen-ar01")) == 4
    with app.app_context():
        assert db.session.query(Basket).count() == 1
