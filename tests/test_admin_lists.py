"""Every head-office list page sends as many SQL statements for many rows as for a few:
what a row shows (its entity, its actor, its product) is loaded with the list, not row by
row. Also: the filters of these pages read their input through one parser."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from shop.clock import local_today, utcnow
from shop.extensions import db
from shop.models import (
    Account,
    AccountType,
    Allocation,
    ApiClient,
    AuditEntry,
    Category,
    Entity,
    EntityQuota,
    Order,
    OrderLine,
    OrderStatus,
    OutboxMessage,
    OutboxStatus,
    Product,
    ShopKind,
    StockMovement,
)

YEAR = local_today().year


def add_rows(app, start: int, count: int) -> None:
    """``count`` more of everything the admin lists show, each row with its own entity,
    account, product...: a list that loads them row by row sends one query more a row."""
    with app.app_context():
        category = db.session.scalar(db.select(Category).where(Category.slug == "lists"))
        if category is None:
            category = Category(shop=ShopKind.PRINTED, slug="lists", name="Listes")
            db.session.add(category)
        now = utcnow()
        first_product = db.session.scalar(
            db.select(Product).where(Product.reference == "LIST-0000")
        )
        first_entity = db.session.scalar(db.select(Entity).where(Entity.code == "L0000"))
        for n in range(start, start + count):
            entity = Entity(code=f"L{n:04d}", name=f"Entité {n}", delivery_city="Ville")
            account = Account(
                identifier=f"liste.{n}",
                account_type=AccountType.SECTION_DIRECTOR,
                first_name="Compte",
                last_name=f"{n}",
                email=f"liste{n}@example.org",
                entity=entity,
                attached_entities=[entity],
            )
            product = Product(
                category=category,
                reference=f"LIST-{n:04d}",
                name=f"Produit {n}",
                unit_price=Decimal("1.00"),
                vat_rate=Decimal("20.00"),
                min_quantity=1,
                max_quantity=100,
                quantity_step=1,
                stock_on_hand=100,
                reserved_quantity=1,
                weight_grams=10,
                monthly_quota=50,
            )
            first_product = first_product or product
            first_entity = first_entity or entity
            client = ApiClient(name=f"Client {n}", shop=ShopKind.PRINTED, created_by=account)
            client.new_token()
            order = Order(
                number=f"L{n:06d}",
                account=account,
                entity=entity,
                billing_entity=entity,
                shop=ShopKind.PRINTED,
                status=OrderStatus.SAVED,
                deadline=now + timedelta(days=3),
                reminder_due_at=now + timedelta(days=2),
                delivery_name="Section",
                delivery_address="1 rue",
                delivery_postcode="75001",
                delivery_city="Paris",
                shipping_carrier="Poste",
                shipping_excl_vat=Decimal("0"),
                shipping_vat=Decimal("0"),
                dispatch_date=local_today(),
                estimated_delivery=local_today(),
            )
            db.session.add_all(
                [
                    entity,
                    account,
                    product,
                    client,
                    order,
                    OrderLine(
                        order=order,
                        product=product,
                        quantity=1,
                        unit_price=Decimal("1.00"),
                        vat_rate=Decimal("20.00"),
                    ),
                    OrderLine(
                        order=order,
                        product=first_product,
                        quantity=1,
                        unit_price=Decimal("1.00"),
                        vat_rate=Decimal("20.00"),
                    ),
                    EntityQuota(entity=entity, product=first_product, monthly_quota=n + 5)
                    if product is not first_product
                    else EntityQuota(entity=entity, product=product, monthly_quota=n + 5),
                    Allocation(entity=entity, product=product, year=YEAR, quantity=10),
                    OutboxMessage(
                        recipient=account.email,
                        subject=f"Message {n}",
                        body_text="corps",
                        kind="test",
                        status=OutboxStatus.FAILED if n % 2 else OutboxStatus.PENDING,
                        next_attempt_at=now + timedelta(days=1),
                    ),
                    AuditEntry(
                        actor=account, action="test.list", target_type="entity", target_label="x"
                    ),
                ]
            )
            db.session.flush()
            for moved in {first_product.id, product.id}:
                db.session.add(
                    StockMovement(
                        product_id=moved, delta=1, stock_after=100, reason="Test", actor=account
                    )
                )
            db.session.flush()
            for moved in {first_product.id, product.id}:
                db.session.add(
                    StockMovement(
                        product_id=moved, delta=1, stock_after=100, reason="Test", actor=account
                    )
                )
            if entity is not first_entity:
                db.session.add(EntityQuota(entity=first_entity, product=product, monthly_quota=7))
        db.session.commit()


def first_ids(app) -> dict[str, int]:
    with app.app_context():
        return {
            "product": db.session.scalar(
                db.select(Product.id).where(Product.reference == "LIST-0000")
            ),
            "entity": db.session.scalar(db.select(Entity.id).where(Entity.code == "L0000")),
        }


LIST_PAGES = [
    "/admin/comptes",
    "/admin/comptes?q=liste&statut=invite",
    "/admin/entites",
    "/admin/acces",
    "/admin/emails",
    "/admin/emails?statut=echecs",
    "/admin/journal",
    "/admin/journal?q=liste",
    "/admin/commandes-en-attente",
    "/admin/produits",
    "/admin/stock",
    "/admin/stock/{product}",
    "/admin/quotas",
    "/admin/quotas/{product}/entites",
    f"/admin/dotations?annee={YEAR}",
    "/admin/entites/{entity}/consommation",
    "/admin/clients-api/",
    "/admin/categories",
]


@pytest.mark.parametrize("url", LIST_PAGES)
def test_list_statements_do_not_grow_with_rows(app, login_as, count_queries, url):
    admin = login_as("siege-admin")

    def statements() -> int:
        page = url.format(**first_ids(app))
        with count_queries() as counter:
            response = admin.get(page)
        assert response.status_code == 200, page
        return counter.count

    add_rows(app, 0, 2)
    few = statements()
    add_rows(app, 2, 20)
    assert statements() == few


@pytest.mark.parametrize(
    "url",
    [
        "/admin/comptes?entite=²",
        "/admin/comptes?entite=٣&type=inconnu&statut=autre",
        "/admin/comptes?entite=99999999999999999999",
        "/admin/acces?entite=²",
        "/admin/produits?categorie=²&boutique=x",
        "/admin/emails?statut=²",
        "/admin/dotations?annee=²",
        "/admin/dotations?annee=99999999999",
    ],
)
def test_odd_filters_are_ignored_never_a_server_error(login_as, url):
    assert login_as("siege-admin").get(url).status_code == 200


def test_the_entities_pages_links_are_in_the_page_not_its_title(app, login_as):
    """150 sections make three pages: their links go below the list, never in <title>."""
    with app.app_context():
        db.session.add_all(Entity(code=f"T{n:03d}", name=f"Section {n:03d}") for n in range(60))
        db.session.commit()
    text = login_as("siege-admin").get("/admin/entites").get_data(as_text=True)
    title = text[text.index("<title>") : text.index("</title>")]
    assert "<nav" not in title and "pagination" not in title
    body = text[text.index("<main") :]
    assert body.count('class="pagination"') == 1 and "page=2" in body
