"""The basket: one per account, holding products of one shop at a time."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.clock import utcnow
from shop.dbtypes import UTCDateTime
from shop.extensions import db
from shop.models.catalog import Product, ShopKind

if TYPE_CHECKING:
    from shop.models.orders import Order


class Basket(db.Model):
    __tablename__ = "baskets"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), unique=True
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Set while the basket holds a saved order's lines being modified.
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    # "Entité du destinataire": None means the account's own entity.
    recipient_entity_id: Mapped[int | None] = mapped_column(ForeignKey("entities.id"))
    # The entity "Mettre à jour" last checked these lines for; reset when they change.
    quota_checked_entity_id: Mapped[int | None] = mapped_column(ForeignKey("entities.id"))
    # The delivery address typed in the basket for this order only (empty address: the
    # recipient's usual one). Forgotten when the recipient changes and at save.
    delivery_last_name: Mapped[str] = mapped_column(String(80), default="", server_default="")
    delivery_first_name: Mapped[str] = mapped_column(String(80), default="", server_default="")
    delivery_email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    delivery_phone: Mapped[str] = mapped_column(String(32), default="", server_default="")
    delivery_address: Mapped[str] = mapped_column(String(255), default="", server_default="")
    delivery_postcode: Mapped[str] = mapped_column(String(10), default="", server_default="")
    delivery_city: Mapped[str] = mapped_column(String(120), default="", server_default="")

    order: Mapped[Order | None] = relationship()
    lines: Mapped[list[BasketLine]] = relationship(
        back_populates="basket",
        cascade="all, delete-orphan",
        order_by="BasketLine.id",
    )

    @property
    def shop(self) -> ShopKind | None:
        """Derived from the lines: an empty basket belongs to no shop yet."""
        return self.lines[0].product.shop if self.lines else None

    def line_for(self, product_id: int) -> BasketLine | None:
        return next((line for line in self.lines if line.product_id == product_id), None)


class BasketLine(db.Model):
    __tablename__ = "basket_lines"
    __table_args__ = (
        UniqueConstraint("basket_id", "product_id", name="uq_basket_lines_basket_product"),
        # 0: a line lowered by the monthly quota, kept for information, dropped at save.
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    basket_id: Mapped[int] = mapped_column(ForeignKey("baskets.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)

    basket: Mapped[Basket] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship(lazy="joined", innerjoin=True)

    # A basket is priced at today's prices (an order keeps the prices it was saved with).
    @property
    def unit_price(self) -> Decimal:
        return self.product.unit_price

    @property
    def vat_rate(self) -> Decimal:
        return self.product.vat_rate
