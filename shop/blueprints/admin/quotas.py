"""Head-office administration of monthly quotas and annual allocations."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from shop.accounts.entities import all_entities
from shop.blueprints.guards import admin_required
from shop.clock import local_today, shop_timezone, utcnow
from shop.errors import DomainError
from shop.extensions import db
from shop.french import elide
from shop.models import Allocation, Entity, Product
from shop.quota import admin as quota_admin
from shop.quota.store import monthly_limits, used_this_month
from shop.templating import decimal
from shop.web.boundary import flash_error, on_refusal
from shop.web.params import arg_int, form_id, get_or_404, parse_int

bp = Blueprint("admin_quotas", __name__, url_prefix="/admin")


@dataclass(frozen=True)
class RowError:
    """A refused value of one row's form: shown beside its field, as it was typed."""

    key: int  # the row: a product, an entity, an allocation
    field: str
    typed: str
    message: str


# The fields the pages' row forms show a message beside.
ROW_FIELDS = {"monthly_quota", "delivered_quantity", "year", "quantity", "product_id"}


def _row_error(key: int, error: DomainError) -> RowError:
    if error.field not in ROW_FIELDS:  # no field to show it beside: say it above the table
        flash_error(error)
    return RowError(key, error.field or "", request.form.get(error.field or "", ""), str(error))


def _quantity(name: str, *, allow_empty: bool = False, message=None) -> int | None:
    """A whole number from 0 to the largest quota, from the form; None for empty when
    allowed; else the refusal, beside the field."""
    raw = request.form.get(name, "").strip()
    if raw == "" and allow_empty:
        return None
    value = parse_int(raw, maximum=quota_admin.MAX_MONTHLY_QUOTA)
    if value is None:
        raise DomainError(
            message
            or _l(
                "Quantité non valide : un nombre entier de 0 à %(max)s est attendu.",
                max=decimal(quota_admin.MAX_MONTHLY_QUOTA),
            ),
            field=name,
        )
    return value


def _printed_products() -> list[Product]:
    return list(db.session.scalars(quota_admin.printed_products()))


@bp.get("/quotas")
@admin_required
def quotas(refused: RowError | None = None):
    return render_template("admin/quotas.html", products=_printed_products(), refused=refused)


@bp.post("/quotas/<int:product_id>")
@admin_required
def set_default_quota(product_id: int):
    product = get_or_404(Product, product_id)
    on_refusal(beside=lambda error: quotas(_row_error(product.id, error)))
    quota = _quantity("monthly_quota", allow_empty=True)
    quota_admin.set_default_quota(product, quota, current_user)
    flash(_("Quota mensuel de « %(name)s » enregistré.", name=product.name), "success")
    return redirect(url_for("admin_quotas.quotas"))


@bp.get("/quotas/<int:product_id>/entites")
@admin_required
def product_quotas(product_id: int, refused: RowError | None = None):
    product = get_or_404(Product, product_id)
    rows = quota_admin.entity_quotas(product, utcnow())
    return render_template(
        "admin/product_quotas.html",
        product=product,
        refused=refused,
        entities=[entity for entity, _quota, _used in rows],
        overrides={entity.id: quota for entity, quota, _used in rows if quota is not None},
        used={entity.id: used for entity, _quota, used in rows},
    )


@bp.post("/quotas/<int:product_id>/entites")
@admin_required
def set_entity_quota(product_id: int):
    product = get_or_404(Product, product_id)
    entity = get_or_404(Entity, form_id("entity_id"))
    on_refusal(
        beside=lambda error: product_quotas(product.id, _row_error(entity.id, error)),
        back=url_for("admin_quotas.product_quotas", product_id=product.id),
    )
    quota = _quantity("monthly_quota", allow_empty=True)
    quota_admin.set_entity_quota(product, entity, quota, current_user)
    flash(elide(_("Quota de %(entity)s enregistré.", entity=entity.name)), "success")
    return redirect(url_for("admin_quotas.product_quotas", product_id=product.id))


@bp.get("/entites/<int:entity_id>/consommation")
@admin_required
def entity_consumption(entity_id: int):
    """What an entity received this month, product by product, against its quotas."""
    entity = get_or_404(Entity, entity_id)
    products = _printed_products()
    limits = monthly_limits(entity.id, products)
    now = utcnow()
    used = used_this_month(entity.id, [p.id for p in products], now, now, shop_timezone())
    rows = [
        (p, limits[p.id], used.get(p.id, 0))
        for p in products
        if used.get(p.id) or limits[p.id] is not None
    ]
    return render_template("admin/entity_consumption.html", entity=entity, rows=rows, now=now)


@bp.get("/dotations")
@admin_required
def allocations(year: int | None = None, refused: RowError | None = None):
    year = year or arg_int("annee", minimum=quota_admin.FIRST_YEAR, maximum=quota_admin.LAST_YEAR)
    year = year or local_today().year
    rows = db.session.scalars(quota_admin.allocations_of(year)).all()
    return render_template(
        "admin/allocations.html",
        rows=rows,
        year=year,
        refused=refused,
        typed=request.form if refused is not None else {},
        entities=all_entities(),
        products=_printed_products(),
    )


@bp.post("/dotations")
@admin_required
def allocation_create():
    entity = get_or_404(Entity, form_id("entity_id"))
    product = get_or_404(Product, form_id("product_id"))
    on_refusal(beside=lambda error: allocations(refused=_row_error(0, error)))
    year = _quantity(
        "year",
        message=_l(
            "Année non valide : choisissez une année de %(first)s à %(last)s.",
            first=quota_admin.FIRST_YEAR,
            last=quota_admin.LAST_YEAR,
        ),
    )
    quantity = _quantity("quantity")
    quota_admin.create_allocation(entity, product, year, quantity, current_user)
    flash(_("Dotation enregistrée."), "success")
    return redirect(url_for("admin_quotas.allocations", annee=year))


@bp.post("/dotations/<int:allocation_id>/livre")
@admin_required
def allocation_delivered(allocation_id: int):
    allocation = get_or_404(Allocation, allocation_id)
    year = allocation.year
    on_refusal(beside=lambda error: allocations(year, _row_error(allocation_id, error)))
    delivered = _quantity("delivered_quantity")
    quota_admin.record_delivery(allocation, delivered, current_user)
    flash(_("Livraison de la dotation enregistrée."), "success")
    return redirect(url_for("admin_quotas.allocations", annee=allocation.year))
