"""Orders: a saved basket that reserves stock, waits for validation, then becomes final."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.addresses import Block
from shop.clock import utcnow
from shop.dbtypes import UTCDateTime, value_enum
from shop.extensions import db
from shop.models.accounts import Account
from shop.models.catalog import Product, ShopKind
from shop.models.entities import Entity
from shop.ordering.shipping import ShippingEstimate


class OrderStatus(enum.Enum):
    SAVED = "saved"  # "Enregistrée": stock reserved, waiting for validation
    VALIDATED = "validated"  # final: no later change
    CANCELLED = "cancelled"  # "Annulée" (e.g. expired): reservation released

    @property
    def label(self) -> str:
        return str(ORDER_STATUS_LABELS[self])


ORDER_STATUS_LABELS = {
    OrderStatus.SAVED: _l("Enregistrée"),
    OrderStatus.VALIDATED: _l("Validée"),
    OrderStatus.CANCELLED: _l("Annulée"),
}


class DeliveryStatus(enum.Enum):
    """Where a validated order's goods are (the logistician's track)."""

    PREPARING = "preparing"  # "En cours de préparation": waits for the next dispatch
    POOLED = "pooled"  # "En cours de mutualisation": pooled into the weekly dispatch
    SHIPPED = "shipped"  # "Expédiée": on its way, with a carrier and a tracking number
    DELIVERED = "delivered"  # "Livrée"

    @property
    def label(self) -> str:
        return str(DELIVERY_STATUS_LABELS[self])


DELIVERY_STATUS_LABELS = {
    DeliveryStatus.PREPARING: _l("En cours de préparation"),
    DeliveryStatus.POOLED: _l("En cours de mutualisation"),
    DeliveryStatus.SHIPPED: _l("Expédiée"),
    DeliveryStatus.DELIVERED: _l("Livrée"),
}


class InvoiceStatus(enum.Enum):
    """Head office's invoicing track of a validated order."""

    AWAITING_INVOICE = "awaiting_invoice"  # "En attente de facturation"
    AWAITING_PAYMENT = "awaiting_payment"  # "En attente de paiement"
    PAID = "paid"  # "Payée"

    @property
    def label(self) -> str:
        return str(INVOICE_STATUS_LABELS[self])


INVOICE_STATUS_LABELS = {
    InvoiceStatus.AWAITING_INVOICE: _l("En attente de facturation"),
    InvoiceStatus.AWAITING_PAYMENT: _l("En attente de paiement"),
    InvoiceStatus.PAID: _l("Payée"),
}


CANCEL_EXPIRED = "expired"
CANCEL_HEAD_OFFICE = "head_office"


class Counter(db.Model):
    """Named counters for gap-free numbers, incremented under the row's lock."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class Order(db.Model):
    __tablename__ = "orders"
    # What an entity received this month (monthly quotas) is read through this index.
    __table_args__ = (
        Index("ix_orders_entity_created", "entity_id", "created_at"),
        # Validated orders carry their confirmation number and both tracks; others none.
        CheckConstraint(
            "(status = 'saved' AND validated_number IS NULL AND delivery_status IS NULL"
            " AND invoice_status IS NULL) OR (status = 'validated'"
            " AND validated_number IS NOT NULL AND delivery_status IS NOT NULL"
            " AND invoice_status IS NOT NULL) OR status = 'cancelled'",
            name="tracks_match_status",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # "2023-05-08-00398": the local date of saving and a running number.
    number: Mapped[str] = mapped_column(String(20), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    # The entity that receives the goods; billing stays with the orderer's entity.
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"))  # ix_orders_entity_created
    billing_entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"))
    shop: Mapped[ShopKind] = mapped_column(value_enum(ShopKind, 16))
    status: Mapped[OrderStatus] = mapped_column(
        value_enum(OrderStatus, 16), default=OrderStatus.SAVED, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Validation deadline, 7 calendar days after saving (in the shop's time zone).
    deadline: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # The reminder goes out 3 days before the deadline (local calendar), once.
    reminder_due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    validated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # "C0001": the order confirmation's number, gap-free, given at validation.
    validated_number: Mapped[str | None] = mapped_column(String(16), unique=True)
    delivery_status: Mapped[DeliveryStatus | None] = mapped_column(
        value_enum(DeliveryStatus, 16), index=True
    )
    invoice_status: Mapped[InvoiceStatus | None] = mapped_column(
        value_enum(InvoiceStatus, 16), index=True
    )
    # Set by the logistician when the goods leave: "En cours de livraison".
    tracking_carrier: Mapped[str | None] = mapped_column(String(64))
    tracking_number: Mapped[str | None] = mapped_column(String(64))
    tracking_url: Mapped[str | None] = mapped_column(String(500))
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(String(32))
    # The orderer's own reference for the order, given when validating (optional).
    customer_reference: Mapped[str] = mapped_column(String(64), default="")
    delivery_name: Mapped[str] = mapped_column(String(160))
    delivery_address: Mapped[str] = mapped_column(String(255))
    delivery_postcode: Mapped[str] = mapped_column(String(10))
    delivery_city: Mapped[str] = mapped_column(String(120))
    delivery_phone: Mapped[str] = mapped_column(String(32), default="")
    delivery_last_name: Mapped[str] = mapped_column(String(80), default="", server_default="")
    delivery_first_name: Mapped[str] = mapped_column(String(80), default="", server_default="")
    delivery_email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    # « Informations de facturation » as they were when the order was saved.
    billing_last_name: Mapped[str] = mapped_column(String(80), default="", server_default="")
    billing_first_name: Mapped[str] = mapped_column(String(80), default="", server_default="")
    billing_email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    billing_phone: Mapped[str] = mapped_column(String(32), default="", server_default="")
    billing_address: Mapped[str] = mapped_column(String(255), default="", server_default="")
    billing_postcode: Mapped[str] = mapped_column(String(10), default="", server_default="")
    billing_city: Mapped[str] = mapped_column(String(120), default="", server_default="")
    # « N° ANSH à renseigner », given when validating.
    ansh_number: Mapped[str] = mapped_column(String(32), default="", server_default="")
    shipping_carrier: Mapped[str] = mapped_column(String(64))
    shipping_excl_vat: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    shipping_vat: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    dispatch_date: Mapped[date] = mapped_column(Date)
    estimated_delivery: Mapped[date] = mapped_column(Date)

    account: Mapped[Account] = relationship()
    entity: Mapped[Entity] = relationship(foreign_keys=[entity_id])
    billing_entity: Mapped[Entity] = relationship(foreign_keys=[billing_entity_id])
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderLine.id"
    )
    # Read through shop.ordering.fulfilment.history; deleted by the database with the order.
    events: Mapped[list[OrderEvent]] = relationship(
        back_populates="order",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="OrderEvent.id",
        lazy="raise_on_sql",
    )

    def __repr__(self) -> str:
        return f"<Order {self.number} {self.status.value}>"

    @property
    def shipping(self) -> ShippingEstimate:
        return ShippingEstimate(
            carrier=self.shipping_carrier,
            fee_excl_vat=self.shipping_excl_vat,
            vat=self.shipping_vat,
            fee_incl_vat=self.shipping_excl_vat + self.shipping_vat,
            dispatch_date=self.dispatch_date,
            delivery_date=self.estimated_delivery,
            paid_by_head_office=self.shop is ShopKind.PRINTED,
        )

    @property
    def delivery_block(self) -> Block:
        return Block.read_from(self, "delivery_")

    @property
    def billing_block(self) -> Block:
        """The billing address kept at save (orders saved before it was kept: the entity's)."""
        if self.billing_address:
            return Block.read_from(self, "billing_")
        return self.billing_entity.billing_block()

    @property
    def expired(self) -> bool:
        """Cancelled by the expiry of its validation deadline."""
        return self.status is OrderStatus.CANCELLED and self.cancel_reason == CANCEL_EXPIRED

    def is_expired(self, now: datetime) -> bool:
        return self.status is OrderStatus.SAVED and self.deadline <= now

    def reservation_lapsed(self, now: datetime) -> bool:
        """Whether a saved order taken back into the basket holds nothing any more: its
        deadline passed (swept or not yet), or it was cancelled meanwhile."""
        return self.status is OrderStatus.CANCELLED or self.is_expired(now)

    @property
    def display_number(self) -> str:
        """The confirmation number once validated (C0001), the saving number before."""
        return self.validated_number or self.number

    @property
    def progress_label(self) -> str:
        """One status for "Mes commandes en cours" (Enregistrée, En cours de livraison…)."""
        if self.status is OrderStatus.VALIDATED and self.delivery_status is not None:
            if self.delivery_status is DeliveryStatus.SHIPPED:
                return str(_l("En cours de livraison"))
            return self.delivery_status.label
        return self.status.label


class OrderLine(db.Model):
    __tablename__ = "order_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint(
            "reserved_quantity >= 0 AND reserved_quantity <= quantity", name="reserved_range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    # Prices as they were when the order was saved.
    unit_price: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    vat_rate: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    # What this line holds of the product's stock now (0 once released).
    reserved_quantity: Mapped[int] = mapped_column(Integer, default=0)

    order: Mapped[Order] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship(lazy="joined", innerjoin=True)


class OrderEvent(db.Model):
    """One step of an order's history: which transition, who made it, when."""

    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The name of the transition in shop.ordering.workflow (e.g. "ship").
    transition: Mapped[str] = mapped_column(String(32))
    track: Mapped[str] = mapped_column(String(16))
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    # Who: an account, a warehouse API client, or neither (the shop itself, e.g. expiry).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    api_client_id: Mapped[int | None] = mapped_column(ForeignKey("api_clients.id"))
    actor_label: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(String(255), default="")

    order: Mapped[Order] = relationship(back_populates="events")
