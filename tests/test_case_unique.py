"""Entity codes, product references and account identifiers are unique whatever the case, in
the database too, and imports and sign-in match them without case."""

from __future__ import annotations

import html
from decimal import Decimal
from io import BytesIO

import pytest
from alembic import command
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import IntegrityError

from shop import create_app
from shop.accounts import entities as entities_admin
from shop.accounts import roster
from shop.catalog import admin as catalog_admin
from shop.errors import DomainError
from shop.extensions import db
from shop.models import Account, AccountType, AuditEntry, Category, Entity, Product

BEFORE = "9c1e5b7d2a40"  # the revision before the case-insensitive indexes


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def entity_form(**values) -> dict:
    return {"code": "S099", "name": "Section 99", "active": "y"} | values


def product_form(app, **values) -> dict:
    with app.app_context():
        category_id = db.session.scalar(select(Category.id).order_by(Category.id))
    return {
        "reference": "IMP-NEW-001",
        "name": "Dépliant",
        "category_id": str(category_id),
        "unit_price": "1,00",
        "vat_rate": "20",
        "min_quantity": "1",
        "max_quantity": "10",
        "quantity_step": "1",
        "weight_grams": "10",
        "active": "y",
    } | values


def count(app, model, column, value: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(model).where(func.lower(column) == value.lower())
        )


# --- the forms ----------------------------------------------------------------------------


def test_an_entity_code_differing_only_by_case_is_refused_beside_the_field(app, login_as):
    admin = login_as("siege-admin")
    response = admin.post("/admin/entites/nouvelle", entity_form(code="s001"))
    assert response.status_code == 400
    page = page_text(response)
    assert "Ce code est déjà utilisé" in page and 'id="code-error"' in page
    assert count(app, Entity, Entity.code, "S001") == 1
    # An entity may change the case of its own code.
    with app.app_context():
        s003 = db.session.scalar(select(Entity).where(Entity.code == "S003"))
        data = {"code": "s003", "name": s003.name, "active": "y"}
        s003_id = s003.id
    assert admin.post(f"/admin/entites/{s003_id}", data).status_code == 302
    with app.app_context():
        assert db.session.get(Entity, s003_id).code == "s003"


def test_a_product_reference_differing_only_by_case_is_refused_beside_the_field(
    app, login_as, create_product
):
    create_product(reference="IMP-ABC-001")
    admin = login_as("siege-admin")
    response = admin.post("/admin/produits/nouveau", product_form(app, reference="imp-abc-001"))
    assert response.status_code == 400
    page = page_text(response)
    assert "Cette référence est déjà utilisée" in page and 'id="reference-error"' in page
    assert count(app, Product, Product.reference, "IMP-ABC-001") == 1


# --- when two admins pass the check at once, the index refuses the second ---------------


def test_the_case_insensitive_code_index_becomes_the_message(app, demo, monkeypatch):
    monkeypatch.setattr(entities_admin, "_check_code_free", lambda code, entity_id: None)
    with app.app_context():
        data = entities_admin.EntityData(code="s001", name="Une autre section")
        with pytest.raises(DomainError) as refused:
            entities_admin.save_entity(None, data, None)
        assert refused.value.field == "code"
        assert "Ce code est déjà utilisé" in str(refused.value)
        # Only the savepoint was rolled back: the transaction goes on.
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 0
        db.session.rollback()
    assert count(app, Entity, Entity.code, "S001") == 1


def test_the_case_insensitive_reference_index_becomes_the_message(
    app, demo, create_product, monkeypatch
):
    create_product(reference="IMP-ABC-001")
    monkeypatch.setattr(catalog_admin, "_check_reference_free", lambda reference, pid: None)
    with app.app_context():
        category_id = db.session.scalar(select(Category.id).order_by(Category.id))
        data = catalog_admin.ProductData(
            reference="imp-abc-001",
            name="Autre",
            category_id=category_id,
            unit_price=Decimal("1.00"),
            vat_rate=Decimal("20.00"),
            min_quantity=1,
            max_quantity=10,
            quantity_step=1,
            weight_grams=10,
        )
        with pytest.raises(DomainError) as refused:
            catalog_admin.create_product(data, None)
        assert refused.value.field == "reference"
        db.session.rollback()
    assert count(app, Product, Product.reference, "IMP-ABC-001") == 1


@pytest.mark.parametrize(
    "table, values",
    [
        ("entities", {"code": "s001", "name": "Doublon"}),
        ("accounts", {"identifier": "MGEN-SD01"}),
    ],
)
def test_the_database_refuses_values_differing_only_by_case(app, demo, table, values):
    """Whatever writes them (a script, a future import): the index, not only the forms."""
    with app.app_context():
        if table == "entities":
            statement = insert(Entity).values(**values)
        else:
            entity_id = db.session.scalar(select(Entity.id).where(Entity.code == "S001"))
            statement = insert(Account).values(
                account_type=AccountType.SECTION_DIRECTOR,
                first_name="Jeanne",
                last_name="Martin",
                email="jeanne@example.org",
                entity_id=entity_id,
                **values,
            )
        with pytest.raises(IntegrityError):
            db.session.execute(statement)
        db.session.rollback()


def test_the_database_refuses_references_differing_only_by_case(app, create_product):
    create_product(reference="IMP-ABC-001")
    with pytest.raises(IntegrityError):
        create_product(reference="Imp-Abc-001")
    with app.app_context():
        db.session.rollback()
    assert count(app, Product, Product.reference, "IMP-ABC-001") == 1


# --- imports and sign-in match without case ----------------------------------------------


def test_the_roster_matches_entity_codes_without_case(app, demo):
    data = (
        b"nom;prenom;date_naissance;email;type;entite;entites_rattachees\n"
        b"Petit;Louise;04/04/1984;louise@example.org;Directeur de section; s003 ;s091|S001\n"
    )
    with app.app_context():
        report = roster.import_roster(data, full=False, dry_run=False, actor=None)
        assert not report.has_errors, [line.message for line in report.lines]
        db.session.commit()
        louise = db.session.scalar(
            select(Account).where(Account.identifier == "louise.petit.040484")
        )
        assert louise.entity.code == "S003"
        assert sorted(e.code for e in louise.attached_entities) == ["S001", "S091"]


def test_the_roster_matches_an_identifier_and_an_email_without_case(app, demo):
    data = (
        b"identifiant;nom;prenom;date_naissance;email;type;entite\n"
        b"MGEN-SD01;Rousseau;Camille;01/01/1970;MGEN-SD01@Boutique.Example;"
        b"Directeur de section;s001\n"
    )
    with app.app_context():
        report = roster.import_roster(data, full=False, dry_run=True, actor=None)
        assert [(line.identifier, line.outcome) for line in report.lines] == [
            ("mgen-sd01", roster.Outcome.UNCHANGED)
        ]
        db.session.rollback()


def test_sign_in_matches_the_identifier_without_case(demo, browser):
    response = browser.login("  MGEN-SD01 ")
    assert "Déconnexion" in response.get_data(as_text=True)


def test_shipments_match_order_numbers_without_case(
    app, login_as, create_product, sd01, validated_order_for
):
    product = create_product(stock=100)
    validated_order_for(sd01, [(product, 10)])
    response = login_as("logistique").post(
        "/logistique/import",
        {
            "file": (
                BytesIO(
                    b"commande;transporteur;numero_suivi\r\nc0001;CHRONOPOST;XY123456789FR\r\n"
                ),
                "expeditions.csv",
            )
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, page_text(response)
    assert "1 commande expédiée" in page_text(response)


# --- the migration ------------------------------------------------------------------------


def test_the_migration_names_existing_case_duplicates_and_stops(tmp_path):
    """Run on an SQLite file of its own: the session database is already migrated."""
    app = create_app(
        {
            "SHOP_ENV": "testing",
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/old.sqlite3",
            "SHOP_MAIL_TRANSPORT": "folder",
            "SHOP_MAIL_FOLDER": str(tmp_path),
        }
    )
    with app.app_context():
        upgrade(revision=BEFORE)
        db.session.execute(
            text("INSERT INTO entities (code, name, phone, email, overseas, delivery_address, "
                 "delivery_postcode, delivery_city, billing_name, billing_address, "
                 "billing_postcode, billing_city, active) VALUES "
                 "(:code, :name, '', '', 0, '', '', '', '', '', '', '', 1)"),
            [{"code": "S001", "name": "Ain"}, {"code": "s001", "name": "Ain bis"},
             {"code": "S003", "name": "Allier"}],
        )  # fmt: skip
        db.session.commit()
        # Alembic itself: Flask-Migrate's upgrade() logs the error and exits.
        config = app.extensions["migrate"].migrate.get_config()
        with pytest.raises(RuntimeError) as stopped:
            command.upgrade(config, "head")
        message = str(stopped.value)
        assert "entity codes" in message and "'S001', 's001'" in message
        assert "S003" not in message
        db.session.remove()

        # Renamed, the upgrade goes through; the index then refuses a new duplicate.
        db.session.execute(text("UPDATE entities SET code = 'S002' WHERE code = 's001'"))
        db.session.commit()
        upgrade()
        with pytest.raises(IntegrityError):
            db.session.execute(text("UPDATE entities SET code = 's003' WHERE code = 'S001'"))
        db.session.rollback()
        downgrade(revision=BEFORE)
        db.session.execute(text("UPDATE entities SET code = 's003' WHERE code = 'S001'"))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
