"""The basket: add, change quantity, remove; one shop at a time; quantities checked here.

Every change locks the account's basket row first (``FOR UPDATE`` on PostgreSQL; SQLite
transactions are ``BEGIN IMMEDIATE``), so two tabs adding at once cannot mix the shops.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from shop.accounts import audit
from shop.addresses import Block, clean_block, overseas_zone
from shop.catalog.availability import available_quantities, shortage_message
from shop.catalog.quantities import QuantityOffer
from shop.clock import shop_timezone, utcnow
from shop.errors import DomainError
from shop.extensions import db
from shop.models import Account, Basket, BasketLine, Entity, Order, Product, ShopKind
from shop.ordering.pricing import Totals, compute_totals
from shop.ordering.shipping import estimate_shipping
from shop.quota.store import quota_lines
from shop.templating import decimal

OTHER_SHOP_MESSAGES = {
    ShopKind.OBJECTS: _l(
        "Votre panier contient des objets. Les commandes d'objets et d'imprimés sont "
        "indépendantes : terminez votre commande d'objets ou supprimez-la avant d'ajouter "
        "des imprimés."
    ),
    ShopKind.PRINTED: _l(
        "Votre panier contient des imprimés. Les commandes d'objets et d'imprimés sont "
        "indépendantes : terminez votre commande d'imprimés ou supprimez-la avant d'ajouter "
        "des objets."
    ),
}


class BasketError(DomainError):
    pass


class UnknownProduct(BasketError):
    """The product does not exist, is withdrawn, or is not in the basket: the view says 404."""


def find_basket(account: Account) -> Basket | None:
    return db.session.scalar(select(Basket).where(Basket.account_id == account.id))


def order_being_modified(account: Account) -> int | None:
    """The id of the saved order the account's basket is modifying, if any: its held units
    are available to the account (see shop.catalog.availability)."""
    return db.session.scalar(select(Basket.order_id).where(Basket.account_id == account.id))


def lock_basket(account: Account) -> Basket:
    """The account's basket, created if needed, locked for the rest of the transaction."""
    query = (
        select(Basket)
        .where(Basket.account_id == account.id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    basket = db.session.scalar(query)
    if basket is not None:
        return basket
    try:
        with db.session.begin_nested():
            db.session.add(Basket(account_id=account.id))
    except IntegrityError:
        pass  # created by a concurrent request: lock the one that won
    return db.session.scalars(query).one()


def _orderable_product(product_id: int) -> Product:
    product = db.session.get(Product, product_id)
    if product is None or not product.offered:
        raise UnknownProduct(_l("Ce produit n'existe pas ou n'est plus proposé."))
    return product


LISTED_QUANTITY = _l("Quantité non valide : choisissez une quantité dans la liste.")


def unreadable_quantity(product_id: int | None, now: datetime) -> BasketError:
    """The refusal of a quantity that is not a number, worded after what the product's page
    offers: a drop-down (« choisissez … dans la liste ») or a number field (« saisissez »)."""
    product = db.session.get(Product, product_id) if product_id is not None else None
    if product is not None:
        available = available_quantities([product.id], now)[product.id]
        offer = product.quantity_rule.offer(available)
        if offer.choices is None:
            return BasketError(
                _l(
                    "Quantité non valide : saisissez une quantité entre %(min)s et %(max)s, "
                    "par multiples de %(step)s.",
                    min=decimal(offer.minimum),
                    max=decimal(offer.maximum),
                    step=decimal(offer.step),
                ),
                field="quantity",
            )
    return BasketError(LISTED_QUANTITY, field="quantity")


def _check_quantity(
    product: Product, quantity: int, today: date, now: datetime, own_order_id: int | None
) -> None:
    if not product.is_open(today):
        raise BasketError(
            _l(
                "Ce produit ne peut être commandé qu'à partir du %(date)s.",
                date=format_date(product.orderable_from, "dd/MM/yyyy"),
            )
        )
    rule = product.quantity_rule
    if not rule.allows(quantity):
        raise BasketError(
            _l(
                "Quantité non valide pour « %(name)s » : choisissez une quantité entre "
                "%(min)s et %(max)s, par multiples de %(step)s.",
                name=product.name,
                min=decimal(rule.minimum),
                max=decimal(rule.maximum),
                step=decimal(rule.step),
            ),
            field="quantity",
        )
    available = available_quantities([product.id], now, own_order_id)[product.id]
    if quantity > available:
        raise BasketError(shortage_message(product.name, available), field="quantity")


NOT_AN_ORDERER = _l("Votre type de compte ne permet pas de passer commande.")
NO_OBJECTS = _l(
    "Votre type de compte ne permet pas de commander des objets : seuls les imprimés vous "
    "sont proposés."
)


def require_shop(account: Account, shop: ShopKind | None) -> None:
    """The account may order from this shop (head office orders printed material only)."""
    if not account.may_order:
        raise BasketError(NOT_AN_ORDERER)
    if shop is not None and not account.may_order_from(shop):
        raise BasketError(NO_OBJECTS)


def withdrawn_message(product: Product):
    return _l("« %(name)s » n'est plus proposé : retirez-le de votre panier.", name=product.name)


def add_to_basket(
    account: Account,
    product_id: int,
    quantity: int,
    today: date,
    now: datetime | None = None,
) -> BasketLine:
    """Put ``quantity`` of a product in the basket (replacing the quantity if already there),
    if that much is available at ``now`` (default: the clock's)."""
    require_shop(account, None)
    product = _orderable_product(product_id)
    require_shop(account, product.shop)
    basket = lock_basket(account)
    if basket.shop is not None and basket.shop is not product.shop:
        raise BasketError(OTHER_SHOP_MESSAGES[basket.shop])
    _check_quantity(product, quantity, today, now or utcnow(), basket.order_id)
    line = basket.line_for(product.id)
    if line is None:
        line = BasketLine(product=product, quantity=quantity)
        basket.lines.append(line)
    else:
        line.quantity = quantity
    basket.quota_checked_entity_id = None  # the lines changed: check the quotas again
    db.session.flush()
    return line


def set_quantity(
    account: Account,
    product_id: int,
    quantity: int,
    today: date,
    now: datetime | None = None,
) -> BasketLine:
    """ "Actualiser la quantité", if that much is available at ``now`` (default: the clock's)."""
    require_shop(account, None)
    basket = lock_basket(account)
    line = basket.line_for(product_id)
    if line is None:
        raise UnknownProduct(_l("Ce produit n'est pas dans votre panier."))
    if not line.product.offered:  # withdrawn since it was added: it can only be removed
        raise BasketError(withdrawn_message(line.product))
    _check_quantity(line.product, quantity, today, now or utcnow(), basket.order_id)
    line.quantity = quantity
    basket.quota_checked_entity_id = None
    db.session.flush()
    return line


def remove_line(account: Account, product_id: int) -> None:
    """ "Supprimer"."""
    basket = lock_basket(account)
    line = basket.line_for(product_id)
    if line is None:
        raise UnknownProduct(_l("Ce produit n'est pas dans votre panier."))
    basket.lines.remove(line)
    basket.quota_checked_entity_id = None
    db.session.flush()


def empty_basket(account: Account) -> None:
    """Empty the basket; a saved order being modified keeps its lines and reservation.

    The next basket starts afresh, for the account's own entity (as after a save): a
    recipient kept from this one would block it until « Mettre à jour »."""
    basket = lock_basket(account)
    basket.lines.clear()
    basket.order_id = None
    basket.recipient_entity_id = None
    basket.quota_checked_entity_id = None
    forget_delivery(basket)
    db.session.flush()


@dataclass(frozen=True)
class BasketView:
    basket: Basket | None
    totals: Totals
    delivery_entity: Entity
    account: Account
    # What each line's product has available for this basket (its order's own units count).
    available: dict[int, int] = field(default_factory=dict)
    # Once « Mettre à jour » checked the lines for the recipient: what its monthly quota
    # still leaves of each product (None: no quota). Empty before that check.
    quota_left: dict[int, int | None] = field(default_factory=dict)

    def offer(self, line) -> QuantityOffer:
        """The quantities the (priced) line may be changed to: what is available, and no
        more than the recipient's monthly quota leaves once it has been checked."""
        ceiling = self.available.get(line.product.id, 0)
        left = self.quota_left.get(line.product.id)
        if left is not None:
            ceiling = min(ceiling, left)
        return line.product.quantity_rule.offer(ceiling)

    def shortage(self, line):
        """The message flagging a (priced) line above what is available, or None."""
        available = self.available.get(line.product.id, 0)
        if line.quantity > available:
            return shortage_message(line.product.name, available)
        return None

    @property
    def own_entity(self) -> bool:
        return self.delivery_entity.id == self.account.entity_id

    @property
    def needs_update(self) -> bool:
        """Another entity is chosen and "Mettre à jour" has not checked these lines for it."""
        return not self.own_entity and (
            self.basket is None or self.basket.quota_checked_entity_id != self.delivery_entity.id
        )

    @property
    def nothing_to_save(self) -> bool:
        return all(line.quantity == 0 for line in self.totals.lines)

    @property
    def delivery(self) -> tuple[str, str, str]:
        block = self.delivery_block
        return block.address, block.postcode, block.city

    @property
    def delivery_block(self) -> Block:
        """« Adresse de livraison » of this basket: typed here, or the recipient's usual."""
        return basket_delivery(self.account, self.basket, self.delivery_entity)

    @property
    def delivery_incomplete(self) -> bool:
        """No address, postcode or city to deliver to (an entity never given one, such as
        head office's on a fresh install): saving is refused until there is."""
        return not delivery_complete(self.delivery_block)

    @property
    def delivery_typed_here(self) -> bool:
        return basket_has_own_delivery(self.basket, self.delivery_entity)

    @property
    def billing_block(self) -> Block:
        return self.account.billing_block()

    @property
    def modifying(self) -> Order | None:
        """The saved order this basket is modifying, if any."""
        return self.basket.order if self.basket is not None else None

    @property
    def empty(self) -> bool:
        return not self.totals.lines

    @property
    def detached_entity(self) -> Entity | None:
        """The recipient chosen for this basket, no longer one the account may order for."""
        chosen = self.basket.recipient_entity_id if self.basket is not None else None
        if chosen is None or chosen == self.delivery_entity.id:
            return None
        return db.session.get(Entity, chosen)


OVERSEAS_ADDRESS_FIXED = _l(
    "Les sections d'outre-mer ne peuvent pas modifier leur adresse de livraison "
    "(surtaxes douanières)."
)


def require_address_changeable(entity: Entity, field: str | None = None) -> None:
    """Overseas sections are delivered at their entity's address, nowhere else: a change
    would incur customs surcharges."""
    if entity.overseas:
        raise BasketError(OVERSEAS_ADDRESS_FIXED, field=field)


def update_delivery_address(account: Account, block: Block) -> None:
    """« Adresse de livraison » of Mon compte, « Enregistrer les modifications »: where the
    account's own orders go, and to whose attention. Orders already saved keep theirs."""
    require_address_changeable(account.entity)
    block = clean_block(block, "delivery_")
    fields = Block.names("delivery_")
    before = audit.snapshot(account, fields)
    block.copy_to(account, "delivery_")
    audit.record(account, "account.update", account, before, audit.snapshot(account, fields))
    db.session.flush()


def delivery_address(account: Account, recipient: Entity) -> tuple[str, str, str]:
    """Where goods for this recipient go: the account's own delivery address when the
    recipient is its home entity, else the recipient entity's."""
    block = usual_delivery(account, recipient)
    return block.address, block.postcode, block.city


def usual_delivery(account: Account, recipient: Entity) -> Block:
    """The recipient's usual delivery block: the account's own (Mon compte) for its home
    entity, else the chosen entity's address and phone (the person is to be typed)."""
    if recipient.id == account.entity_id:
        return account.delivery_block()
    return Block(
        email=recipient.email,
        phone=recipient.phone,
        address=recipient.delivery_address,
        postcode=recipient.delivery_postcode,
        city=recipient.delivery_city,
    )


def basket_has_own_delivery(basket: Basket | None, recipient: Entity) -> bool:
    return basket is not None and bool(basket.delivery_address) and not recipient.overseas


def basket_delivery(account: Account, basket: Basket | None, recipient: Entity) -> Block:
    """Where this basket's order will go: the address typed in the basket for this order
    (never for an overseas section), else the recipient's usual one."""
    if basket_has_own_delivery(basket, recipient):
        return Block.read_from(basket, "delivery_")
    return usual_delivery(account, recipient)


def delivery_complete(block: Block) -> bool:
    """Whether goods can be sent there: an address, a postcode and a city."""
    return all(value.strip() for value in (block.address, block.postcode, block.city))


DELIVERY_INCOMPLETE = _l(
    "Votre commande n'a pas été enregistrée : l'adresse de livraison est incomplète "
    "(adresse, code postal et ville). Renseignez-la dans « Adresse de livraison » de votre "
    "panier, ou dans « Mon compte » pour toutes les commandes de votre entité."
)


def require_complete_delivery(block: Block, recipient: Entity) -> None:
    """An order is saved only with somewhere to deliver it (validation would refuse it)."""
    if delivery_complete(block):
        return
    if recipient.overseas:  # its entity's address, which only head office changes
        raise BasketError(
            _l(
                "Votre commande n'a pas été enregistrée : l'adresse de livraison de l'entité "
                "« %(entity)s » est incomplète. Demandez au siège de la compléter.",
                entity=recipient.name,
            )
        )
    raise BasketError(DELIVERY_INCOMPLETE)


def forget_delivery(basket: Basket) -> None:
    Block().copy_to(basket, "delivery_")


def set_basket_delivery(account: Account, block: Block) -> Block:
    """« Adresse de livraison » edited in the basket: for this order only, the account's
    address (Mon compte) does not change [004 §III.b]. Refused for an overseas recipient."""
    require_shop(account, None)
    basket = lock_basket(account)
    recipient = recipient_entity(account, basket)
    require_address_changeable(recipient, field="delivery_address")
    block = clean_block(block, "delivery_")
    block.copy_to(basket, "delivery_")
    db.session.flush()
    return block


def recipient_entity(account: Account, basket: Basket) -> Entity:
    """The basket's "Entité du destinataire": the account's own entity unless another of its
    attached sections is chosen (a section detached meanwhile falls back to its own)."""
    if basket.recipient_entity_id is not None:
        for entity in account.orderable_entities():
            if entity.id == basket.recipient_entity_id:
                return entity
    return account.entity


def view_basket(
    account: Account, today: date, dispatch_weekday: int, now: datetime | None = None
) -> BasketView:
    """The basket priced, with its shipping estimate to the recipient entity and what is
    available of each product at ``now`` (default: the clock's)."""
    basket = find_basket(account)
    items = list(basket.lines) if basket else []
    recipient = recipient_entity(account, basket) if basket is not None else account.entity
    shipping = None
    if items:
        weight = sum(line.product.weight_grams * line.quantity for line in items)
        postcode = basket_delivery(account, basket, recipient).postcode
        overseas = overseas_zone(postcode, recipient.overseas)
        shipping = estimate_shipping(basket.shop, weight, overseas, today, dispatch_weekday)
    now = now or utcnow()
    available = available_quantities(
        [line.product_id for line in items], now, basket.order_id if basket else None
    )
    quota_left = {}
    if items and basket.quota_checked_entity_id == recipient.id:
        quota_left = _quota_left(basket, recipient, items, now)
    return BasketView(
        basket, compute_totals(items, shipping), recipient, account, available, quota_left
    )


def _quota_left(basket: Basket, recipient: Entity, items, now: datetime) -> dict[int, int | None]:
    """What the recipient's monthly quotas leave of each line's product (the order being
    modified not counted, its month the order's): two statements whatever the lines."""
    month_of = basket.order.created_at if basket.order is not None else now
    lines = quota_lines(
        recipient.id,
        {line.product_id: line.quantity for line in items},
        {line.product_id: line.product for line in items},
        month_of=month_of,
        now=now,
        tz=shop_timezone(),
        exclude_order_id=basket.order_id,
    )
    return {line.product_id: line.remaining for line in lines}
