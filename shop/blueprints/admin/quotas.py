"""Head-office administration of monthly quotas and annual allocations."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload

from shop.accounts import audit
from shop.blueprints.guards import admin_required
from shop.clock import local_today, shop_timezone, utcnow
from shop.extensions import db
from shop.models import Allocation, Category, Entity, EntityQuota, Product, ShopKind
from shop.quota.store import monthly_limits, used_this_month

bp = Blueprint("admin_quotas", __name__, url_prefix="/admin")

MAX_QUOTA = 10_000_000


def _quantity(name: str, *, allow_empty: bool = False) -> int | None:
    """A non-negative whole number from the form; None for empty when allowed; else 400."""
    raw = request.form.get(name, "").strip()
    if raw == "" and allow_empty:
        return None
    if not raw.isdigit() or int(raw) > MAX_QUOTA:
        flash(_("Quantité non valide : un nombre entier positif est attendu."), "danger")
        abort(redirect(request.referrer or url_for("admin_quotas.quotas")))
    return int(raw)


def _printed_products() -> list[Product]:
    return list(
        db.session.scalars(
            select(Product)
            .join(Product.category)
            .where(Category.shop == ShopKind.PRINTED, Product.active.is_(True))
            .order_by(Category.position, Product.name)
        )
    )


@bp.get("/quotas")
@admin_required
def quotas():
    return render_template("admin/quotas.html", products=_printed_products())


@bp.post("/quotas/<int:product_id>")
@admin_required
def set_default_quota(product_id: int):
    product = db.session.get(Product, product_id) or abort(404)
    before = product.monthly_quota
    product.monthly_quota = _quantity("monthly_quota", allow_empty=True)
    audit.record(
        current_user,
        "quota.default",
        product,
        {"monthly_quota": before},
        {"monthly_quota": product.monthly_quota},
    )
    db.session.commit()
    flash(_("Quota mensuel de « %(name)s » enregistré.", name=product.name), "success")
    return redirect(url_for("admin_quotas.quotas"))


@bp.get("/quotas/<int:product_id>/entites")
@admin_required
def product_quotas(product_id: int):
    product = db.session.get(Product, product_id) or abort(404)
    entities = db.session.scalars(select(Entity).order_by(Entity.name)).all()
    overrides = {
        q.entity_id: q.monthly_quota
        for q in db.session.scalars(select(EntityQuota).where(EntityQuota.product_id == product.id))
    }
    now = utcnow()
    used = {
        entity.id: used_this_month(entity.id, [product.id], now, now, shop_timezone()).get(
            product.id, 0
        )
        for entity in entities
    }
    return render_template(
        "admin/product_quotas.html",
        product=product,
        entities=entities,
        overrides=overrides,
        used=used,
    )


@bp.post("/quotas/<int:product_id>/entites")
@admin_required
def set_entity_quota(product_id: int):
    product = db.session.get(Product, product_id) or abort(404)
    raw_entity = request.form.get("entity_id", "")
    entity = db.session.get(Entity, int(raw_entity)) if raw_entity.isdigit() else None
    if entity is None:
        abort(404)
    quota = _quantity("monthly_quota", allow_empty=True)
    existing = db.session.get(EntityQuota, (entity.id, product.id))
    audit.record(
        current_user,
        "quota.entity",
        product,
        {"entity": entity.code, "monthly_quota": existing.monthly_quota if existing else None},
        {"entity": entity.code, "monthly_quota": quota},
        label=f"{product.reference} / {entity.name}",
    )
    if quota is None:
        if existing is not None:
            db.session.delete(existing)
    elif existing is None:
        db.session.add(EntityQuota(entity_id=entity.id, product_id=product.id, monthly_quota=quota))
    else:
        existing.monthly_quota = quota
    db.session.commit()
    flash(_("Quota de %(entity)s enregistré.", entity=entity.name), "success")
    return redirect(url_for("admin_quotas.product_quotas", product_id=product.id))


@bp.get("/entites/<int:entity_id>/consommation")
@admin_required
def entity_consumption(entity_id: int):
    """What an entity received this month, product by product, against its quotas."""
    entity = db.session.get(Entity, entity_id) or abort(404)
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
def allocations():
    year = request.args.get("annee", type=int) or local_today().year
    rows = db.session.scalars(
        select(Allocation)
        .where(Allocation.year == year)
        .join(Allocation.entity)
        .options(contains_eager(Allocation.entity), joinedload(Allocation.product))
        .order_by(Entity.name, Allocation.id)
    ).all()
    return render_template(
        "admin/allocations.html",
        rows=rows,
        year=year,
        entities=db.session.scalars(select(Entity).order_by(Entity.name)).all(),
        products=_printed_products(),
    )


@bp.post("/dotations")
@admin_required
def allocation_create():
    entity_raw, product_raw = request.form.get("entity_id", ""), request.form.get("product_id", "")
    entity = db.session.get(Entity, int(entity_raw)) if entity_raw.isdigit() else None
    product = db.session.get(Product, int(product_raw)) if product_raw.isdigit() else None
    if entity is None or product is None:
        abort(404)
    year = _quantity("year")
    quantity = _quantity("quantity")
    if not 2000 <= year <= 2100:
        flash(_("Année non valide."), "danger")
        return redirect(url_for("admin_quotas.allocations"))
    try:
        with db.session.begin_nested():
            allocation = Allocation(entity=entity, product=product, year=year, quantity=quantity)
            db.session.add(allocation)
    except IntegrityError:
        flash(_("Cette entité a déjà une dotation de ce produit pour cette année."), "danger")
        return redirect(url_for("admin_quotas.allocations", annee=year))
    audit.record(
        current_user,
        "allocation.create",
        allocation,
        after={
            "entity": entity.code,
            "product": product.reference,
            "year": year,
            "quantity": quantity,
        },
        label=f"{product.reference} / {entity.name} / {year}",
    )
    db.session.commit()
    flash(_("Dotation enregistrée."), "success")
    return redirect(url_for("admin_quotas.allocations", annee=year))


@bp.post("/dotations/<int:allocation_id>/livre")
@admin_required
def allocation_delivered(allocation_id: int):
    allocation = db.session.get(Allocation, allocation_id) or abort(404)
    delivered = _quantity("delivered_quantity")
    if delivered > allocation.quantity:
        flash(_("La quantité livrée ne peut dépasser la dotation."), "danger")
    else:
        audit.record(
            current_user,
            "allocation.delivered",
            allocation,
            {"delivered_quantity": allocation.delivered_quantity},
            {"delivered_quantity": delivered},
            label=f"{allocation.product.reference} / {allocation.entity.name} / {allocation.year}",
        )
        allocation.delivered_quantity = delivered
        db.session.commit()
        flash(_("Livraison de la dotation enregistrée."), "success")
    return redirect(url_for("admin_quotas.allocations", annee=allocation.year))
