"""The order state machine, declared in one place: every transition and who may make it.

An order moves on three tracks:

- the order itself: Enregistrée (saved) → validated, or Annulée (cancelled);
- delivery, once validated: En cours de préparation → En cours de mutualisation →
  Expédiée (En cours de livraison) → Livrée;
- invoicing, once validated: En attente de facturation → En attente de paiement → Payée.

A transition names the states it needs on each track and the one state it sets. Who may
make it is a set of roles: account types, ``api`` (a warehouse system) and ``system`` (the
shop itself, e.g. the expiry sweeper). :func:`apply` checks both, moves the order and records
the step in its history; callers lock the order row first, so two people making the same
move at once see each other's result and exactly one of them succeeds.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l

from shop.errors import DomainError
from shop.extensions import db
from shop.french import elided
from shop.models import (
    Account,
    AccountType,
    ApiClient,
    DeliveryStatus,
    InvoiceStatus,
    Order,
    OrderEvent,
    OrderStatus,
)
from shop.models.accounts import ORDERING_TYPES


class Track(enum.Enum):
    ORDER = "order"
    DELIVERY = "delivery"
    INVOICE = "invoice"


TRACK_FIELDS = {
    Track.ORDER: "status",
    Track.DELIVERY: "delivery_status",
    Track.INVOICE: "invoice_status",
}

API = "api"
SYSTEM = "system"
ORDERERS = frozenset(t.value for t in ORDERING_TYPES)
ADMIN = AccountType.HEAD_OFFICE_ADMIN.value
LOGISTICIAN = AccountType.LOGISTICIAN.value


@dataclass(frozen=True)
class Actor:
    """Who makes a transition: a role, and the account or API client behind it."""

    role: str
    label: str = ""
    account_id: int | None = None
    api_client_id: int | None = None

    @classmethod
    def of(cls, account: Account) -> Actor:
        return cls(account.account_type.value, account.full_name, account_id=account.id)

    @classmethod
    def api(cls, client: ApiClient) -> Actor:
        return cls(API, client.name, api_client_id=client.id)

    @classmethod
    def system(cls) -> Actor:
        return cls(SYSTEM, "")


@dataclass(frozen=True)
class Transition:
    name: str
    track: Track
    # The states the order must be in, per track, for the transition to apply.
    requires: tuple[tuple[Track, frozenset], ...]
    target: enum.Enum
    roles: frozenset[str]
    # What the transition does, for buttons and messages ("marquer comme expédiée").
    verb: object


def _t(name, track, requires, target, roles, verb) -> Transition:
    return Transition(
        name,
        track,
        tuple((k, frozenset(v)) for k, v in requires.items()),
        target,
        frozenset(roles),
        verb,
    )


_VALIDATED = {Track.ORDER: [OrderStatus.VALIDATED]}

TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        _t(
            "save",
            Track.ORDER,
            {Track.ORDER: [None]},
            OrderStatus.SAVED,
            ORDERERS,
            _l("enregistrer"),
        ),
        _t(
            "validate",
            Track.ORDER,
            {Track.ORDER: [OrderStatus.SAVED]},
            OrderStatus.VALIDATED,
            ORDERERS,
            _l("valider"),
        ),
        _t(
            "expire",
            Track.ORDER,
            {Track.ORDER: [OrderStatus.SAVED]},
            OrderStatus.CANCELLED,
            {SYSTEM},
            _l("annuler à l'échéance"),
        ),
        _t(
            "cancel",
            Track.ORDER,
            {
                **_VALIDATED,
                Track.DELIVERY: [DeliveryStatus.PREPARING, DeliveryStatus.POOLED],
                Track.INVOICE: [InvoiceStatus.AWAITING_INVOICE],
            },
            OrderStatus.CANCELLED,
            {ADMIN},
            _l("annuler"),
        ),
        _t(
            "pool",
            Track.DELIVERY,
            {**_VALIDATED, Track.DELIVERY: [DeliveryStatus.PREPARING]},
            DeliveryStatus.POOLED,
            {LOGISTICIAN, ADMIN},
            _l("marquer « En cours de mutualisation »"),
        ),
        _t(
            "ship",
            Track.DELIVERY,
            {**_VALIDATED, Track.DELIVERY: [DeliveryStatus.PREPARING, DeliveryStatus.POOLED]},
            DeliveryStatus.SHIPPED,
            {LOGISTICIAN, ADMIN, API},
            _l("marquer « Expédiée »"),
        ),
        _t(
            "deliver",
            Track.DELIVERY,
            {**_VALIDATED, Track.DELIVERY: [DeliveryStatus.SHIPPED]},
            DeliveryStatus.DELIVERED,
            {LOGISTICIAN, ADMIN, API},
            _l("marquer « Livrée »"),
        ),
        _t(
            "invoice",
            Track.INVOICE,
            {**_VALIDATED, Track.INVOICE: [InvoiceStatus.AWAITING_INVOICE]},
            InvoiceStatus.AWAITING_PAYMENT,
            {ADMIN},
            _l("marquer « En attente de paiement »"),
        ),
        _t(
            "pay",
            Track.INVOICE,
            {**_VALIDATED, Track.INVOICE: [InvoiceStatus.AWAITING_PAYMENT]},
            InvoiceStatus.PAID,
            {ADMIN},
            _l("marquer « Payée »"),
        ),
    ]
}


class TransitionError(DomainError):
    """A transition the order's state or the actor's role does not allow."""


class TransitionForbidden(TransitionError):
    pass


class TransitionRefused(TransitionError):
    pass


def state(order: Order, track: Track) -> enum.Enum | None:
    return getattr(order, TRACK_FIELDS[track])


def state_label(value: enum.Enum | None) -> str:
    return "—" if value is None else value.label


def may(actor: Actor, name: str) -> bool:
    """Whether the actor's role may ever make this transition."""
    return actor.role in TRANSITIONS[name].roles


def applies(order: Order, name: str) -> bool:
    """Whether the order's state allows the transition now."""
    return all(state(order, track) in states for track, states in TRANSITIONS[name].requires)


def available(order: Order, actor: Actor, names: Iterable[str] | None = None) -> list[str]:
    """The transitions this actor may make on this order now, in declaration order."""
    names = TRANSITIONS if names is None else names
    return [name for name in names if may(actor, name) and applies(order, name)]


def check(order: Order, name: str, actor: Actor) -> Transition:
    transition = TRANSITIONS[name]
    if not may(actor, name):
        raise TransitionForbidden(
            elided(_l("Votre compte ne permet pas de %(verb)s une commande.", verb=transition.verb))
        )
    for track, states in transition.requires:
        current = state(order, track)
        if current not in states:
            raise TransitionRefused(
                elided(
                    _l(
                        "La commande %(number)s est « %(state)s » : impossible de la %(verb)s.",
                        number=order.display_number,
                        state=state_label(current),
                        verb=transition.verb,
                    )
                )
            )
    return transition


def apply(order: Order, name: str, actor: Actor, now: datetime, note: str = "") -> OrderEvent:
    """Move the (locked) order along one transition and record it in its history."""
    transition = check(order, name, actor)
    before = state(order, transition.track)
    setattr(order, TRACK_FIELDS[transition.track], transition.target)
    event = record(order, transition, before, actor, now, note)
    db.session.flush()
    return event


def record(
    order: Order,
    transition: Transition,
    before: enum.Enum | None,
    actor: Actor,
    now: datetime,
    note: str = "",
) -> OrderEvent:
    event = OrderEvent(
        order_id=order.id,
        at=now,
        transition=transition.name,
        track=transition.track.value,
        from_state=None if before is None else before.value,
        to_state=transition.target.value,
        actor_id=actor.account_id,
        api_client_id=actor.api_client_id,
        actor_label=actor.label[:200],
        note=note[:255],
    )
    db.session.add(event)
    return event


# Steps of an order's history that change no state: recorded beside the transitions so the
# owner reads the whole story (the reminder the sweeper sent, a saved order modified).
STEPS: dict[str, tuple[Track, enum.Enum, object]] = {
    "remind": (Track.ORDER, OrderStatus.SAVED, _l("Rappel envoyé par email")),
    "modify": (Track.ORDER, OrderStatus.SAVED, _l("Commande modifiée")),
}


def record_step(order: Order, name: str, actor: Actor, now: datetime) -> OrderEvent:
    """Note a step that changes no state (see :data:`STEPS`) in the order's history."""
    track, current, _label = STEPS[name]
    event = OrderEvent(
        order_id=order.id,
        at=now,
        transition=name,
        track=track.value,
        from_state=current.value,
        to_state=current.value,
        actor_id=actor.account_id,
        api_client_id=actor.api_client_id,
        actor_label=actor.label[:200],
        note="",
    )
    db.session.add(event)
    return event


def event_rows(order_ids: Iterable[int], name: str, before: enum.Enum, now: datetime) -> list:
    """History rows for a bulk move made by the shop itself (the sweeper): a transition, or a
    step of :data:`STEPS` (the reminder)."""
    if name in STEPS:
        track, target, _label = STEPS[name]
    else:
        track, target = TRANSITIONS[name].track, TRANSITIONS[name].target
    return [
        {
            "order_id": order_id,
            "at": now,
            "transition": name,
            "track": track.value,
            "from_state": before.value,
            "to_state": target.value,
            "actor_id": None,
            "api_client_id": None,
            "actor_label": "",
            "note": "",
        }
        for order_id in order_ids
    ]


STATE_LABELS = {
    **{s.value: s for s in OrderStatus},
    **{s.value: s for s in DeliveryStatus},
    **{s.value: s for s in InvoiceStatus},
}


# Where the state reached does not say why: an order is « Annulée » by the deadline or by
# head office, and these read differently to its owner.
EVENT_LABELS = {
    "expire": _l("Annulée : délai de validation dépassé"),
    "cancel": _l("Annulée par le siège"),
    **{name: label for name, (_track, _state, label) in STEPS.items()},
}


def event_label(event: OrderEvent) -> str:
    """What a history line says happened: the step, or the state the order reached."""
    if event.transition in EVENT_LABELS:
        return str(EVENT_LABELS[event.transition])
    target = STATE_LABELS.get(event.to_state)
    return target.label if target is not None else event.to_state
