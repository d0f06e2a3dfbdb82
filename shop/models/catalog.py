"""The catalog: two shops, their categories, and the products."""

from __future__ import annotations

import enum
import unicodedata
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    event,
    func,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from shop.catalog.quantities import QuantityOffer, QuantityRule
from shop.dbtypes import value_enum
from shop.extensions import db

CENT = Decimal("0.01")


def money(value: Decimal) -> Decimal:
    """Round to the cent the way invoices do (half up)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def fold(text: str) -> str:
    """Lowercase without accents: what search compares ("depliant" finds "Dépliant")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class ShopKind(enum.Enum):
    """Orders of objects and of printed material are independent (one basket at a time)."""

    PRINTED = "imprimes"
    OBJECTS = "objets"

    @property
    def label(self) -> str:
        return str(SHOP_LABELS[self])


SHOP_LABELS = {ShopKind.PRINTED: _l("Les imprimés"), ShopKind.OBJECTS: _l("Les objets")}


def name_key(name: str) -> str:
    """What makes two category names the same: case and repeated spaces ignored."""
    return " ".join(name.split()).casefold()


class Category(db.Model):
    """A shop's category. Never deleted while it holds products: deactivated instead, which
    hides it and its products from the shops (head office still sees them)."""

    __tablename__ = "categories"
    __table_args__ = (
        # One name per shop whatever the case: two admins cannot create it twice.
        UniqueConstraint("shop", "name_key", name="uq_categories_shop_name_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop: Mapped[ShopKind] = mapped_column(value_enum(ShopKind, 16))
    # Made from the name when the category is created, then kept: links stay valid.
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    # Kept by the mapper events below from the name (see name_key).
    name_key: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    def __repr__(self) -> str:
        return f"<Category {self.slug}>"


@event.listens_for(Category, "before_insert")
@event.listens_for(Category, "before_update")
def _refresh_name_key(mapper, connection, category: Category) -> None:
    category.name_key = name_key(category.name)


class Product(db.Model):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("min_quantity >= 1", name="min_quantity_positive"),
        CheckConstraint("quantity_step >= 1", name="quantity_step_positive"),
        CheckConstraint("max_quantity >= min_quantity", name="max_not_below_min"),
        CheckConstraint("stock_on_hand >= 0", name="stock_not_negative"),
        # Reservations can never exceed what is on hand: availability is never negative.
        CheckConstraint(
            "reserved_quantity >= 0 AND reserved_quantity <= stock_on_hand",
            name="reserved_within_stock",
        ),
        CheckConstraint("unit_price >= 0", name="price_not_negative"),
        CheckConstraint("vat_rate >= 0 AND vat_rate < 100", name="vat_rate_range"),
        CheckConstraint("weight_grams >= 0", name="weight_not_negative"),
        CheckConstraint("monthly_quota >= 0", name="monthly_quota_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    image: Mapped[str | None] = mapped_column(String(255))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    unit_price: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("0.00"))
    vat_rate: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("20.00"))
    min_quantity: Mapped[int] = mapped_column(Integer, default=1)
    max_quantity: Mapped[int] = mapped_column(Integer, default=100)
    quantity_step: Mapped[int] = mapped_column(Integer, default=1)
    stock_on_hand: Mapped[int] = mapped_column(Integer, default=0)
    # Sum of the order lines' reserved quantities, kept by shop.ordering.reservations.
    reserved_quantity: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    weight_grams: Mapped[int] = mapped_column(Integer, default=0)
    orderable_from: Mapped[date | None] = mapped_column(Date)
    # Most an entity may receive per calendar month; None: no quota. Entities may override.
    monthly_quota: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Folded copy of reference, name and description, kept by the mapper events below.
    search_text: Mapped[str] = mapped_column(Text, default="")
    # What may still be ordered now, loaded by the query that lists the product (see
    # shop.catalog.availability.with_availability); None when that query did not ask for it.
    available_quantity: Mapped[int | None] = query_expression()

    category: Mapped[Category] = relationship(lazy="joined", innerjoin=True)

    def __repr__(self) -> str:
        return f"<Product {self.reference}>"

    @property
    def shop(self) -> ShopKind:
        return self.category.shop

    @property
    def unit_price_incl_vat(self) -> Decimal:
        return money(self.unit_price * (1 + self.vat_rate / 100))

    @property
    def quantity_rule(self) -> QuantityRule:
        return QuantityRule(self.min_quantity, self.max_quantity, self.quantity_step)

    @property
    def offered(self) -> bool:
        """Shown in the shops and orderable: the product and its category are active."""
        return self.active and self.category.active

    @property
    def offer(self) -> QuantityOffer:
        """The quantities offered now, bounded by what is available (see ``available_quantity``)."""
        if self.available_quantity is None:
            raise RuntimeError("the product was loaded without its availability")
        return self.quantity_rule.offer(self.available_quantity)

    def is_open(self, today: date) -> bool:
        """False before the "orderable from" date (the product is shown greyed)."""
        return self.orderable_from is None or self.orderable_from <= today


# Unique whatever the case, as entity codes are (``shop.models.entities``).
Index("uq_products_reference_lower", func.lower(Product.reference), unique=True)


@event.listens_for(Product, "before_insert")
@event.listens_for(Product, "before_update")
def _refresh_search_text(mapper, connection, product: Product) -> None:
    product.search_text = fold(
        " ".join([product.reference, product.name, product.description or ""])
    )
