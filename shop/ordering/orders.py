"""The order life cycle: save (reserve), modify, validate.

Each function works inside the caller's transaction and only flushes; the request's boundary
commits. A refused action raises :class:`OrderError` and the boundary's rollback undoes what
was flushed: nothing is ever half-saved. Saving is the exception that keeps what its refusal
did: :func:`save` returns a :class:`SaveOutcome`, the basket lowered to the monthly quotas or
detached from its expired order, and that is committed with the request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _nl
from sqlalchemy import delete, insert, or_, select
from sqlalchemy.orm import selectinload

from shop.addresses import Block, overseas_zone
from shop.catalog.availability import shortage_message
from shop.errors import DomainError
from shop.extensions import db
from shop.models import (
    Account,
    BasketLine,
    Entity,
    Order,
    OrderLine,
    OrderStatus,
    Product,
    ShopKind,
)
from shop.ordering import workflow
from shop.ordering.basket import (
    basket_delivery,
    basket_has_own_delivery,
    forget_delivery,
    lock_basket,
    recipient_entity,
    require_complete_delivery,
    require_shop,
)
from shop.ordering.numbers import next_order_number
from shop.ordering.pricing import Totals, compute_totals
from shop.ordering.reservations import add_reserved, lock_products, reclaim_expired
from shop.ordering.shipping import estimate_shipping
from shop.quota import QuotaResult, may_validate_another
from shop.quota.store import check_month, object_orders_this_year

VALIDATION_DAYS = 7
REMINDER_DAYS_BEFORE = 3


class OrderError(DomainError):
    """The action is refused; ``problems`` lists one message per product when there are many."""

    def __init__(self, message, problems: list | None = None, field: str | None = None):
        super().__init__(message, field=field)
        self.problems = problems or []


class OrderNotFound(OrderError):
    """Not the account's order, or no such order: the view answers 404."""


class OrderExpired(OrderError):
    pass


class QuotaExceeded(OrderError):
    """The monthly quota of the recipient entity is passed; ``result`` says by how much."""

    def __init__(self, message, result: QuotaResult):
        super().__init__(message)
        self.result = result


class RecipientDetached(OrderError):
    """The basket's "Entité du destinataire" is no longer attached to the account."""


# The basket changed (or its recipient did) since the quotas were last checked.
NOT_CHECKED = _l(
    "Les quotas mensuels de l'entité destinataire doivent être vérifiés pour ce panier : "
    "cliquez sur « Mettre à jour » avant d'enregistrer votre commande."
)
ALL_AT_ZERO = _l(
    "Toutes les quantités de votre panier sont à 0 : la limite mensuelle de l'entité "
    "destinataire est atteinte pour ces références. Choisissez d'autres références ou passez "
    "la commande le mois prochain."
)


@dataclass(frozen=True)
class DeliveryAddress:
    """The delivery block of « Valider votre commande »: the recipient's name and the
    guide's block (Nom, Prénom, Adresse email, Téléphone, Adresse, Code postal, Ville)."""

    name: str
    address: str
    postcode: str
    city: str
    phone: str
    last_name: str = ""
    first_name: str = ""
    email: str = ""

    @property
    def block(self) -> Block:
        return Block(
            last_name=self.last_name,
            first_name=self.first_name,
            email=self.email,
            phone=self.phone,
            address=self.address,
            postcode=self.postcode,
            city=self.city,
        )


def validation_deadline(saved_at: datetime, tz: ZoneInfo) -> datetime:
    """Seven calendar days later, wall-clock time in the shop's zone (DST included), in UTC."""
    local = saved_at.astimezone(tz)
    return (local + timedelta(days=VALIDATION_DAYS)).astimezone(UTC)


def reminder_time(deadline: datetime, tz: ZoneInfo) -> datetime:
    """Three calendar days before the deadline, wall-clock time in the shop's zone, in UTC."""
    local = deadline.astimezone(tz)
    return (local - timedelta(days=REMINDER_DAYS_BEFORE)).astimezone(UTC)


def _line_problem(product: Product, quantity: int, available: int, today) -> str | None:
    if not product.offered:
        return _l("« %(name)s » n'est plus proposé.", name=product.name)
    if not product.is_open(today):
        return _l(
            "« %(name)s » ne peut être commandé qu'à partir du %(date)s.",
            name=product.name,
            date=format_date(product.orderable_from, "dd/MM/yyyy"),
        )
    if not product.quantity_rule.allows(quantity):
        return _l("Quantité non valide pour « %(name)s ».", name=product.name)
    if quantity > available:
        return shortage_message(product.name, available)
    return None


def head_office_contact() -> str:
    """Whom the sections write to for more than the rules allow: the one place to change
    when the contacts move in the configuration."""
    return current_app.config["SHOP_HEAD_OFFICE_EMAIL"]


def object_orders_limit_error(limit: int, contact_email: str) -> OrderError:
    """The yearly limit of orders of objects is reached [004 §II.b]."""
    return OrderError(
        _nl(
            "Les commandes d'objets sur stock sont limitées à %(num)s par an et par entité. "
            "Pour toute demande complémentaire, contactez l'administrateur du siège : "
            "%(email)s.",
            "Les commandes d'objets sur stock sont limitées à %(num)s par an et par entité. "
            "Pour toute demande complémentaire, contactez l'administrateur du siège : "
            "%(email)s.",
            limit,
            email=contact_email,
        )
    )


def _require_object_order_room(
    entity: Entity, now: datetime, tz: ZoneInfo, exclude_order_id: int | None
) -> None:
    """An order of objects is saved only if it could be validated: the entity's validated
    orders this year and its saved ones still open leave room for one more."""
    limit = current_app.config["SHOP_OBJECT_ORDERS_PER_YEAR"]
    counted = object_orders_this_year(
        entity.id, now, tz, saved_too=True, exclude_order_id=exclude_order_id
    )
    if not may_validate_another(counted, limit):
        raise object_orders_limit_error(limit, head_office_contact())


def lock_own_order(account: Account, order_id: int) -> Order:
    order = db.session.scalar(
        select(Order)
        .where(Order.id == order_id, Order.account_id == account.id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    if order is None:
        raise OrderNotFound(_l("Commande introuvable."))
    return order


def require_open(order: Order, now: datetime) -> None:
    if order.status is OrderStatus.VALIDATED:
        raise OrderError(
            _l(
                "La commande %(number)s est validée : elle ne peut plus être modifiée.",
                number=order.number,
            )
        )
    if order.status is OrderStatus.CANCELLED and not order.expired:
        raise OrderError(_l("La commande %(number)s est annulée.", number=order.number))
    if order.expired or order.deadline <= now:
        raise OrderExpired(expired_message(order))


def expired_message(order: Order):
    return _l(
        "Le délai de validation de la commande %(number)s est dépassé : elle a été "
        "annulée et son stock remis en vente.",
        number=order.number,
    )


@dataclass(frozen=True)
class ShownBasket:
    """What the basket page the person saved from showed them: the recipient entity
    (``recipient_id``) and, when it said the modified order's reservation had ended, that
    order (``lapsed_order_id``). A save posted without them (an older page) knows nothing."""

    recipient_id: int | None = None
    lapsed_order_id: int | None = None


def save_basket(
    account: Account,
    now: datetime,
    tz: ZoneInfo,
    dispatch_weekday: int,
    shown: ShownBasket | None = None,
) -> Order:
    """ "Enregistrer votre commande": reserve every line and open the 7-day validation window.

    When the basket holds a saved order being modified, that order is updated instead: its
    reservation is adjusted by the difference, its number and deadline stay.

    What the page already told the person (``shown``) is done rather than refused again: a
    recipient detached meanwhile and shown as replaced by the account's own entity, or a
    modified order shown as lapsed, whose lines then make a new order. Only a change since
    that page was shown refuses the save.
    """
    shown = shown or ShownBasket()
    require_shop(account, None)
    basket = lock_basket(account)
    require_shop(account, basket.shop)
    recipient = _recipient_still_allowed(account, basket, shown)
    if recipient.id != account.entity_id and basket.quota_checked_entity_id != recipient.id:
        raise OrderError(NOT_CHECKED)
    # Lines lowered to 0 by the quota were kept for information only.
    wanted = {line.product_id: line.quantity for line in basket.lines if line.quantity > 0}
    if not wanted:
        raise OrderError(ALL_AT_ZERO if basket.lines else _l("Votre panier est vide."))
    shop = basket.shop

    order = None
    held: dict[int, int] = {}
    if basket.order_id is not None:
        order = lock_own_order(account, basket.order_id)
        if shown.lapsed_order_id == order.id and order.reservation_lapsed(now):
            basket.order_id = None  # as the page said: its lines make a new order
            order = None
        else:
            require_open(order, now)
            held = {line.product_id: line.reserved_quantity for line in order.lines}

    products = lock_products(wanted.keys() | held.keys())
    reclaim_expired(products.keys(), now)
    today = now.astimezone(tz).date()
    problems = []
    for product_id, quantity in wanted.items():
        product = products[product_id]
        available = product.stock_on_hand - product.reserved_quantity + held.get(product_id, 0)
        problem = _line_problem(product, quantity, available, today)
        if problem is not None:
            problems.append(problem)
    if problems:
        raise OrderError(_l("Votre commande n'a pas été enregistrée."), problems=problems)
    if shop is ShopKind.OBJECTS:
        _require_object_order_room(recipient, now, tz, order.id if order is not None else None)
    # The monthly quota, checked under the (entity, product, month) locks: never passed.
    quota = check_month(
        recipient.id,
        wanted,
        products,
        month_of=order.created_at if order is not None else now,
        now=now,
        tz=tz,
        exclude_order_id=order.id if order is not None else None,
        lock=True,
    )
    if quota.lowered:
        raise QuotaExceeded(_l("Votre commande n'a pas été enregistrée."), quota)

    # Where it goes: typed in the basket, else the recipient's usual address; a modified
    # order sent to the same entity keeps its own (see below).
    keep_address = order is not None and order.entity_id == recipient.id
    if basket_has_own_delivery(basket, recipient) or not keep_address:
        delivery = basket_delivery(account, basket, recipient)
    else:
        delivery = order.delivery_block
    require_complete_delivery(delivery, recipient)
    weight = sum(products[pid].weight_grams * quantity for pid, quantity in wanted.items())
    overseas = overseas_zone(delivery.postcode, recipient.overseas)
    shipping = estimate_shipping(shop, weight, overseas, today, dispatch_weekday)
    new = order is None
    if order is None:
        order = Order(
            number=next_order_number(now, tz),
            account=account,
            entity=recipient,
            billing_entity=account.entity,
            shop=shop,
            status=OrderStatus.SAVED,
            created_at=now,
            deadline=(deadline := validation_deadline(now, tz)),
            reminder_due_at=reminder_time(deadline, tz),
        )
        db.session.add(order)
    order.delivery_name = recipient.name
    delivery.copy_to(order, "delivery_")
    account.billing_block().copy_to(order, "billing_")
    order.shop = shop
    order.entity = recipient
    order.shipping_carrier = shipping.carrier
    order.shipping_excl_vat = shipping.fee_excl_vat
    order.shipping_vat = shipping.vat
    order.dispatch_date = shipping.dispatch_date
    order.estimated_delivery = shipping.delivery_date
    if held:
        db.session.execute(delete(OrderLine).where(OrderLine.order_id == order.id))
    db.session.flush()  # the order's id, for its lines
    if new:
        workflow.record(order, workflow.TRANSITIONS["save"], None, workflow.Actor.of(account), now)
    else:
        workflow.record_step(order, "modify", workflow.Actor.of(account), now)
    # One executemany whatever the number of lines (no per-row RETURNING round trips).
    db.session.execute(
        insert(OrderLine),
        [
            {
                "order_id": order.id,
                "product_id": pid,
                "quantity": quantity,
                "unit_price": products[pid].unit_price,
                "vat_rate": products[pid].vat_rate,
                "reserved_quantity": quantity,
            }
            for pid, quantity in wanted.items()
        ],
    )
    db.session.expire(order, ["lines"])
    add_reserved({pid: wanted.get(pid, 0) - held.get(pid, 0) for pid in products})
    basket.lines.clear()
    basket.order_id = None  # the next basket starts afresh, for the account's own entity
    basket.recipient_entity_id = None
    basket.quota_checked_entity_id = None
    forget_delivery(basket)
    db.session.flush()
    return order


def _recipient_still_allowed(account: Account, basket, shown: ShownBasket) -> Entity:
    """The basket's "Entité du destinataire"; refused when head office detached the chosen
    section from the account since (:func:`save` then falls back to the account's own),
    unless the page saved from already showed the account's own entity in its place."""
    recipient = recipient_entity(account, basket)
    chosen = basket.recipient_entity_id
    if chosen is not None and chosen != recipient.id and shown.recipient_id == recipient.id:
        _back_to_own_entity(basket)
    elif chosen is not None and chosen != recipient.id:
        detached = db.session.get(Entity, chosen)
        if detached is None or not detached.active:
            message = _l(
                "Votre commande n'a pas été enregistrée : l'entité « %(entity)s » n'est plus "
                "active. Votre panier est désormais pour votre entité, « %(own)s » : "
                "vérifiez-le puis enregistrez votre commande.",
                entity=detached.name if detached is not None else "?",
                own=account.entity.name,
            )
        else:
            message = _l(
                "Votre commande n'a pas été enregistrée : l'entité « %(entity)s » n'est plus "
                "rattachée à votre compte. Votre panier est désormais pour votre entité, "
                "« %(own)s » : vérifiez-le puis enregistrez votre commande.",
                entity=detached.name,
                own=account.entity.name,
            )
        raise RecipientDetached(message)
    return recipient


def _back_to_own_entity(basket) -> None:
    basket.recipient_entity_id = None
    basket.quota_checked_entity_id = None
    db.session.flush()


def update_recipient(
    account: Account, entity_id: int, now: datetime, tz: ZoneInfo
) -> tuple[Entity, QuotaResult]:
    """ "Mettre à jour": choose the recipient entity and fit the basket to its monthly quotas.

    Lines over the quota are lowered to the most still possible this month (0 kept for
    information). The basket remembers it was checked for this entity: saving is allowed.
    """
    basket = lock_basket(account)
    entity = next((e for e in account.orderable_entities() if e.id == entity_id), None)
    if entity is None:
        raise OrderNotFound(_l("Vous ne pouvez pas commander pour cette entité."))
    # Lines at 0 count too: pressed again after « all over quota », the answer stays so.
    wanted = {line.product_id: line.quantity for line in basket.lines}
    products = {line.product_id: line.product for line in basket.lines}
    month_of = now
    if basket.order_id is not None and basket.order is not None:
        month_of = basket.order.created_at
    result = check_month(
        entity.id,
        wanted,
        products,
        month_of=month_of,
        now=now,
        tz=tz,
        exclude_order_id=basket.order_id,
    )
    _fit_to_quota(account, basket, entity, result)
    return entity, result


def _fit_to_quota(account: Account, basket, entity: Entity, result: QuotaResult) -> None:
    """Send the basket to ``entity`` with its lines lowered to what the quota allows; the
    basket remembers it was checked for this entity."""
    if entity.id != recipient_entity(account, basket).id:
        forget_delivery(basket)  # the chosen entity's address comes, still editable
    basket.recipient_entity_id = None if entity.id == account.entity_id else entity.id
    for line in basket.lines:
        line.quantity = result.quantities.get(line.product_id, 0)
    basket.quota_checked_entity_id = entity.id
    db.session.flush()


def quota_changes(result: QuotaResult) -> list[tuple[str, int, int]]:
    """(product name, asked, now) of each line the quota lowered, for the message."""
    changes = result.changes()
    names = dict(
        db.session.execute(
            select(Product.id, Product.name).where(Product.id.in_([pid for pid, *_ in changes]))
        ).all()
    )
    return [(names[pid], asked, now) for pid, asked, now in changes]


@dataclass(frozen=True)
class SaveOutcome:
    """What "Enregistrer votre commande" did.

    Either ``order``, saved; or ``refusal``, the message saying why not, with what was done
    to the basket so the next try can succeed: lowered to the recipient's monthly quotas
    (``quota``, their verdict, about ``entity``), detached from the order that expired
    meanwhile (``expired``), or back to the account's own entity when the chosen one was
    detached from the account.
    """

    order: Order | None = None
    refusal: OrderError | None = None
    quota: QuotaResult | None = None
    entity: Entity | None = None  # whose quotas ``quota`` is about

    @property
    def expired(self) -> bool:
        return isinstance(self.refusal, OrderExpired)


def save(
    account: Account,
    now: datetime,
    tz: ZoneInfo,
    dispatch_weekday: int,
    shown: ShownBasket | None = None,
) -> SaveOutcome:
    """ "Enregistrer votre commande", all of it in the caller's one transaction.

    :func:`save_basket`, and when the monthly quota, the modified order's deadline or a
    recipient no longer attached refuses it, what the user must find in the basket
    afterwards: its quantities fitted to the quota, the lines kept for a new order, or the
    account's own entity as recipient. Nothing was written for the order itself (the refusal
    comes before), so the caller commits the outcome whichever it is. Any other refusal is
    raised.
    """
    try:
        return SaveOutcome(order=save_basket(account, now, tz, dispatch_weekday, shown))
    except QuotaExceeded as error:
        basket = lock_basket(account)
        recipient = recipient_entity(account, basket)
        _fit_to_quota(account, basket, recipient, error.result)
        return SaveOutcome(refusal=error, quota=error.result, entity=recipient)
    except RecipientDetached as error:
        _back_to_own_entity(lock_basket(account))
        return SaveOutcome(refusal=error)
    except OrderExpired as error:
        detach_basket(account)
        return SaveOutcome(refusal=error)


def start_modification(account: Account, order_id: int, now: datetime) -> Order:
    """ "Modifier votre commande": put the order's lines back in the basket.

    The order keeps its reservation and its deadline until the basket is saved again. The
    basket is locked before the order, as saving and validating do: no lock cycle.
    """
    basket = lock_basket(account)
    order = lock_own_order(account, order_id)
    require_open(order, now)
    if basket.lines and basket.order_id != order.id:
        raise OrderError(
            _l(
                "Votre panier contient d'autres produits : enregistrez-les ou videz votre "
                "panier avant de modifier cette commande."
            )
        )
    basket.lines.clear()
    db.session.flush()  # the old lines go before the new ones come: one line per product
    basket.lines = [
        BasketLine(product=line.product, quantity=line.quantity) for line in order.lines
    ]
    basket.order_id = order.id
    # The order's recipient comes back with it, already checked.
    basket.recipient_entity_id = None if order.entity_id == account.entity_id else order.entity_id
    basket.quota_checked_entity_id = order.entity_id
    forget_delivery(basket)
    if not order.entity.overseas:  # its delivery address comes back with it, editable
        order.delivery_block.copy_to(basket, "delivery_")
    db.session.flush()
    return order


def detach_basket(account: Account) -> None:
    """Forget the order a basket was modifying (after it expired); the lines stay."""
    basket = lock_basket(account)
    basket.order_id = None
    db.session.flush()


def find_own_order(account: Account, order_id: int) -> Order:
    order = db.session.scalar(
        select(Order).where(Order.id == order_id, Order.account_id == account.id)
    )
    if order is None:
        raise OrderNotFound(_l("Commande introuvable."))
    return order


# How long a cancelled order that was never validated stays listed in « Mon compte ».
RECENTLY_CANCELLED = timedelta(days=30)


@dataclass(frozen=True)
class AccountOrders:
    """« Mon compte »'s lists: saved orders awaiting validation, validated ones (C0001…,
    cancelled by head office included), and the recent cancellations of unvalidated ones."""

    in_progress: list[Order]
    validated: list[Order]
    cancelled: list[Order]

    @property
    def all(self) -> list[Order]:
        return self.in_progress + self.validated + self.cancelled


def account_orders(account: Account, now: datetime) -> AccountOrders:
    """The account's orders for « Mon compte », newest first, with their lines; unvalidated
    orders cancelled more than :data:`RECENTLY_CANCELLED` ago are left out."""
    orders = db.session.scalars(
        select(Order)
        .where(
            Order.account_id == account.id,
            or_(
                Order.status != OrderStatus.CANCELLED,
                Order.validated_number.is_not(None),
                Order.cancelled_at >= now - RECENTLY_CANCELLED,
            ),
        )
        .order_by(Order.created_at.desc(), Order.id.desc())
        .options(selectinload(Order.lines))
    ).all()
    validated = [o for o in orders if o.validated_number is not None]
    validated.sort(key=lambda o: (o.validated_at, o.id), reverse=True)
    return AccountOrders(
        in_progress=[o for o in orders if o.status is OrderStatus.SAVED],
        validated=validated,
        cancelled=[
            o for o in orders if o.status is OrderStatus.CANCELLED and o.validated_number is None
        ],
    )


def order_totals(order: Order) -> Totals:
    return compute_totals(order.lines, order.shipping)


def days_left(order: Order, now: datetime) -> int:
    """Whole days before the deadline, rounded up (0 once it has passed)."""
    remaining = order.deadline - now
    if remaining <= timedelta(0):
        return 0
    return remaining.days + (1 if remaining % timedelta(days=1) else 0)
