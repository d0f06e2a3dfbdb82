"""Head office's catalog and stock administration: plain domain functions, no Flask request.

Products are never deleted (orders refer to them): they are deactivated. The stock on hand
is never edited directly: :func:`adjust_stock` locks the product row, checks the change
against what saved orders reserve, and records a :class:`StockMovement` in the same
transaction. The CHECK constraint ``reserved_within_stock`` guards the result as well.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from shop.accounts import audit
from shop.catalog.availability import with_availability
from shop.catalog.quantities import MAX_ORDER_QUANTITY
from shop.catalog.queries import words_condition
from shop.errors import DomainError
from shop.extensions import db
from shop.models import Account, Category, Product, ShopKind, StockMovement
from shop.models.catalog import CENT
from shop.ordering.reservations import lock_products, reclaim_expired
from shop.quota.admin import check_monthly_quota
from shop.templating import decimal, money

# Largest whole number accepted anywhere (stock, quantities, weight): fits an INTEGER column.
MAX_NUMBER = 1_000_000_000
MAX_PRICE = Decimal("99999999.99")  # Numeric(10, 2)
PRICE_TOO_HIGH = _l("Le prix unitaire HT ne peut dépasser %(max)s.")
MAX_IMAGE_BYTES = 2 * 1024 * 1024
UPLOAD_PREFIX = "uploads/products/"
# « Quantité maximale »: at most MAX_ORDER_QUANTITY (see shop.catalog.quantities), on the
# form and here alike.
MAX_QUANTITY_MESSAGE = _l(
    "La quantité maximale par commande doit être un nombre entier de 1 à %(max)s.",
    max=f"{MAX_ORDER_QUANTITY:,}".replace(",", "\u202f"),
)

# What the audit log compares on create and update (never the stock: see adjust_stock).
PRODUCT_FIELDS = [
    "reference", "name", "description", "category_id", "unit_price", "vat_rate",
    "min_quantity", "max_quantity", "quantity_step", "weight_grams", "orderable_from",
    "monthly_quota", "active", "image",
]  # fmt: skip


@dataclass
class ProductData:
    reference: str
    name: str
    category_id: int
    unit_price: Decimal
    vat_rate: Decimal
    min_quantity: int
    max_quantity: int
    quantity_step: int
    weight_grams: int
    description: str = ""
    orderable_from: date | None = None
    monthly_quota: int | None = None
    active: bool = True


def product_snapshot(product: Product) -> dict:
    return audit.snapshot(product, PRODUCT_FIELDS)


def check_product_data(data: ProductData, product_id: int | None = None) -> None:
    """Raise a DomainError naming the field for the first rule the data breaks."""
    reference = data.reference.strip()
    if not reference:
        raise DomainError(_("Indiquez la référence du produit."), field="reference")
    if not data.name.strip():
        raise DomainError(_("Indiquez le nom du produit."), field="name")
    if db.session.get(Category, data.category_id) is None:
        raise DomainError(_("Choisissez une catégorie."), field="category_id")
    if data.unit_price < 0:
        raise DomainError(
            _("Le prix unitaire HT doit être un montant positif ou nul."), field="unit_price"
        )
    if data.unit_price > MAX_PRICE:
        raise DomainError(str(PRICE_TOO_HIGH) % {"max": money(MAX_PRICE)}, field="unit_price")
    if data.unit_price != data.unit_price.quantize(CENT):
        raise DomainError(_("Le prix unitaire HT a au plus deux décimales."), field="unit_price")
    if not Decimal("0") <= data.vat_rate < Decimal("100"):
        raise DomainError(
            _("Le taux de TVA doit être compris entre 0 et 100 (100 exclu)."), field="vat_rate"
        )
    if data.vat_rate != data.vat_rate.quantize(CENT):
        raise DomainError(_("Le taux de TVA a au plus deux décimales."), field="vat_rate")
    if data.min_quantity < 1:
        raise DomainError(_("La quantité minimale doit être d'au moins 1."), field="min_quantity")
    if data.quantity_step < 1:
        raise DomainError(_("Le pas de quantité doit être d'au moins 1."), field="quantity_step")
    for name, message in [
        ("min_quantity", _l("La quantité minimale ne peut dépasser %(max)s.")),
        ("quantity_step", _l("Le pas de quantité ne peut dépasser %(max)s.")),
        ("weight_grams", _l("Le poids ne peut dépasser %(max)s grammes.")),
    ]:
        if getattr(data, name) > MAX_NUMBER:
            raise DomainError(str(message) % {"max": decimal(MAX_NUMBER)}, field=name)
    if not 1 <= data.max_quantity <= MAX_ORDER_QUANTITY:
        raise DomainError(MAX_QUANTITY_MESSAGE, field="max_quantity")
    if data.max_quantity < data.min_quantity:
        raise DomainError(
            _("La quantité maximale doit être supérieure ou égale à la quantité minimale."),
            field="max_quantity",
        )
    if data.weight_grams < 0:
        raise DomainError(_("Le poids doit être positif ou nul."), field="weight_grams")
    if data.monthly_quota is not None and data.monthly_quota < 0:
        raise DomainError(_("Le quota mensuel doit être positif ou nul."), field="monthly_quota")
    check_monthly_quota(data.monthly_quota)
    _check_reference_free(reference, product_id)


def _check_reference_free(reference: str, product_id: int | None) -> None:
    """References are unique whatever the case, as the database's index on
    ``lower(reference)`` says (two admins may pass this check at once: see _flush_product)."""
    duplicate = db.session.scalar(
        select(Product.id).where(
            func.lower(Product.reference) == func.lower(reference),
            Product.id != (product_id or 0),
        )
    )
    if duplicate is not None:
        raise _reference_taken()


def _reference_taken() -> DomainError:
    return DomainError(
        _("Cette référence est déjà utilisée par un autre produit."), field="reference"
    )


def _flush_product(product: Product) -> None:
    """Write the product in a savepoint: another admin may be saving the same reference, or
    deleting its category (an empty one may be deleted)."""
    try:
        with db.session.begin_nested():
            db.session.add(product)
            db.session.flush()
    except IntegrityError as error:
        category = select(Category.id).where(Category.id == product.category_id)
        if db.session.scalar(category) is None:
            raise DomainError(_("Choisissez une catégorie."), field="category_id") from error
        raise _reference_taken() from error


def _apply(product: Product, data: ProductData) -> None:
    product.reference = data.reference.strip()
    product.name = data.name.strip()
    product.description = (data.description or "").strip()
    product.category_id = data.category_id
    product.unit_price = data.unit_price.quantize(CENT)
    product.vat_rate = data.vat_rate.quantize(CENT)
    product.min_quantity = data.min_quantity
    product.max_quantity = data.max_quantity
    product.quantity_step = data.quantity_step
    product.weight_grams = data.weight_grams
    product.orderable_from = data.orderable_from
    product.monthly_quota = data.monthly_quota
    product.active = data.active


def create_product(data: ProductData, actor: Account | None) -> Product:
    """A new product, without stock (stock arrives through :func:`adjust_stock`)."""
    check_product_data(data)
    product = Product(stock_on_hand=0, reserved_quantity=0)
    _apply(product, data)
    _flush_product(product)
    audit.record(actor, "product.create", product, after=product_snapshot(product))
    return product


def update_product(product: Product, data: ProductData, actor: Account | None) -> None:
    """Change everything but the stock; recorded in the audit log."""
    check_product_data(data, product.id)
    before = product_snapshot(product)
    _apply(product, data)
    _flush_product(product)
    audit.record(actor, "product.update", product, before, product_snapshot(product))


def set_active(product: Product, active: bool, actor: Account | None) -> None:
    """Deactivate (or reactivate) instead of deleting: orders keep referring to it."""
    before = product_snapshot(product)
    product.active = active
    db.session.flush()
    audit.record(actor, "product.update", product, before, product_snapshot(product))


def admin_products(
    now: datetime,
    terms: str = "",
    shop: ShopKind | None = None,
    category_id: int | None = None,
    active: bool | None = None,
) -> Select:
    """Every product (active or not) matching the filters, by shop, category and name, with
    what is available of each at ``now`` (as the shops count it)."""
    query = (
        select(Product)
        .join(Product.category)
        .order_by(Category.shop, Category.position, Product.name, Product.id)
    )
    condition = words_condition(terms)
    if condition is not None:
        query = query.where(condition)
    if shop is not None:
        query = query.where(Category.shop == shop)
    if category_id is not None:
        query = query.where(Product.category_id == category_id)
    if active is not None:
        query = query.where(Product.active.is_(active))
    return with_availability(query, now)


# --- Stock ------------------------------------------------------------------------------


def adjust_stock(
    product_id: int, delta: int, reason: str, actor: Account | None, now: datetime
) -> StockMovement:
    """Add ``delta`` (signed) to the stock on hand, with its reason, race-safely.

    The product row is locked first (``FOR NO KEY UPDATE``; SQLite takes its write lock at
    ``BEGIN IMMEDIATE``), so concurrent adjustments and order saves are applied one after
    the other. Reservations past their deadline are given back first: they never count.
    """
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Indiquez le motif du mouvement de stock."), field="reason")
    if len(reason) > 255:
        raise DomainError(_("Le motif ne doit pas dépasser 255 caractères."), field="reason")
    if delta == 0:
        raise DomainError(
            _("Indiquez une quantité non nulle : positive pour ajouter, négative pour retirer."),
            field="delta",
        )
    if abs(delta) > MAX_NUMBER:
        raise DomainError(
            _("La quantité doit être comprise entre -%(max)s et %(max)s.", max=decimal(MAX_NUMBER)),
            field="delta",
        )
    product = lock_products([product_id]).get(product_id)
    if product is None:
        raise DomainError(_("Ce produit n'existe pas."))
    reclaim_expired([product_id], now)
    new_stock = product.stock_on_hand + delta
    if new_stock < 0:
        raise DomainError(
            _(
                "Le stock ne peut pas devenir négatif : il n'y a que %(stock)s exemplaire(s) "
                "en stock.",
                stock=decimal(product.stock_on_hand),
            ),
            field="delta",
        )
    if new_stock < product.reserved_quantity:
        raise DomainError(
            _(
                "La quantité réservée ne peut pas être retirée : %(reserved)s exemplaire(s) "
                "sont réservés par des commandes enregistrées ; vous pouvez retirer au plus "
                "%(removable)s exemplaire(s).",
                reserved=decimal(product.reserved_quantity),
                removable=decimal(product.stock_on_hand - product.reserved_quantity),
            ),
            field="delta",
        )
    if new_stock > MAX_NUMBER:
        raise DomainError(_("Cette quantité est trop grande."), field="delta")
    before = product.stock_on_hand
    product.stock_on_hand = new_stock
    movement = StockMovement(
        product_id=product.id,
        delta=delta,
        stock_after=new_stock,
        reason=reason,
        actor_id=actor.id if actor is not None else None,
        at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(movement)
            db.session.flush()
    except IntegrityError as error:  # the CHECK constraints: never below what is reserved
        raise DomainError(
            _("La quantité réservée ne peut pas être retirée."), field="delta"
        ) from error
    audit.record(
        actor,
        "stock.adjust",
        product,
        {"stock_on_hand": before, "reason": None},
        {"stock_on_hand": new_stock, "reason": reason},
    )
    return movement


def categories() -> list[Category]:
    """Every category, by shop and position (the filters of the products list)."""
    return list(
        db.session.scalars(
            select(Category).order_by(Category.shop, Category.position, Category.name)
        )
    )


def categories_by_shop() -> dict[ShopKind, list[Category]]:
    """The categories of each shop, printed first (the choices of the product form)."""
    groups: dict[ShopKind, list[Category]] = {ShopKind.PRINTED: [], ShopKind.OBJECTS: []}
    for category in db.session.scalars(select(Category).order_by(Category.position, Category.name)):
        groups.setdefault(category.shop, []).append(category)
    return groups


def latest_movements(limit: int = 15) -> list:
    """The last stock movements of every product, with the product's reference and name."""
    return db.session.execute(
        movements()
        .add_columns(Product.reference, Product.name)
        .join(Product, Product.id == StockMovement.product_id)
        .limit(limit)
    ).all()


def movements(product_id: int | None = None) -> Select:
    """Stock movements, newest first; of one product if given."""
    query = (
        select(StockMovement)
        .options(joinedload(StockMovement.actor))  # shown on every row
        .order_by(StockMovement.at.desc(), StockMovement.id.desc())
    )
    if product_id is not None:
        query = query.where(StockMovement.product_id == product_id)
    return query


# --- Images -----------------------------------------------------------------------------


def image_kind(head: bytes) -> str | None:
    """The file extension for PNG, JPEG or WebP content (by magic bytes), else None."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


IMAGE_MIMETYPES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}


def store_product_image(
    product: Product, content: bytes, folder: Path, actor: Account | None
) -> str:
    """Check the picture, write it under ``folder`` with a random name, point the product at
    it (``uploads/products/<name>``) and record the change; returns the new file's path."""
    if not content:
        raise DomainError(_("Choisissez une image à envoyer."), field="image")
    if len(content) > MAX_IMAGE_BYTES:
        raise DomainError(_("L'image dépasse la taille maximale de 2 Mo."), field="image")
    kind = image_kind(content[:16])
    if kind is None:
        raise DomainError(
            _("Ce fichier n'est pas une image PNG, JPEG ou WebP."),
            field="image",
        )
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.{kind}"
    path = folder / name
    path.write_bytes(content)
    try:
        before = product_snapshot(product)
        product.image = UPLOAD_PREFIX + name
        db.session.flush()
        audit.record(actor, "product.update", product, before, product_snapshot(product))
    except Exception:
        path.unlink(missing_ok=True)
        raise
    return str(path)
