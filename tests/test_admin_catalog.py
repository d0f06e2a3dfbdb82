"""Head office's catalog and stock administration: products, pictures, stock movements."""

from __future__ import annotations

import html
import struct
import zlib
from decimal import Decimal
from io import BytesIO

import pytest

from shop.catalog import admin as catalog_admin
from shop.clock import utcnow
from shop.extensions import db
from shop.models import Account, AuditEntry, Category, Product, ShopKind, StockMovement

PRODUCT_FIELDS = catalog_admin.PRODUCT_FIELDS + ["stock_on_hand", "reserved_quantity"]

# A refused form is shown again: 200 when its fields refused it, 400 when the domain did.
SHOWN_AGAIN = (200, 400)


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def tiny_png() -> bytes:
    """A real 1x1 PNG, built by hand."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def category_id(app, slug: str | None = None, shop: ShopKind = ShopKind.PRINTED) -> int:
    with app.app_context():
        query = db.session.query(Category)
        if slug:
            query = query.filter_by(slug=slug)
        else:
            query = query.filter_by(shop=shop).order_by(Category.position)
        return query.first().id


def product_form(app, **overrides) -> dict:
    data = {
        "reference": "IMP-NEW-001",
        "name": "Dépliant rentrée",
        "description": "Un dépliant pour la rentrée",
        "category_id": str(category_id(app)),
        "unit_price": "12,50",
        "vat_rate": "5.5",
        "min_quantity": "10",
        "max_quantity": "500",
        "quantity_step": "10",
        "weight_grams": "25",
        "orderable_from": "2026-09-01",
        "monthly_quota": "",
        "active": "y",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def product_state(app, product_id: int) -> dict:
    with app.app_context():
        product = db.session.get(Product, product_id)
        return {name: getattr(product, name) for name in PRODUCT_FIELDS}


def audit_actions(app) -> list[tuple[str, int | None, dict]]:
    with app.app_context():
        return [
            (e.action, e.target_id, e.changes)
            for e in db.session.query(AuditEntry).order_by(AuditEntry.id)
        ]


def movements_of(app, product_id: int) -> list[tuple[int, int, str]]:
    with app.app_context():
        return [
            (m.delta, m.stock_after, m.reason)
            for m in db.session.query(StockMovement)
            .filter_by(product_id=product_id)
            .order_by(StockMovement.id)
        ]


@pytest.fixture
def admin(login_as):
    return login_as("siege-admin")


@pytest.fixture
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "SHOP_UPLOAD_FOLDER", str(tmp_path / "uploads"))
    return tmp_path / "uploads" / "products"


# --- Products ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("", None),
        ("15/12/2026", "2026-12-15"),
        ("2026-12-15", "2026-12-15"),
        (" 01/09/2027 ", "2027-09-01"),
    ],
)
def test_the_orderable_date_is_optional_and_typed_the_french_way(app, admin, typed, stored):
    """An empty « Commandable à partir du » is no date (the browser sends it empty): every
    product can be saved without one; jj/mm/aaaa and the date picker's aaaa-mm-jj both work."""
    response = admin.post("/admin/produits/nouveau", product_form(app, orderable_from=typed))
    assert response.status_code == 302, page_text(response)[:2000]
    with app.app_context():
        product = db.session.query(Product).filter_by(reference="IMP-NEW-001").one()
        assert (product.orderable_from.isoformat() if product.orderable_from else None) == stored
    # And saved again unchanged, as an admin changing only the price would.
    edited = admin.post(
        f"/admin/produits/{product.id}", product_form(app, orderable_from=typed, unit_price="2,00")
    )
    assert edited.status_code == 302


@pytest.mark.parametrize("typed", ["31/02/2026", "2026-13-01", "12/2026", "1e3", "²"])
def test_an_impossible_date_is_refused_beside_its_field(app, admin, typed):
    response = admin.post("/admin/produits/nouveau", product_form(app, orderable_from=typed))
    assert response.status_code in (200, 400)  # the form again, with what was typed
    assert "Date non valide : saisissez une date au format jj/mm/aaaa." in page_text(response)
    with app.app_context():
        assert db.session.query(Product).filter_by(reference="IMP-NEW-001").count() == 0


def test_create_product_with_every_field_and_audit(app, admin, account_id):
    response = admin.post("/admin/produits/nouveau", product_form(app, monthly_quota="40"))
    assert response.status_code == 302
    with app.app_context():
        product = db.session.query(Product).filter_by(reference="IMP-NEW-001").one()
        assert product.name == "Dépliant rentrée"
        assert product.unit_price == Decimal("12.50")
        assert product.vat_rate == Decimal("5.50")
        assert (product.min_quantity, product.max_quantity, product.quantity_step) == (10, 500, 10)
        assert product.weight_grams == 25
        assert product.orderable_from.isoformat() == "2026-09-01"
        assert product.monthly_quota == 40
        assert product.active is True
        assert (product.stock_on_hand, product.reserved_quantity) == (0, 0)
        product_id = product.id
    [(action, target, changes)] = audit_actions(app)
    assert (action, target) == ("product.create", product_id)
    assert changes["reference"] == [None, "IMP-NEW-001"]
    assert changes["unit_price"] == [None, "12.50"]
    admin_id = account_id("siege-admin")
    with app.app_context():
        assert db.session.query(AuditEntry.actor_id).scalar() == admin_id
    # The product shows in the list and in the shop's search.
    assert "IMP-NEW-001" in page_text(admin.get("/admin/produits?q=depliant+rentree"))


@pytest.mark.parametrize(
    "overrides, message, field",
    [
        ({"reference": "TEST-0001"}, "Cette référence est déjà utilisée", "reference"),
        ({"reference": ""}, "Indiquez la référence du produit.", "reference"),
        ({"min_quantity": "50", "max_quantity": "10"}, "supérieure ou égale", "max_quantity"),
        ({"unit_price": "-1"}, "montant positif ou nul", "unit_price"),
        ({"unit_price": "douze"}, "Saisissez un nombre, par exemple 12,50.", "unit_price"),
        ({"unit_price": "1.005"}, "au plus deux décimales", "unit_price"),
        ({"quantity_step": "0"}, "Le pas de quantité doit être d'au moins 1.", "quantity_step"),
        ({"min_quantity": "0"}, "La quantité minimale doit être d'au moins 1.", "min_quantity"),
        ({"vat_rate": "150"}, "Le taux de TVA doit être compris entre 0 et 100", "vat_rate"),
        ({"vat_rate": "100"}, "Le taux de TVA doit être compris entre 0 et 100", "vat_rate"),
        ({"weight_grams": "lourd"}, "Saisissez un nombre entier", "weight_grams"),
        ({"weight_grams": "-3"}, "Le poids doit être positif ou nul.", "weight_grams"),
        ({"monthly_quota": "-1"}, "Le quota mensuel doit être positif ou nul.", "monthly_quota"),
        (
            {"orderable_from": "pas une date"},
            "Date non valide : saisissez une date au format jj/mm/aaaa.",
            "orderable_from",
        ),
        ({"category_id": "99999"}, "Choisissez une catégorie.", "category_id"),
        ({"category_id": "abc"}, "Choisissez une catégorie.", "category_id"),
    ],
)
def test_bad_input_is_refused_beside_the_field_and_changes_nothing(
    app, admin, create_product, overrides, message, field
):
    create_product()  # TEST-0001: the reference a duplicate collides with
    edited = create_product(reference="TEST-EDIT")
    before = product_state(app, edited)
    audit_before = audit_actions(app)
    with app.app_context():
        count = db.session.query(Product).count()

    created = admin.post("/admin/produits/nouveau", product_form(app, **overrides))
    assert created.status_code in SHOWN_AGAIN
    page = page_text(created)
    assert message in page
    assert f'id="{field}-error"' in page  # the message stands beside its field

    response = admin.post(f"/admin/produits/{edited}", product_form(app, **overrides))
    assert response.status_code in SHOWN_AGAIN
    assert message in page_text(response)

    with app.app_context():
        assert db.session.query(Product).count() == count
    assert product_state(app, edited) == before
    assert audit_actions(app) == audit_before


def test_edit_product_records_only_what_changed_and_never_touches_stock(app, admin, create_product):
    product_id = create_product(reference="TEST-EDIT", stock=40)
    form = product_form(
        app, reference="TEST-EDIT-2", name="Affiche modifiée", unit_price="3", vat_rate="20"
    )
    form["stock_on_hand"] = "99999"  # not a field of the form: ignored
    form["reserved_quantity"] = "7"
    response = admin.post(f"/admin/produits/{product_id}", form)
    assert response.status_code == 302
    state = product_state(app, product_id)
    assert state["reference"] == "TEST-EDIT-2"
    assert state["name"] == "Affiche modifiée"
    assert state["unit_price"] == Decimal("3.00")
    assert (state["stock_on_hand"], state["reserved_quantity"]) == (40, 0)
    [(action, target, changes)] = audit_actions(app)
    assert (action, target) == ("product.update", product_id)
    assert changes["reference"] == ["TEST-EDIT", "TEST-EDIT-2"]
    assert changes["unit_price"] == ["1.00", "3.00"]
    assert "vat_rate" not in changes  # 20 -> 20.00: unchanged
    assert "stock_on_hand" not in changes

    page = page_text(admin.get(f"/admin/produits/{product_id}"))
    assert "40 en stock, dont 0 réservé(s)" in page
    assert f"/admin/stock/{product_id}" in page
    assert 'name="stock_on_hand"' not in page
    assert "Supprimer" not in page


def test_deactivate_instead_of_delete(app, admin, create_product):
    product_id = create_product(reference="TEST-OFF")
    response = admin.post(f"/admin/produits/{product_id}/activation", {"active": "0"})
    assert response.status_code == 302
    assert product_state(app, product_id)["active"] is False
    [(action, _target, changes)] = audit_actions(app)
    assert action == "product.update" and changes == {"active": [True, False]}

    inactive = page_text(admin.get("/admin/produits?statut=inactifs"))
    assert "TEST-OFF" in inactive
    assert "TEST-OFF" not in page_text(admin.get("/admin/produits?statut=actifs"))
    assert "Réactiver ce produit" in page_text(admin.get(f"/admin/produits/{product_id}"))

    admin.post(f"/admin/produits/{product_id}/activation", {"active": "1"})
    assert product_state(app, product_id)["active"] is True
    # Anything else than the buttons' 0 or 1 changes nothing.
    for odd in ["true", "abc", "²", "", None]:
        data = {} if odd is None else {"active": odd}
        response = admin.post(f"/admin/produits/{product_id}/activation", data)
        assert response.status_code == 400
        assert product_state(app, product_id)["active"] is True


def test_list_filters_and_pagination(app, admin, create_product, monkeypatch):
    monkeypatch.setitem(app.config, "SHOP_PAGE_SIZE", 2)
    create_product(reference="IMP-A", name="Affiche prévention")
    create_product(reference="IMP-B", name="Brochure santé", active=False)
    create_product(reference="IMP-C", name="Carte")
    create_product(ShopKind.OBJECTS, reference="OBJ-A", name="Stylo")

    objects = page_text(admin.get("/admin/produits?boutique=objets"))
    assert "OBJ-A" in objects and "IMP-A" not in objects
    by_words = page_text(admin.get("/admin/produits?q=affiche+prevention"))
    assert "IMP-A" in by_words and "IMP-C" not in by_words
    by_reference = page_text(admin.get("/admin/produits?q=imp-b"))
    assert "IMP-B" in by_reference and "IMP-A" not in by_reference
    objects_category = category_id(app, "test-objets")
    by_category = page_text(admin.get(f"/admin/produits?categorie={objects_category}"))
    assert "OBJ-A" in by_category and "IMP-A" not in by_category

    printed_category = category_id(app, "test-imprimes")
    first = page_text(admin.get(f"/admin/produits?categorie={printed_category}"))
    second = page_text(admin.get(f"/admin/produits?categorie={printed_category}&page=2"))
    shown = [ref for ref in ("IMP-A", "IMP-B", "IMP-C") if ref in first]
    assert len(shown) == 2
    assert [ref for ref in ("IMP-A", "IMP-B", "IMP-C") if ref in second] == [
        ref for ref in ("IMP-A", "IMP-B", "IMP-C") if ref not in shown
    ]
    assert f"categorie={printed_category}" in first and "page=2" in first


# --- Pictures ---------------------------------------------------------------------------


def upload(browser, product_id, content: bytes, filename: str):
    return browser.post(
        f"/admin/produits/{product_id}/image",
        {"image": (BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


def test_a_real_png_is_stored_and_served(app, admin, login_as, create_product, uploads):
    product_id = create_product()
    content = tiny_png()
    response = upload(admin, product_id, content, "photo.PNG")
    assert response.status_code == 302
    image = product_state(app, product_id)["image"]
    assert image.startswith("uploads/products/") and image.endswith(".png")
    name = image.removeprefix("uploads/products/")
    assert (uploads / name).read_bytes() == content
    [(action, _target, changes)] = audit_actions(app)
    assert action == "product.update" and changes["image"] == [None, image]

    page = page_text(admin.get(f"/admin/produits/{product_id}"))
    assert f"/media/products/{name}" in page

    for browser in (admin, login_as("mgen-sd01")):
        served = browser.get(f"/media/products/{name}")
        assert served.status_code == 200
        assert served.mimetype == "image/png"
        assert served.data == content
        served.close()
    with app.test_request_context():
        from shop.templating import product_image_url

        assert product_image_url(Product(image=image)) == f"/media/products/{name}"
        assert product_image_url(Product(image="img/products/bureau.svg")) == (
            "/static/img/products/bureau.svg"
        )
        assert product_image_url(Product()) == "/static/img/products/default.svg"


def test_media_route_refuses_anonymous_users_and_odd_names(app, browser, admin, uploads):
    response = browser.get("/media/products/abc.png")
    assert response.status_code == 302 and "/connexion" in response.location
    assert admin.get("/media/products/missing.png").status_code == 404
    assert admin.get("/media/products/..%2Fshop.sqlite3").status_code == 404
    assert admin.get("/media/products/notes.txt").status_code == 404


@pytest.mark.parametrize(
    "content, filename, message",
    [
        (b"just some text, not a picture\n", "fake.png", "pas une image PNG, JPEG ou WebP"),
        (b"GIF89a" + b"\x00" * 32, "anim.gif", "pas une image PNG, JPEG ou WebP"),
        (tiny_png() + b"\x00" * (2 * 1024 * 1024), "big.png", "taille maximale de 2 Mo"),
    ],
)
def test_bad_files_are_refused(app, admin, create_product, uploads, content, filename, message):
    product_id = create_product()
    response = upload(admin, product_id, content, filename)
    assert response.status_code in SHOWN_AGAIN
    assert message in page_text(response)
    assert product_state(app, product_id)["image"] is None
    assert not uploads.exists() or list(uploads.iterdir()) == []
    assert audit_actions(app) == []


def test_jpeg_and_webp_are_recognised_by_content():
    assert catalog_admin.image_kind(b"\xff\xd8\xff\xe0\x00\x10JFIF") == "jpg"
    assert catalog_admin.image_kind(b"RIFF\x24\x00\x00\x00WEBPVP8 ") == "webp"
    assert catalog_admin.image_kind(b"RIFF\x24\x00\x00\x00WAVEfmt ") is None
    assert catalog_admin.image_kind(b"<svg xmlns=") is None


# --- Stock ------------------------------------------------------------------------------


def adjust(browser, product_id, delta, reason="Réception fournisseur"):
    return browser.post(f"/admin/stock/{product_id}", {"delta": str(delta), "reason": reason})


def test_adjustments_create_movements_with_their_reasons(app, admin, create_product):
    product_id = create_product(reference="TEST-STOCK", stock=10)
    assert adjust(admin, product_id, "+25", "Réception fournisseur").status_code == 302
    assert adjust(admin, product_id, -3, "Casse").status_code == 302
    assert adjust(admin, product_id, -2, "Inventaire").status_code == 302
    assert product_state(app, product_id)["stock_on_hand"] == 30
    assert movements_of(app, product_id) == [
        (25, 35, "Réception fournisseur"),
        (-3, 32, "Casse"),
        (-2, 30, "Inventaire"),
    ]
    with app.app_context():
        admin_id = db.session.query(Account.id).filter_by(identifier="siege-admin").scalar()
        assert {m.actor_id for m in db.session.query(StockMovement)} == {admin_id}
    stock_actions = [a for a in audit_actions(app) if a[0] == "stock.adjust"]
    assert len(stock_actions) == 3
    assert stock_actions[0][2]["stock_on_hand"] == [10, 35]

    history = page_text(admin.get(f"/admin/stock/{product_id}"))
    assert "Casse" in history and "Inventaire" in history and "+25" in history
    overview = page_text(admin.get("/admin/stock"))
    assert "TEST-STOCK" in overview and "Réception fournisseur" in overview


@pytest.mark.parametrize(
    "delta, reason, message",
    [
        ("5", "", "Indiquez le motif du mouvement de stock."),
        ("", "Inventaire", "Indiquez la quantité à ajouter ou à retirer."),
        ("0", "Inventaire", "Indiquez une quantité non nulle"),
        ("beaucoup", "Inventaire", "Saisissez un nombre entier"),
        ("-11", "Casse", "Le stock ne peut pas devenir négatif"),
    ],
)
def test_bad_adjustments_change_nothing(app, admin, create_product, delta, reason, message):
    product_id = create_product(stock=10)
    response = adjust(admin, product_id, delta, reason)
    assert response.status_code in SHOWN_AGAIN
    assert message in page_text(response)
    assert product_state(app, product_id)["stock_on_hand"] == 10
    assert movements_of(app, product_id) == []


def test_reserved_units_cannot_be_removed(app, admin, login_as, create_product, add, save):
    product_id = create_product(stock=20)
    orderer = login_as("mgen-sd01")
    add(orderer, product_id, 15)
    assert "est enregistrée" in page_text(save(orderer))
    assert product_state(app, product_id)["reserved_quantity"] == 15

    response = adjust(admin, product_id, -6, "Casse")
    assert response.status_code in SHOWN_AGAIN
    page = page_text(response)
    assert "La quantité réservée ne peut pas être retirée" in page
    assert "au plus 5 exemplaire(s)" in page
    assert product_state(app, product_id)["stock_on_hand"] == 20
    assert movements_of(app, product_id) == []

    assert adjust(admin, product_id, -5, "Casse").status_code == 302
    state = product_state(app, product_id)
    assert (state["stock_on_hand"], state["reserved_quantity"]) == (15, 15)


def test_the_database_also_keeps_reservations_within_the_stock(app, create_product):
    from sqlalchemy.exc import IntegrityError

    product_id = create_product(stock=10)
    with app.app_context():
        db.session.get(Product, product_id).reserved_quantity = 4
        db.session.commit()
        db.session.get(Product, product_id).stock_on_hand = 3
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def adjuster(product_id: int, delta: int, reason: str, admin_id: int):
    def work():
        actor = db.session.get(Account, admin_id)
        return catalog_admin.adjust_stock(product_id, delta, reason, actor, utcnow()).stock_after

    return work


def test_concurrent_adjustments_are_both_applied_exactly(
    app, demo, create_product, account_id, race
):
    product_id = create_product(stock=100)
    admin_id = account_id("siege-admin")
    results = race(
        [
            adjuster(product_id, 30, "Réception fournisseur", admin_id),
            adjuster(product_id, -7, "Casse", admin_id),
        ],
    )
    assert all(isinstance(r, int) for r in results), results
    assert sorted(results) in ([93, 123], [123, 130])  # whichever came first
    assert product_state(app, product_id)["stock_on_hand"] == 100 + 30 - 7
    movements = movements_of(app, product_id)
    assert sorted(m[0] for m in movements) == [-7, 30]
    assert movements[-1][1] == 123


def test_concurrent_decreases_never_go_below_zero(app, demo, create_product, account_id, race):
    product_id = create_product(stock=10)
    admin_id = account_id("siege-admin")
    results = race([adjuster(product_id, -6, "Casse", admin_id) for _ in range(2)])
    winners = [r for r in results if isinstance(r, int)]
    losers = [r for r in results if isinstance(r, catalog_admin.DomainError)]
    assert (winners, len(losers)) == ([4], 1), results
    assert product_state(app, product_id)["stock_on_hand"] == 4
    assert movements_of(app, product_id) == [(-6, 4, "Casse")]


# --- Access -----------------------------------------------------------------------------


def admin_catalog_urls(app, product_id: int) -> list[tuple[str, str]]:
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("admin_catalog."):
            continue
        url = str(rule).replace("<int:product_id>", str(product_id))
        urls.extend((method, url) for method in sorted(rule.methods & {"GET", "POST"}))
    return urls


@pytest.mark.parametrize("identifier", ["mgen-sd01", "mgen-ar01", "logistique"])
def test_admin_catalog_refuses_non_admins(app, login_as, create_product, identifier):
    product_id = create_product(stock=10)
    browser = login_as(identifier)
    urls = admin_catalog_urls(app, product_id)
    assert len(urls) >= 9
    for method, url in urls:
        if method == "GET":
            response = browser.get(url)
        else:
            response = browser.post(url, {"delta": "5", "reason": "Inventaire", "active": "0"})
        assert response.status_code == 403, (method, url)
    state = product_state(app, product_id)
    assert (state["stock_on_hand"], state["active"]) == (10, True)
    assert movements_of(app, product_id) == []


def test_admin_catalog_sends_anonymous_users_to_login(app, browser, create_product):
    product_id = create_product()
    for method, url in admin_catalog_urls(app, product_id):
        if method == "GET":
            response = browser.get(url)
        else:
            response = browser.post(url, {"delta": "5", "reason": "Inventaire"})
        assert response.status_code == 302, (method, url)
        assert "/connexion" in response.location


def test_admin_pages_render(app, admin, create_product):
    product_id = create_product()
    for url in (
        "/admin/produits",
        "/admin/produits/nouveau",
        f"/admin/produits/{product_id}",
        "/admin/stock",
        f"/admin/stock/{product_id}",
    ):
        assert admin.get(url).status_code == 200, url
    menu = page_text(admin.get("/admin/produits"))
    assert 'href="/admin/produits"' in menu and 'href="/admin/stock"' in menu
