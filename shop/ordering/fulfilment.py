"""After validation: pooling, shipping, delivery, invoicing and cancellation.

Each function locks the orders it moves (``FOR NO KEY UPDATE``, in id order), re-reads them
inside the lock and lets :mod:`shop.ordering.workflow` decide whether the move is allowed:
two logisticians shipping the same order at once queue on its row, and the second one is
told it has already left. Shipping turns the order's reservation into a stock movement: the
units leave the stock on hand and stop being reserved, in one step.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.orm import joinedload, selectinload

from shop.accounts import audit
from shop.documents.csvfiles import CsvFileError, decode, sniff_delimiter
from shop.errors import DomainError
from shop.extensions import db
from shop.models import (
    Account,
    DeliveryStatus,
    InvoiceStatus,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    ShopKind,
    StockMovement,
)
from shop.models.orders import CANCEL_HEAD_OFFICE
from shop.notifications import queue_email
from shop.notifications.links import external_url
from shop.ordering import workflow
from shop.ordering.carriers import canonical_carrier, clean_tracking_number, tracking_link
from shop.ordering.reservations import lock_products, release_orders
from shop.ordering.workflow import Actor
from shop.templating import decimal

TO_PREPARE = (DeliveryStatus.PREPARING, DeliveryStatus.POOLED)
MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_LINES = 5_000


class FulfilmentError(DomainError):
    pass


class OrderMissing(FulfilmentError):
    """No such order (or not one this actor may see): views answer 404."""


def lock_orders(order_ids: Iterable[int], shop: ShopKind | None = None) -> list[Order]:
    """Lock validated orders' rows in id order and read them afresh."""
    ids = sorted(set(order_ids))
    query = (
        select(Order)
        .where(Order.id.in_(ids), Order.validated_number.is_not(None))
        .order_by(Order.id)
        .with_for_update(of=Order, key_share=True)
        .execution_options(populate_existing=True)
    )
    if shop is not None:
        query = query.where(Order.shop == shop)
    found = db.session.scalars(query).all()
    if len(found) != len(ids):
        raise OrderMissing(_l("Commande introuvable."))
    return list(found)


def find_order_id(number: str, shop: ShopKind | None = None) -> int | None:
    """A validated order by its confirmation number (C0001) or its saving number."""
    return find_order_ids([number], shop).get(number.strip().upper())


def find_order_ids(numbers: Iterable[str], shop: ShopKind | None = None) -> dict[str, int]:
    """Validated orders by confirmation or saving number, in one query: {NUMBER: id}."""
    wanted = {n.strip().upper() for n in numbers} - {""}
    if not wanted:
        return {}
    query = select(Order.id, Order.validated_number, Order.number).where(
        Order.validated_number.is_not(None),
        or_(Order.validated_number.in_(wanted), Order.number.in_(wanted)),
    )
    if shop is not None:
        query = query.where(Order.shop == shop)
    found = {}
    for order_id, validated_number, number in db.session.execute(query):
        found[validated_number] = found[number] = order_id
    return found


def pool(order_ids: Iterable[int], actor: Actor, now: datetime) -> list[Order]:
    """ "En cours de mutualisation": set aside for the weekly dispatch."""
    orders = lock_orders(order_ids)
    for order in orders:
        workflow.apply(order, "pool", actor, now)
    return orders


@dataclass(frozen=True)
class Shipment:
    carrier: str
    tracking_number: str
    tracking_url: str


def shipment(carrier: str, tracking_number: str, tracking_url: str = "") -> Shipment:
    """Check what the logistician typed: a known carrier and a plausible tracking number."""
    known = canonical_carrier(carrier or "")
    if known is None:
        raise FulfilmentError(
            _l("Transporteur inconnu : « %(carrier)s ».", carrier=(carrier or "").strip()[:64]),
            field="carrier",
        )
    number = clean_tracking_number(tracking_number)
    if number is None:
        raise FulfilmentError(
            _l(
                "Numéro de suivi non valide : 6 à 40 lettres, chiffres ou tirets.",
            ),
            field="tracking_number",
        )
    url = (tracking_url or "").strip()
    # Control characters (a NUL above all, which PostgreSQL refuses in text) are no URL's.
    if url and (
        not url.startswith("https://")
        or len(url) > 500
        or any(c.isspace() or not c.isprintable() for c in url)
    ):
        raise FulfilmentError(
            _l("Le lien de suivi doit être une adresse https:// valide."), field="tracking_url"
        )
    return Shipment(known, number, url or tracking_link(known, number))


def ship(
    order_id: int,
    details: Shipment,
    actor: Actor,
    now: datetime,
    shop: ShopKind | None = None,
) -> Order:
    """ "Expédiée": the goods left with a carrier; stock on hand goes down, the orderer is
    told by e-mail with the tracking link."""
    [order] = lock_orders([order_id], shop)
    workflow.apply(order, "ship", actor, now, note=f"{details.carrier} {details.tracking_number}")
    order.tracking_carrier = details.carrier
    order.tracking_number = details.tracking_number
    order.tracking_url = details.tracking_url
    order.shipped_at = now
    _consume_reservation(order, actor, now)
    queue_email(
        recipient=order.account.email,
        kind="order-shipped",
        template="order_shipped",
        locale=order.account.locale,
        order=order,
        link=external_url("orders.show", order_id=order.id),
    )
    db.session.flush()
    return order


def _consume_reservation(order: Order, actor: Actor, now: datetime) -> None:
    """The reserved units leave the warehouse: on hand and reserved both go down."""
    lines = db.session.scalars(
        select(OrderLine)
        .where(OrderLine.order_id == order.id)
        .order_by(OrderLine.id)
        .execution_options(populate_existing=True)
    ).all()
    products = lock_products(line.product_id for line in lines)
    reason = str(_l("Expédition de la commande %(number)s", number=order.validated_number))
    for line in lines:
        product = products[line.product_id]
        product.reserved_quantity -= line.reserved_quantity
        # What leaves must not touch what other orders still hold (should this order's
        # reservation be short, the rest comes out of the free stock, if there is any).
        if product.stock_on_hand - line.quantity < product.reserved_quantity:
            raise FulfilmentError(
                _l(
                    "Stock insuffisant pour « %(name)s » : %(stock)s en stock, %(quantity)s à "
                    "expédier.",
                    name=product.name,
                    stock=decimal(product.stock_on_hand),
                    quantity=decimal(line.quantity),
                )
            )
        product.stock_on_hand -= line.quantity
        line.reserved_quantity = 0
        db.session.add(
            StockMovement(
                product_id=product.id,
                delta=-line.quantity,
                stock_after=product.stock_on_hand,
                reason=reason[:255],
                actor_id=actor.account_id,
                at=now,
            )
        )


def deliver(order_id: int, actor: Actor, now: datetime, shop: ShopKind | None = None) -> Order:
    """ "Livrée"."""
    [order] = lock_orders([order_id], shop)
    workflow.apply(order, "deliver", actor, now)
    order.delivered_at = now
    db.session.flush()
    return order


def move_invoice(order_id: int, name: str, actor: Actor, now: datetime) -> Order:
    """Head office's invoicing track: ``invoice`` (sent, awaiting payment) or ``pay``."""
    if workflow.TRANSITIONS[name].track is not workflow.Track.INVOICE:
        raise ValueError(name)
    [order] = lock_orders([order_id])
    workflow.apply(order, name, actor, now)
    return order


def cancel(order_id: int, actor: Actor, now: datetime, reason: str) -> Order:
    """Head office cancels a validated order before it ships: its stock goes back on sale.
    Besides the order's history, the audit log keeps who cancelled it and why."""
    reason = reason.strip()
    if not reason:
        raise FulfilmentError(_l("Indiquez le motif de l'annulation."), field="reason")
    [order] = lock_orders([order_id])
    before = {"order_status": order.status, "reason": None}
    workflow.apply(order, "cancel", actor, now, note=reason)
    release_orders([order.id])
    order.cancelled_at = now
    order.cancel_reason = CANCEL_HEAD_OFFICE
    audit.record(
        db.session.get(Account, actor.account_id) if actor.account_id else None,
        "order.cancel",
        order,
        before,
        {"order_status": order.status, "reason": reason},
        label=order.validated_number or order.number,
    )
    queue_email(
        recipient=order.account.email,
        kind="order-cancelled",
        template="order_cancelled",
        locale=order.account.locale,
        order=order,
        reason=reason,
    )
    db.session.flush()
    return order


def history(order: Order) -> list[OrderEvent]:
    """The order's steps, oldest first, with who made each."""
    return list(
        db.session.scalars(
            select(OrderEvent).where(OrderEvent.order_id == order.id).order_by(OrderEvent.id)
        )
    )


# --- the lists of validated orders ---------------------------------------------------------

# How each list sorts: the logistics list shows the latest first; the API pages by id (its
# cursor); the orders to prepare come in the order they are due to leave.
NEWEST_FIRST = (Order.validated_at.desc(), Order.id.desc())
BY_ID = (Order.id,)
BY_DISPATCH = (Order.dispatch_date, Order.validated_at, Order.id)


def validated_orders(
    *,
    shop: ShopKind | None = None,
    delivery: Collection[DeliveryStatus] = (),
    invoice: Collection[InvoiceStatus] = (),
    cancelled: bool = False,
    number: str = "",
    order_ids: Collection[int] | None = None,
    after_id: int | None = None,
    sort: Sequence[ColumnElement] = NEWEST_FIRST,
) -> Select[tuple[Order]]:
    """Every validated order (cancelled ones too), narrowed by the filters given, with what
    the lists show of them loaded: lines and their products, account, entity.

    A delivery or invoicing status only matches orders still valid (a cancelled order keeps
    the statuses it had); ``cancelled`` keeps only the cancelled ones. ``number`` is part of
    a confirmation or saving number; ``after_id`` starts a page after that id. The caller
    paginates or limits the statement.
    """
    query = (
        select(Order)
        .where(Order.validated_number.is_not(None))
        .options(
            selectinload(Order.lines),
            joinedload(Order.account),
            joinedload(Order.entity),
        )
        .order_by(*sort)
    )
    if shop is not None:
        query = query.where(Order.shop == shop)
    if delivery:
        query = query.where(
            Order.status == OrderStatus.VALIDATED, Order.delivery_status.in_(list(delivery))
        )
    if invoice:
        query = query.where(
            Order.status == OrderStatus.VALIDATED, Order.invoice_status.in_(list(invoice))
        )
    if cancelled:
        query = query.where(Order.status == OrderStatus.CANCELLED)
    number = number.strip().upper()
    if number:
        query = query.where(
            or_(
                Order.validated_number.contains(number, autoescape=True),
                Order.number.contains(number, autoescape=True),
            )
        )
    if order_ids is not None:
        query = query.where(Order.id.in_(list(order_ids)))
    if after_id is not None:
        query = query.where(Order.id > after_id)
    return query


def validated_order(order_id: int) -> Order | None:
    """One validated order, as its page shows it; None if there is no such order."""
    return db.session.scalar(validated_orders(order_ids=[order_id]))


def orders_to_prepare(
    shop: ShopKind | None = None, order_ids: Collection[int] | None = None
) -> list[Order]:
    """Validated orders waiting for a dispatch, first to leave first (only these, if given)."""
    query = validated_orders(shop=shop, delivery=TO_PREPARE, order_ids=order_ids, sort=BY_DISPATCH)
    return list(db.session.scalars(query))


def address_key(order: Order) -> tuple[str, ...]:
    """Orders for the same place travel together."""
    return tuple(
        " ".join(part.split()).casefold()
        for part in (
            order.delivery_name,
            order.delivery_address,
            order.delivery_postcode,
            order.delivery_city,
        )
    )


def group_by_address(orders: list[Order]) -> list[list[Order]]:
    groups: dict[tuple[str, ...], list[Order]] = {}
    for order in orders:
        groups.setdefault(address_key(order), []).append(order)
    return sorted(groups.values(), key=lambda g: (g[0].delivery_postcode, g[0].delivery_name))


# --- shipments in bulk, from the carrier's CSV --------------------------------------------

COLUMNS = {
    "commande": "order",
    "transporteur": "carrier",
    "numero_suivi": "tracking_number",
    "numéro_suivi": "tracking_number",
    "numero de suivi": "tracking_number",
    "numéro de suivi": "tracking_number",
    "lien_suivi": "tracking_url",
    "lien de suivi": "tracking_url",
}


@dataclass
class ImportLine:
    line: int
    order_number: str
    message: str = ""
    ok: bool = False


@dataclass
class ShipmentImport:
    lines: list[ImportLine] = field(default_factory=list)

    @property
    def errors(self) -> list[ImportLine]:
        return [line for line in self.lines if line.message and not line.ok]

    @property
    def shipped(self) -> int:
        return sum(1 for line in self.lines if line.ok)


class ShipmentFileError(CsvFileError):
    """The file as a whole cannot be read: nothing is shipped (said beside the file field)."""

    def __init__(self, message):
        super().__init__(message, field="file")


def import_shipments(data: bytes, actor: Actor, now: datetime) -> ShipmentImport:
    """Ship every order listed in the file, or none: one line per order with its carrier and
    tracking number. Each bad line is reported with its line number and the reason; when
    there is one (``report.errors``), nothing of the file is kept."""
    rows = _read_shipment_rows(data)
    report = ShipmentImport()
    wanted: dict[int, tuple[ImportLine, Shipment]] = {}
    ids = find_order_ids(row.get("order", "") for _line, row in rows)
    for line_number, row in rows:
        number = row.get("order", "").strip()
        entry = ImportLine(line_number, number)
        report.lines.append(entry)
        order_id = ids.get(number.upper())
        if order_id is None:
            entry.message = str(_l("Commande « %(number)s » introuvable.", number=number[:20]))
            continue
        if order_id in wanted:
            entry.message = str(
                _l(
                    "Commande déjà présente à la ligne %(line)s.",
                    line=wanted[order_id][0].line,
                )
            )
            continue
        try:
            details = shipment(
                row.get("carrier", ""), row.get("tracking_number", ""), row.get("tracking_url", "")
            )
        except FulfilmentError as error:
            entry.message = str(error)
            continue
        wanted[order_id] = (entry, details)
    if report.errors:
        return report
    # Lock them all in id order first: a concurrent shipper cannot interleave.
    lock_orders(wanted.keys())
    # Each order is tried on its own (to report every refusal), all of them in one
    # savepoint that is given up if any was refused: stock, history and e-mails alike.
    every_order = db.session.begin_nested()
    for order_id, (entry, details) in sorted(wanted.items()):
        try:
            with db.session.begin_nested():
                order = ship(order_id, details, actor, now)
        except DomainError as error:
            entry.message = str(error)
            continue
        entry.ok = True
        entry.message = str(
            _l(
                "Expédiée : %(carrier)s %(number)s",
                carrier=order.tracking_carrier,
                number=order.tracking_number,
            )
        )
    if report.errors:
        every_order.rollback()
    else:
        every_order.commit()
    return report


def _read_shipment_rows(data: bytes) -> list[tuple[int, dict[str, str]]]:
    if len(data) > MAX_IMPORT_BYTES:
        raise ShipmentFileError(_l("Le fichier dépasse 2 Mo."))
    try:
        text = decode(data)
    except CsvFileError as error:
        raise ShipmentFileError(error.message) from error
    if not text.strip():
        raise ShipmentFileError(_l("Le fichier est vide."))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    try:
        header, *body = list(reader)
    except csv.Error as error:
        raise ShipmentFileError(_l("Le fichier n'a pas pu être lu comme un CSV.")) from error
    names = [COLUMNS.get(h.strip().casefold()) for h in header]
    missing = {"order", "carrier", "tracking_number"} - set(names)
    if missing:
        raise ShipmentFileError(
            _l(
                "Colonnes attendues : commande, transporteur, numero_suivi (et, si besoin, "
                "lien_suivi)."
            )
        )
    if len(body) > MAX_IMPORT_LINES:
        raise ShipmentFileError(_l("Le fichier dépasse %(max)s lignes.", max=MAX_IMPORT_LINES))
    rows = []
    for index, values in enumerate(body, start=2):
        if not any(v.strip() for v in values):
            continue
        rows.append((index, {n: v for n, v in zip(names, values, strict=False) if n}))
    if not rows:
        raise ShipmentFileError(_l("Le fichier ne contient aucune expédition."))
    return rows
