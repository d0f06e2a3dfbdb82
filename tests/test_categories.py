"""Head office's categories of both shops: the guide's seven from the migrations; create,
rename, reorder, deactivate (the shops hide the category and its products), delete only an
empty one; one name per shop whatever the case, even when two admins create it at once."""

from __future__ import annotations

import html

import pytest

from shop.catalog import categories as categories_admin
from shop.clock import local_today
from shop.errors import DomainError
from shop.extensions import db
from shop.models import Account, AuditEntry, BasketLine, Category, Product, ShopKind
from shop.ordering import basket as baskets

GUIDE = [
    "Offres additionnelles",
    "Offres santé",
    "Services",
    "Supports B2B",
    "Communication institutionnelle",
    "Prévention",
    "Réglementaire",
]
NEW = "/admin/categories/nouvelle"


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def printed_names(app) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                db.select(Category.name)
                .where(Category.shop == ShopKind.PRINTED)
                .order_by(Category.position, Category.id)
            )
        )


def category(app, **criteria) -> Category | None:
    with app.app_context():
        found = db.session.query(Category).filter_by(**criteria).one_or_none()
        db.session.expunge_all()
        return found


def category_count(app) -> int:
    with app.app_context():
        return db.session.query(Category).count()


def actions(app, action: str) -> list[AuditEntry]:
    with app.app_context():
        entries = db.session.query(AuditEntry).filter_by(action=action).all()
        db.session.expunge_all()
        return entries


def product_id(app, reference: str) -> int:
    with app.app_context():
        return db.session.query(Product.id).filter_by(reference=reference).scalar()


@pytest.fixture
def admin(login_as):
    return login_as("siege-admin")


# --- From the migrations ------------------------------------------------------------------


@pytest.mark.parametrize("run", [1, 2])
def test_the_guides_categories_exist_without_demo_data(app, run):
    """Every test starts with them (run twice: the clean step puts them back)."""
    assert printed_names(app) == GUIDE
    with app.app_context():
        assert db.session.query(Product).count() == 0
        slugs = db.session.scalars(db.select(Category.slug).order_by(Category.position)).all()
        assert slugs[:2] == ["offres-additionnelles", "offres-sante"]
        assert all(db.session.scalars(db.select(Category.active)))
        # A new category gets the next id, after the migrated ones.
        created = categories_admin.create_category(ShopKind.OBJECTS, "Goodies", None)
        db.session.commit()
        others = db.session.scalars(db.select(Category.id).where(Category.id != created.id))
        assert created.id > max(others)


def test_the_demo_data_reuses_them(app, demo):
    assert printed_names(app) == GUIDE
    with app.app_context():
        prevention = db.session.query(Category).filter_by(slug="prevention").one()
        references = {p.reference for p in db.session.query(Product).filter_by(category=prevention)}
        assert "DEPL-TMS" in references


# --- Create ---------------------------------------------------------------------------------


def test_admin_creates_a_category_of_objects(app, admin):
    listed = page_text(admin.get("/admin/categories"))
    assert "Offres santé" in listed and "Bureau et écriture" in listed

    response = admin.post(NEW, {"shop": "objets", "name": "  Textiles   bio "})
    assert response.status_code == 302
    created = category(app, slug="textiles-bio")
    assert (created.shop, created.name, created.active) == (ShopKind.OBJECTS, "Textiles bio", True)
    shown = page_text(admin.get("/admin/categories"))
    assert "La catégorie « Textiles bio » est créée dans « Les objets »." in shown
    # Last of its shop.
    with app.app_context():
        last = db.session.scalar(
            db.select(Category.name)
            .where(Category.shop == ShopKind.OBJECTS)
            .order_by(Category.position.desc())
        )
    assert last == "Textiles bio"
    [entry] = actions(app, "category.create")
    assert entry.target_id == created.id and entry.changes["name"] == [None, "Textiles bio"]


def test_an_orderer_finds_the_new_category_in_the_menu(app, admin, login_as):
    admin.post(NEW, {"shop": "objets", "name": "Goodies écologiques"})
    shop_page = page_text(login_as("mgen-sd01").get("/boutique/objets"))
    assert "Goodies écologiques" in shop_page
    assert "/boutique/objets/goodies-ecologiques" in shop_page


@pytest.mark.parametrize(
    ("shop", "name"),
    [("imprimes", "prévention"), ("imprimes", "PRÉVENTION  "), ("imprimes", "Supports  b2b")],
)
def test_a_name_is_unique_in_its_shop_whatever_the_case(app, admin, shop, name):
    count = category_count(app)
    response = admin.post(NEW, {"shop": shop, "name": name})
    assert response.status_code == 400
    text = page_text(response)
    assert "Une catégorie de cette boutique porte déjà ce nom." in text
    assert 'id="name-error"' in text
    assert category_count(app) == count


def test_the_same_name_in_the_other_shop_gets_its_own_slug(app, admin):
    assert admin.post(NEW, {"shop": "objets", "name": "Prévention"}).status_code == 302
    created = category(app, shop=ShopKind.OBJECTS, name="Prévention")
    assert created.slug == "prevention-2"
    assert category(app, slug="prevention").shop is ShopKind.PRINTED


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"shop": "objets", "name": ""}, "Indiquez le nom de la catégorie."),
        ({"shop": "objets", "name": "   "}, "Indiquez le nom de la catégorie."),
        ({"shop": "objets", "name": "x" * 121}, "120 caractères au plus."),
        ({"shop": "autre", "name": "Divers"}, "Choisissez une boutique."),
        ({"name": "Divers"}, "Choisissez une boutique."),
        ({"shop": "OBJETS", "name": "Divers"}, "Choisissez une boutique."),
    ],
)
def test_odd_input_is_refused_and_changes_nothing(app, admin, data, message):
    count = category_count(app)
    response = admin.post(NEW, data)
    assert response.status_code in (200, 400)
    assert message in page_text(response)
    assert category_count(app) == count


def test_a_name_of_symbols_only_still_gets_a_slug(app, ctx):
    first = categories_admin.create_category(ShopKind.OBJECTS, "« ★ »", None)
    second = categories_admin.create_category(ShopKind.OBJECTS, "‹ ★ ›", None)
    assert (first.slug, second.slug) == ("categorie", "categorie-2")
    long = categories_admin.create_category(ShopKind.OBJECTS, "Très " * 24, None)
    assert len(long.slug) <= 64 and not long.slug.endswith("-")


def test_creating_without_the_csrf_token_is_refused(app, admin):
    count = category_count(app)
    response = admin.post(NEW, {"shop": "objets", "name": "Divers"}, csrf=False)
    assert response.status_code == 400
    assert category_count(app) == count


# --- Rename ---------------------------------------------------------------------------------


def test_renaming_keeps_the_slug(app, admin):
    services = category(app, slug="services")
    url = f"/admin/categories/{services.id}"
    assert "Services" in page_text(admin.get(url))
    assert admin.post(url, {"name": "Services en ligne"}).status_code == 302
    renamed = category(app, id=services.id)
    assert (renamed.name, renamed.slug) == ("Services en ligne", "services")
    [entry] = actions(app, "category.update")
    assert entry.changes == {"name": ["Services", "Services en ligne"]}
    # Its own name in another case is no duplicate.
    assert admin.post(url, {"name": "SERVICES EN LIGNE"}).status_code == 302
    assert category(app, id=services.id).name == "SERVICES EN LIGNE"


def test_renaming_to_another_categorys_name_is_refused(app, admin):
    services = category(app, slug="services")
    response = admin.post(f"/admin/categories/{services.id}", {"name": "réglementaire"})
    assert response.status_code == 400
    text = page_text(response)
    assert "Une catégorie de cette boutique porte déjà ce nom." in text
    assert 'value="réglementaire"' in text  # what was typed, shown again
    assert category(app, id=services.id).name == "Services"
    assert actions(app, "category.update") == []


# --- Reorder --------------------------------------------------------------------------------


def test_moving_a_category_up_and_down(app, admin, login_as):
    rules = category(app, slug="reglementaire")
    url = f"/admin/categories/{rules.id}/deplacer"
    assert admin.post(url, {"sens": "haut"}).status_code == 302
    assert printed_names(app)[-2:] == ["Réglementaire", "Prévention"]
    admin.post(url, {"sens": "bas"})
    admin.post(url, {"sens": "bas"})  # already last: nothing moves
    assert printed_names(app) == GUIDE
    first = category(app, slug="offres-additionnelles")
    admin.post(f"/admin/categories/{first.id}/deplacer", {"sens": "haut"})
    assert printed_names(app) == GUIDE
    # The shops' menu follows the order.
    admin.post(url, {"sens": "haut"})
    menu = page_text(login_as("mgen-sd01").get("/boutique/imprimes"))
    assert menu.index("/boutique/imprimes/reglementaire") < menu.index(
        "/boutique/imprimes/prevention"
    )


def test_an_odd_move_is_refused(app, admin):
    rules = category(app, slug="reglementaire")
    for data in ({"sens": "gauche"}, {}, {"sens": "haut\n"}):
        assert admin.post(f"/admin/categories/{rules.id}/deplacer", data).status_code == 400
    assert printed_names(app) == GUIDE
    with app.app_context(), pytest.raises(DomainError):
        categories_admin.move_category(db.session.get(Category, rules.id), 2, None)


# --- Deactivate -----------------------------------------------------------------------------


def test_a_deactivated_category_and_its_products_leave_the_shops(app, admin, login_as):
    prevention = category(app, slug="prevention")
    tms = product_id(app, "DEPL-TMS")
    orderer = login_as("mgen-sd01")
    assert "Dépliant Prévention des TMS" in page_text(orderer.get("/boutique/imprimes"))

    response = admin.post(f"/admin/categories/{prevention.id}/activation", {"active": "0"})
    assert response.status_code == 302
    assert category(app, id=prevention.id).active is False
    assert "est désactivée" in page_text(admin.get("/admin/categories"))

    shop_page = page_text(orderer.get("/boutique/imprimes"))
    assert "Dépliant Prévention des TMS" not in shop_page
    assert "/boutique/imprimes/prevention" not in shop_page  # the menu
    assert "Offres santé" in shop_page
    assert orderer.get("/boutique/imprimes/prevention").status_code == 404
    assert orderer.get(f"/produit/{tms}").status_code == 404
    assert "Dépliant Prévention des TMS" not in page_text(orderer.get("/recherche?q=TMS"))
    added = orderer.post("/panier/ajouter", {"product_id": str(tms), "quantity": "10"})
    assert added.status_code in (302, 400, 404)
    with app.app_context():
        assert db.session.query(BasketLine).filter_by(product_id=tms).count() == 0

    # Head office still sees and edits them.
    products = page_text(admin.get(f"/admin/produits?categorie={prevention.id}"))
    assert "DEPL-TMS" in products
    assert admin.get(f"/admin/produits/{tms}").status_code == 200

    admin.post(f"/admin/categories/{prevention.id}/activation", {"active": "1"})
    assert "Dépliant Prévention des TMS" in page_text(orderer.get("/boutique/imprimes"))
    assert orderer.get(f"/produit/{tms}").status_code == 200
    changes = [e.changes for e in actions(app, "category.update")]
    assert changes == [{"active": [True, False]}, {"active": [False, True]}]


def test_a_product_in_the_basket_cannot_be_saved_once_its_category_is_deactivated(
    app, admin, login_as, add
):
    orderer = login_as("mgen-sd01")
    tms = product_id(app, "DEPL-TMS")
    assert add(orderer, tms, 10).status_code == 302
    prevention = category(app, slug="prevention")
    admin.post(f"/admin/categories/{prevention.id}/activation", {"active": "0"})
    saved = orderer.post("/panier/enregistrer", follow_redirects=True)
    assert "« Dépliant Prévention des TMS » n'est plus proposé." in page_text(saved)
    with app.app_context():
        assert db.session.query(Product.reserved_quantity).filter_by(id=tms).scalar() == 0


def test_the_domain_refuses_adding_from_a_deactivated_category(app, demo, ctx):
    prevention = db.session.query(Category).filter_by(slug="prevention").one()
    categories_admin.set_category_active(prevention, False, None)
    account = db.session.query(Account).filter_by(identifier="mgen-sd01").one()
    tms = db.session.query(Product).filter_by(reference="DEPL-TMS").one()
    with pytest.raises(DomainError, match="n'est plus proposé"):
        baskets.add_to_basket(account, tms.id, 10, local_today())


def test_the_product_form_marks_a_deactivated_category(app, admin):
    prevention = category(app, slug="prevention")
    admin.post(f"/admin/categories/{prevention.id}/activation", {"active": "0"})
    form = page_text(admin.get("/admin/produits/nouveau"))
    assert "Prévention (désactivée)" in form
    assert "Services (désactivée)" not in form


def test_an_odd_activation_value_is_refused(app, admin):
    prevention = category(app, slug="prevention")
    for data in ({"active": "2"}, {}, {"active": "true"}):
        url = f"/admin/categories/{prevention.id}/activation"
        assert admin.post(url, data).status_code == 400
    assert category(app, id=prevention.id).active is True


# --- Delete ---------------------------------------------------------------------------------


def test_a_category_with_products_is_never_deleted(app, admin):
    prevention = category(app, slug="prevention")
    response = admin.post(f"/admin/categories/{prevention.id}/suppression", follow_redirects=True)
    text = page_text(response)
    assert (
        "La catégorie « Prévention » contient 4 produits : elle ne peut pas être supprimée. "
        "Désactivez-la plutôt" in text
    )
    assert category(app, id=prevention.id) is not None
    assert actions(app, "category.delete") == []


def test_the_refusal_counts_one_product_in_the_singular(app, ctx, create_product):
    product = db.session.get(Product, create_product())
    with pytest.raises(DomainError) as refused:
        categories_admin.delete_category(product.category, None)
    assert "contient 1 produit :" in str(refused.value)


def test_an_empty_category_is_deleted(app, admin):
    admin.post(NEW, {"shop": "objets", "name": "Éphémère"})
    created = category(app, slug="ephemere")
    listed = page_text(admin.get("/admin/categories"))
    assert "Supprimer « Éphémère »" in listed
    assert "Supprimer « Prévention »" not in listed  # it holds products: no button
    response = admin.post(f"/admin/categories/{created.id}/suppression", follow_redirects=True)
    assert "La catégorie « Éphémère » est supprimée." in page_text(response)
    assert category(app, id=created.id) is None
    [entry] = actions(app, "category.delete")
    assert entry.target_label == "Éphémère" and entry.changes["name"] == ["Éphémère", None]


# --- Access ---------------------------------------------------------------------------------


def category_urls(category_id: int) -> list[tuple[str, str]]:
    return [
        ("GET", "/admin/categories"),
        ("GET", NEW),
        ("POST", NEW),
        ("GET", f"/admin/categories/{category_id}"),
        ("POST", f"/admin/categories/{category_id}"),
        ("POST", f"/admin/categories/{category_id}/deplacer"),
        ("POST", f"/admin/categories/{category_id}/activation"),
        ("POST", f"/admin/categories/{category_id}/suppression"),
    ]


@pytest.mark.parametrize("identifier", ["mgen-sd01", "mgen-ar01", "logistique"])
def test_non_admins_are_refused(app, login_as, identifier):
    services = category(app, slug="services")
    browser = login_as(identifier)
    for method, url in category_urls(services.id):
        if method == "GET":
            response = browser.get(url)
        else:
            data = {"shop": "objets", "name": "Pirate", "sens": "haut", "active": "0"}
            response = browser.post(url, data)
        assert response.status_code == 403, (method, url)
    assert printed_names(app) == GUIDE
    assert category(app, id=services.id).active is True
    assert category(app, name="Pirate") is None


def test_anonymous_visitors_are_sent_to_sign_in(app, browser):
    services = category(app, slug="services")
    for method, url in category_urls(services.id):
        response = browser.get(url) if method == "GET" else browser.post(url, {"active": "0"})
        assert response.status_code in (302, 400), (method, url)
    assert category(app, id=services.id).active is True


@pytest.mark.parametrize("suffix", ["", "/deplacer", "/activation", "/suppression"])
def test_an_unknown_category_is_a_404(app, admin, suffix):
    url = f"/admin/categories/999999{suffix}"
    response = admin.get(url) if not suffix else admin.post(url, {"sens": "haut", "active": "0"})
    assert response.status_code == 404


# --- Two admins at once ---------------------------------------------------------------------


def test_two_admins_creating_one_name_at_once(app, login_as, run_threads):
    admins = [login_as("siege-admin"), login_as("siege-admin")]
    for browser in admins:
        browser.get(NEW)  # the form and its CSRF token, before the race
    names = ["Textiles", "TEXTILES"]
    responses = run_threads(
        [
            lambda b=b, n=n: b.post(NEW, {"shop": "objets", "name": n})
            for b, n in zip(admins, names, strict=True)
        ]
    )
    assert sorted(r.status_code for r in responses) == [302, 400]
    [refused] = [r for r in responses if r.status_code == 400]
    text = page_text(refused)
    assert "Une catégorie de cette boutique porte déjà ce nom." in text
    assert 'id="name-error"' in text
    with app.app_context():
        keys = db.session.scalars(
            db.select(Category.name_key).where(Category.shop == ShopKind.OBJECTS)
        ).all()
        assert keys.count("textiles") == 1
    assert len(actions(app, "category.create")) == 1


def test_the_unique_index_becomes_the_message(app, ctx, monkeypatch):
    """As when both requests pass the check at the same instant: the index refuses the
    second inside its savepoint, and the transaction stays usable."""
    monkeypatch.setattr(categories_admin, "_check_name_free", lambda *args: None)
    count = db.session.query(Category).count()
    with pytest.raises(DomainError) as refused:
        categories_admin.create_category(ShopKind.PRINTED, "SERVICES", None)
    assert refused.value.field == "name"
    assert db.session.query(Category).count() == count
    db.session.rollback()


def test_two_admins_creating_one_slug_in_two_shops_at_once(app, race):
    """One name in each shop at the same instant: both are created, the second slug is
    numbered (the slug's unique index refused the first try; the name was free)."""
    results = race(
        [
            lambda: categories_admin.create_category(ShopKind.OBJECTS, "Jeux", None).slug,
            lambda: categories_admin.create_category(ShopKind.PRINTED, "Jeux", None).slug,
        ]
    )
    assert sorted(results) == ["jeux", "jeux-2"]


def test_a_product_whose_category_was_deleted_meanwhile_is_refused_by_its_category(
    app, ctx, monkeypatch
):
    """Head office deleted the (empty) category between the product form's check and its
    INSERT: the foreign key refuses it, and the message is about the category."""
    from decimal import Decimal

    from shop.catalog import admin as catalog_admin

    gone = categories_admin.create_category(ShopKind.OBJECTS, "Éphémère", None)
    data = catalog_admin.ProductData(
        reference="MUG-1", name="Mug", category_id=gone.id, unit_price=Decimal("1.00"),
        vat_rate=Decimal("20.00"), min_quantity=1, max_quantity=10, quantity_step=1,
        weight_grams=100,
    )  # fmt: skip
    catalog_admin.check_product_data(data)  # the check passes while it exists
    categories_admin.delete_category(gone, None)
    monkeypatch.setattr(catalog_admin, "check_product_data", lambda data, product_id=None: None)
    with pytest.raises(DomainError) as refused:
        catalog_admin.create_product(data, None)
    assert refused.value.field == "category_id"
    assert str(refused.value) == "Choisissez une catégorie."
    assert db.session.query(Product).count() == 0
    db.session.rollback()


def test_deleting_a_category_while_a_product_is_created_in_it(app, race):
    """Exactly one wins: the category goes and the product is refused, or the product is
    created and the delete refused; never both, never a database error."""
    from decimal import Decimal

    from shop.catalog import admin as catalog_admin

    with app.app_context():
        category_id = categories_admin.create_category(ShopKind.OBJECTS, "Éphémère", None).id
        db.session.commit()

    def delete():
        categories_admin.delete_category(db.session.get(Category, category_id), None)
        return "deleted"

    def create():
        data = catalog_admin.ProductData(
            reference="MUG-1", name="Mug", category_id=category_id,
            unit_price=Decimal("1.00"), vat_rate=Decimal("20.00"), min_quantity=1,
            max_quantity=10, quantity_step=1, weight_grams=100,
        )  # fmt: skip
        catalog_admin.create_product(data, None)
        return "created"

    results = race([delete, create])
    assert all(isinstance(r, (str, DomainError)) for r in results), results
    with app.app_context():
        exists = db.session.get(Category, category_id) is not None
        products = db.session.query(Product).count()
    if results[0] == "deleted":
        assert not exists and products == 0
        assert "Choisissez une catégorie." in str(results[1])
    else:
        assert results[1] == "created" and exists and products == 1
        assert "contient 1 produit" in str(results[0])
