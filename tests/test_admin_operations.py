"""Head office's operations as domain functions: each records its own audit entry, refuses
odd input with a French message, and the views around them hold no transaction nor query."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from pathlib import Path

import pytest

from shop.clock import utcnow
from shop.extensions import db
from shop.models import (
    Account,
    Allocation,
    AuditEntry,
    Entity,
    EntityQuota,
    OutboxMessage,
    OutboxStatus,
    Product,
)
from shop.quota.admin import MAX_MONTHLY_QUOTA

ADMIN_VIEWS = Path(__file__).parents[1] / "shop" / "blueprints" / "admin"


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(db.select(AuditEntry.action).order_by(AuditEntry.id)))


def entity_id(app, code: str) -> int:
    with app.app_context():
        return db.session.scalar(db.select(Entity.id).where(Entity.code == code))


@pytest.fixture
def admin(login_as):
    return login_as("siege-admin")


# --- one maximum for a monthly quota ----------------------------------------------------


def product_form(app, product_id: int, monthly_quota: str) -> dict:
    with app.app_context():
        product = db.session.get(Product, product_id)
        return {
            "reference": product.reference,
            "name": product.name,
            "category_id": str(product.category_id),
            "unit_price": "1",
            "vat_rate": "20",
            "min_quantity": "1",
            "max_quantity": "100",
            "quantity_step": "1",
            "weight_grams": "100",
            "monthly_quota": monthly_quota,
            "active": "y",
        }


def test_one_maximum_monthly_quota_on_the_product_form_and_the_quotas_page(
    app, admin, create_product
):
    product = create_product()
    allier = entity_id(app, "S003")
    largest, beyond = str(MAX_MONTHLY_QUOTA), str(MAX_MONTHLY_QUOTA + 1)

    def stored() -> tuple[int | None, int | None]:
        with app.app_context():
            override = db.session.get(EntityQuota, (allier, product))
            return (
                db.session.get(Product, product).monthly_quota,
                override.monthly_quota if override else None,
            )

    # The largest is accepted everywhere...
    assert (
        admin.post(f"/admin/produits/{product}", product_form(app, product, largest)).status_code
        == 302
    )
    assert admin.post(f"/admin/quotas/{product}", {"monthly_quota": largest}).status_code == 302
    admin.post(
        f"/admin/quotas/{product}/entites", {"entity_id": str(allier), "monthly_quota": largest}
    )
    assert stored() == (MAX_MONTHLY_QUOTA, MAX_MONTHLY_QUOTA)
    # ... one more is refused everywhere, with a message, and changes nothing.
    refused = admin.post(f"/admin/produits/{product}", product_form(app, product, beyond))
    assert "Le quota mensuel doit être un nombre entier de 0 à" in text(refused)
    page = admin.post(f"/admin/quotas/{product}", {"monthly_quota": beyond}, follow_redirects=True)
    assert "Quantité non valide" in text(page)
    page = admin.post(
        f"/admin/quotas/{product}/entites",
        {"entity_id": str(allier), "monthly_quota": beyond},
        follow_redirects=True,
    )
    assert "Quantité non valide" in text(page)
    assert stored() == (MAX_MONTHLY_QUOTA, MAX_MONTHLY_QUOTA)


def test_the_domain_refuses_a_quota_beyond_the_maximum(app, demo, create_product):
    from shop.errors import DomainError
    from shop.quota import admin as quota_admin

    product_id = create_product()
    with app.app_context():
        product = db.session.get(Product, product_id)
        with pytest.raises(DomainError) as refused:
            quota_admin.set_default_quota(product, MAX_MONTHLY_QUOTA + 1, None)
        assert refused.value.field == "monthly_quota"
        db.session.rollback()


# --- odd input: a message or a 404, never a server error --------------------------------


@pytest.mark.parametrize("bad", ["²", "٣", "-1", "99999999999", "1e3", "4 2"])
def test_odd_quantities_on_the_quotas_pages_are_refused_with_a_message(
    app, admin, create_product, bad
):
    product = create_product(monthly_quota=7)
    page = admin.post(f"/admin/quotas/{product}", {"monthly_quota": bad})
    assert page.status_code == 400
    # Beside the product's own field, with what was typed, tied to it for screen readers.
    field = re.search(rf'<input[^>]*id="quota-{product}"[^>]*>', text(page)).group(0)
    assert f'value="{bad}"' in field and f'aria-describedby="quota-{product}-error"' in field
    error = re.search(rf'id="quota-{product}-error">([^<]*)<', text(page)).group(1)
    assert "Quantité non valide" in error
    with app.app_context():
        assert db.session.get(Product, product).monthly_quota == 7
    assert actions(app) == []


def test_odd_ids_and_years_of_an_allocation(app, admin, create_product):
    product = create_product()
    ain = str(entity_id(app, "S001"))
    data = {"entity_id": ain, "product_id": str(product), "year": "2026", "quantity": "3"}
    for name in ("entity_id", "product_id"):
        for bad in ("²", "abc", "99999999999", "0"):
            assert admin.post("/admin/dotations", data | {name: bad}).status_code == 404
    for year in ("²", "1999", "3000"):
        page = admin.post("/admin/dotations", data | {"year": year})
        assert page.status_code == 400
        assert "Année non valide : choisissez une année de 2000 à 2100." in text(page)
        assert f'value="{year}"' in text(page) and 'aria-describedby="a-year-error"' in text(page)
    assert admin.post("/admin/dotations", data).status_code == 302
    with app.app_context():
        allocation_id = db.session.scalar(
            db.select(Allocation.id).where(Allocation.product_id == product)
        )
    page = admin.post(f"/admin/dotations/{allocation_id}/livre", {"delivered_quantity": "²"})
    assert page.status_code == 400
    assert "Quantité non valide" in text(page)
    assert f'aria-describedby="d-{allocation_id}-error"' in text(page)
    page = admin.post(f"/admin/dotations/{allocation_id}/livre", {"delivered_quantity": "4"})
    assert "ne peut dépasser la dotation" in text(page)
    assert actions(app) == ["allocation.create"]


# --- every write records its own audit entry --------------------------------------------


def test_outbox_retry_is_audited_and_sent_after_the_commit(app, admin):
    with app.app_context():
        failed = OutboxMessage(
            recipient="x@example.org",
            subject="Sujet",
            body_text="corps",
            kind="test",
            status=OutboxStatus.FAILED,
            attempts=8,
        )
        db.session.add(failed)
        db.session.commit()
        failed_id = failed.id
    response = admin.post(f"/admin/emails/{failed_id}/renvoyer", {"statut": "echecs"})
    assert response.status_code == 302 and response.location.endswith("/admin/emails?statut=echecs")
    with app.app_context():
        assert db.session.get(OutboxMessage, failed_id).status is OutboxStatus.SENT
    assert actions(app) == ["mail.retry"]
    # Sent already: a message, no second entry.
    page = admin.post(f"/admin/emails/{failed_id}/renvoyer", follow_redirects=True)
    assert "Cet email a déjà été envoyé." in text(page)
    assert actions(app) == ["mail.retry"]


def test_retrying_a_waiting_message_is_audited_too(app, admin):
    """A message still waiting after a failed attempt keeps its status: the retry changes
    its due time, and the journal says so."""
    with app.app_context():
        waiting = OutboxMessage(
            recipient="y@example.org",
            subject="Sujet",
            body_text="corps",
            kind="test",
            status=OutboxStatus.PENDING,
            attempts=1,
            next_attempt_at=utcnow() + timedelta(hours=1),
            last_error="FileExistsError",
        )
        db.session.add(waiting)
        db.session.commit()
        waiting_id = waiting.id
    admin.post(f"/admin/emails/{waiting_id}/renvoyer", {"statut": "attente"})
    assert actions(app) == ["mail.retry"]


def test_access_invitations_are_audited(app, admin):
    with app.app_context():  # one account still to activate: an invitation goes out
        account = db.session.scalar(db.select(Account).filter_by(identifier="mgen-ar01"))
        account.password_hash = None
        db.session.commit()
    admin.post("/admin/acces/invitations")
    with app.app_context():
        [entry] = db.session.scalars(db.select(AuditEntry)).all()
        assert entry.action == "access.invite" and "invitations" in entry.changes


def test_sending_an_invitation_again_is_audited(app, admin, account_id):
    target = account_id("mgen-ar01")
    with app.app_context():
        db.session.get(Account, target).password_hash = None  # invited, not yet activated
        db.session.commit()
    response = admin.post(f"/admin/comptes/{target}/invitation")
    assert response.status_code == 302
    with app.app_context():
        [entry] = db.session.scalars(db.select(AuditEntry)).all()
        assert (entry.action, entry.target_id) == ("account.invite", target)
        assert entry.actor.identifier == "siege-admin"


def test_an_activated_account_is_not_invited_again(app, admin, account_id):
    target = account_id("mgen-ar01")
    page = admin.post(f"/admin/comptes/{target}/invitation", follow_redirects=True)
    assert "Ce compte est déjà activé" in text(page)
    assert actions(app) == []


def _own_data(**changes) -> dict:
    data = {
        "identifier": "siege-admin",
        "account_type": "head_office_admin",
        "last_name": "Admin",
        "first_name": "Siège",
        "email": "siege-admin@example.org",
        "phone": "",
        "entity_id": "1",
        "locale": "fr",
        "active": "y",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"account_type": "logistician"}, "retirer vos propres droits d'administrateur"),
        ({"active": None}, "désactiver votre propre compte"),
    ],
)
def test_an_admin_cannot_take_away_their_own_rights(app, admin, account_id, changes, message):
    """Else the last admin could leave the shop with nobody to run it (and see a success
    message on a 403 page)."""
    me = account_id("siege-admin")
    response = admin.post(f"/admin/comptes/{me}", _own_data(**changes))
    assert response.status_code == 400
    assert message in text(response)
    with app.app_context():
        account = db.session.get(Account, me)
        assert account.is_admin and account.active
    assert actions(app) == []


def test_the_cli_creates_api_clients_through_the_audited_function(app, demo):
    result = app.test_cli_runner().invoke(
        args=["create-api-client", "Entrepôt CLI", "--shop", "objets"]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        [entry] = db.session.scalars(db.select(AuditEntry)).all()
        assert (entry.action, entry.actor_id, entry.target_label) == (
            "api_client.create",
            None,
            "Entrepôt CLI",
        )


def test_a_picture_whose_change_fails_leaves_no_file(
    app, demo, create_product, monkeypatch, tmp_path
):
    from shop.catalog import admin as catalog_admin

    def failing(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(catalog_admin.audit, "record", failing)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    product_id = create_product()
    with app.app_context():
        with pytest.raises(RuntimeError):
            catalog_admin.store_product_image(
                db.session.get(Product, product_id), png, tmp_path, None
            )
        db.session.rollback()
    assert list(tmp_path.iterdir()) == []


# --- the views leave transactions, audit entries and queries to the domain --------------


def test_admin_views_hold_no_transaction_no_audit_and_no_query():
    forbidden = re.compile(r"db\.session\.(commit|rollback)\(|\baudit\.\w+\(|\bselect\(|isdigit\(")
    for path in sorted(ADMIN_VIEWS.glob("*.py")):
        found = [m.group(0) for m in forbidden.finditer(path.read_text(encoding="utf-8"))]
        assert not found, f"{path.name}: {found}"
