"""The order state machine on plain objects: every transition, allowed and refused, by role
and by state. The expected table is written out here, independently of the declaration."""

import itertools

import pytest

from shop.models import DeliveryStatus, InvoiceStatus, Order, OrderStatus
from shop.ordering import workflow
from shop.ordering.workflow import Actor, TransitionForbidden, TransitionRefused

ROLES = [
    "section_director",
    "regional_assistant",
    "prevention_referent",
    "head_office_admin",
    "logistician",
    "api",
    "system",
]
# Head office orders too (printed material, for itself or any entity) [004 §I].
ORDERERS = {"section_director", "regional_assistant", "prevention_referent", "head_office_admin"}

# transition -> roles that may make it
WHO = {
    "save": ORDERERS,
    "validate": ORDERERS,
    "expire": {"system"},
    "cancel": {"head_office_admin"},
    "pool": {"logistician", "head_office_admin"},
    "ship": {"logistician", "head_office_admin", "api"},
    "deliver": {"logistician", "head_office_admin", "api"},
    "invoice": {"head_office_admin"},
    "pay": {"head_office_admin"},
}

S, V, C = OrderStatus.SAVED, OrderStatus.VALIDATED, OrderStatus.CANCELLED
PREP, POOL, SHIP, DONE = (
    DeliveryStatus.PREPARING,
    DeliveryStatus.POOLED,
    DeliveryStatus.SHIPPED,
    DeliveryStatus.DELIVERED,
)
TO_INVOICE, TO_PAY, PAID = (
    InvoiceStatus.AWAITING_INVOICE,
    InvoiceStatus.AWAITING_PAYMENT,
    InvoiceStatus.PAID,
)

# Every combination of states an order can be in.
STATES = [(None, None, None), (S, None, None), (C, None, None)] + [
    (status, delivery, invoice)
    for status in (V, C)
    for delivery in (PREP, POOL, SHIP, DONE)
    for invoice in (TO_INVOICE, TO_PAY, PAID)
]


def expected_from(name, status, delivery, invoice) -> bool:
    """Where each transition may start, and what it leads to."""
    return {
        "save": status is None,
        "validate": status is S,
        "expire": status is S,
        "cancel": status is V and delivery in (PREP, POOL) and invoice is TO_INVOICE,
        "pool": status is V and delivery is PREP,
        "ship": status is V and delivery in (PREP, POOL),
        "deliver": status is V and delivery is SHIP,
        "invoice": status is V and invoice is TO_INVOICE,
        "pay": status is V and invoice is TO_PAY,
    }[name]


TARGET = {
    "save": S,
    "validate": V,
    "expire": C,
    "cancel": C,
    "pool": POOL,
    "ship": SHIP,
    "deliver": DONE,
    "invoice": TO_PAY,
    "pay": PAID,
}


def order(status, delivery, invoice) -> Order:
    return Order(
        number="2027-03-01-00001",
        validated_number="C0001" if delivery else None,
        status=status,
        delivery_status=delivery,
        invoice_status=invoice,
    )


def test_the_declared_transitions_are_exactly_the_expected_ones():
    assert set(workflow.TRANSITIONS) == set(WHO)


@pytest.mark.parametrize(("name", "role"), list(itertools.product(WHO, ROLES)))
def test_who_may_make_each_transition(name, role):
    actor = Actor(role, "Quelqu'un")
    assert workflow.may(actor, name) == (role in WHO[name])
    if role not in WHO[name]:
        # Refused whatever the state, with a message naming the action.
        for states in STATES:
            with pytest.raises(TransitionForbidden, match="ne permet pas"):
                workflow.check(order(*states), name, actor)


@pytest.mark.parametrize("name", list(WHO))
def test_from_which_states_each_transition_applies(name):
    actor = Actor(next(iter(WHO[name])), "Quelqu'un")
    for states in STATES:
        subject = order(*states)
        if expected_from(name, *states):
            workflow.check(subject, name, actor)
            assert workflow.applies(subject, name)
        else:
            with pytest.raises(TransitionRefused, match="impossible de l"):
                workflow.check(subject, name, actor)
            assert not workflow.applies(subject, name)


@pytest.mark.parametrize("name", [n for n in WHO if n != "save"])
def test_each_transition_reaches_its_state(name):
    transition = workflow.TRANSITIONS[name]
    assert transition.target is TARGET[name]


def test_the_refusal_names_the_order_and_its_state():
    shipped = order(V, SHIP, TO_INVOICE)
    with pytest.raises(TransitionRefused) as refused:
        workflow.check(shipped, "ship", Actor("logistician", "L"))
    assert "C0001" in str(refused.value) and "Expédiée" in str(refused.value)


def test_available_lists_only_what_the_role_may_do_now():
    fresh = order(V, PREP, TO_INVOICE)
    assert workflow.available(fresh, Actor("logistician")) == ["pool", "ship"]
    assert workflow.available(fresh, Actor("head_office_admin")) == [
        "cancel",
        "pool",
        "ship",
        "invoice",
    ]
    assert workflow.available(fresh, Actor("section_director")) == []
    shipped = order(V, SHIP, TO_PAY)
    assert workflow.available(shipped, Actor("api")) == ["deliver"]
    assert workflow.available(shipped, Actor("head_office_admin")) == ["deliver", "pay"]


def test_the_refusals_elide_before_a_vowel():
    """« impossible de l'annuler », « ne permet pas d'annuler », never « de la annuler »."""
    delivered = order(V, DONE, TO_INVOICE)
    with pytest.raises(TransitionRefused) as refused:
        workflow.check(delivered, "cancel", Actor("head_office_admin", "Quelqu'un"))
    assert "impossible de l'annuler." in str(refused.value)
    with pytest.raises(TransitionForbidden) as forbidden:
        workflow.check(delivered, "cancel", Actor("logistician", "Quelqu'un"))
    assert "ne permet pas d'annuler une commande." in str(forbidden.value)
    with pytest.raises(TransitionRefused) as marked:
        workflow.check(delivered, "ship", Actor("head_office_admin", "Quelqu'un"))
    assert "impossible de la marquer « Expédiée »" in str(marked.value)
