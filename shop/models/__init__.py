"""The models, one module per aggregate; importing this package registers them all."""

from shop.models.accounts import ACCOUNT_TYPE_LABELS, Account, AccountType, account_entities
from shop.models.api import ApiClient
from shop.models.audit import AuditEntry, StockMovement
from shop.models.baskets import Basket, BasketLine
from shop.models.catalog import Category, Product, ShopKind
from shop.models.entities import Entity
from shop.models.orders import (
    ORDER_STATUS_LABELS,
    Counter,
    DeliveryStatus,
    InvoiceStatus,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
)
from shop.models.outbox import OutboxMessage, OutboxStatus
from shop.models.quotas import Allocation, EntityQuota, QuotaLock

__all__ = [
    "ACCOUNT_TYPE_LABELS",
    "Allocation",
    "ApiClient",
    "DeliveryStatus",
    "InvoiceStatus",
    "OrderEvent",
    "EntityQuota",
    "QuotaLock",
    "Account",
    "AccountType",
    "AuditEntry",
    "StockMovement",
    "Basket",
    "BasketLine",
    "Category",
    "Counter",
    "ORDER_STATUS_LABELS",
    "Order",
    "OrderLine",
    "OrderStatus",
    "Entity",
    "OutboxMessage",
    "OutboxStatus",
    "Product",
    "ShopKind",
    "account_entities",
]
