"""Reservation life cycle: the day-4 reminder, the day-7 expiry, exactly once."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from shop.clock import shop_timezone, utcnow
from shop.extensions import db
from shop.jobs import sweep
from shop.models import Account, Order, OrderLine, OrderStatus, OutboxMessage, Product
from shop.ordering import orders
from shop.ordering.lifecycle import expire_due_orders, send_due_reminders
from shop.ordering.orders import reminder_time

PARIS = ZoneInfo("Europe/Paris")
START = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)  # a Monday, 10:00 in Paris


@pytest.fixture
def save_order(app, fill, save):
    """``save_order(account_id, product_id, quantity)``: a saved order; returns its id."""

    def save(account_id: int, product_id: int, quantity: int) -> int:
        fill(account_id, [(product_id, quantity)])
        with app.app_context():
            order = orders.save_basket(
                db.session.get(Account, account_id), utcnow(), shop_timezone(), 1
            )
            db.session.commit()
            return order.id

    return save


def at(days: float, minutes: int = 0):
    return time_machine.travel(START + timedelta(days=days, minutes=minutes), tick=False)


def state(app, order_id):
    with app.app_context():
        order = db.session.get(Order, order_id)
        product = db.session.get(Product, order.lines[0].product_id)
        mails = db.session.query(OutboxMessage.kind).all()
        return (
            order.status,
            order.cancel_reason,
            product.reserved_quantity,
            sorted(k for (k,) in mails),
        )


def test_reminder_on_day_four_expiry_after_day_seven_each_once(
    app, demo, create_product, make_orderers, save_order
):
    product = create_product(stock=50)
    [account] = make_orderers(1)
    with at(0):
        order_id = save_order(account, product, 20)
    with at(3, 23 * 60):  # day 3 (almost 4): nothing yet
        assert sweep(app).reminders == 0
    with at(4):  # day 4: exactly one reminder, even if the sweeper runs twice
        assert sweep(app).reminders == 1
        assert sweep(app).reminders == 0
    assert state(app, order_id) == (OrderStatus.SAVED, None, 20, ["order-reminder"])
    with at(6, 24 * 60 - 1):  # a minute before the deadline: still reserved
        assert sweep(app).expired == 0
    with at(7, 1):  # day 7 + 1 minute: expired once, stock back, expiry mail once
        report = sweep(app)
        assert (report.expired, report.released_units) == (1, 20)
        second = sweep(app)
        assert (second.reminders, second.expired, second.released_units) == (0, 0, 0)
    assert state(app, order_id) == (
        OrderStatus.CANCELLED,
        "expired",
        0,
        ["order-expired", "order-reminder"],
    )
    with app.app_context():
        expired_mail = db.session.query(OutboxMessage).filter_by(kind="order-expired").one()
        assert expired_mail.status.value == "sent"
        assert "a été annulée" in expired_mail.subject
        reminder = db.session.query(OutboxMessage).filter_by(kind="order-reminder").one()
        assert f"/commande/{order_id}" in reminder.body_text


def test_validated_before_day_four_gets_no_reminder_and_never_expires(
    app, demo, create_product, make_orderers, save_order, validate
):
    product = create_product(stock=50)
    [account] = make_orderers(1)
    with at(0):
        order_id = save_order(account, product, 5)
    with at(2), app.app_context():
        validate(db.session.get(Account, account), order_id)
        db.session.commit()
    with at(4):
        assert sweep(app).reminders == 0
    with at(30):
        assert sweep(app).expired == 0
    # Its confirmation only, queued by the validation itself: no reminder, no expiry notice.
    assert state(app, order_id) == (OrderStatus.VALIDATED, None, 5, ["order-validated"])


def test_reminder_time_follows_the_paris_calendar_across_daylight_saving():
    # Saved Monday 23 March 2026 at 10:00 Paris time; clocks go forward on 29 March.
    saved = datetime(2026, 3, 23, 9, 0, tzinfo=UTC)
    deadline = orders.validation_deadline(saved, PARIS)
    assert deadline.astimezone(PARIS).hour == 10
    reminder = reminder_time(deadline, PARIS)
    assert reminder.astimezone(PARIS) == datetime(2026, 3, 27, 10, 0, tzinfo=PARIS)


def test_validation_after_the_deadline_loses_to_the_expiry(
    app, demo, create_product, make_orderers, race, save_order, validate
):
    product = create_product(stock=10)
    [account] = make_orderers(1)
    with at(0):
        order_id = save_order(account, product, 10)

    def validator():
        return validate(db.session.get(Account, account), order_id).status

    def sweeper():
        return expire_due_orders(utcnow())

    with at(7, 1):
        results = race([validator, sweeper])
    refused, expired = results
    assert isinstance(refused, orders.OrderExpired), results
    assert "délai de validation" in str(refused)
    # On PostgreSQL the sweeper skips a row the validator holds locked (SKIP LOCKED); the
    # next run picks it up. Either way the order is expired exactly once.
    with at(7, 2), app.app_context():
        again = expire_due_orders(utcnow())
    assert {expired, again} == {(1, 10), (0, 0)}
    assert state(app, order_id)[:3] == (OrderStatus.CANCELLED, "expired", 0)


def test_a_validation_that_wins_the_race_is_never_expired(
    app, demo, create_product, make_orderers, save_order, validate
):
    product = create_product(stock=10)
    [account] = make_orderers(1)
    with at(0):
        order_id = save_order(account, product, 10)
    with at(6, 23 * 60 + 59), app.app_context():
        validate(db.session.get(Account, account), order_id)
        db.session.commit()
    with at(7, 1):
        assert sweep(app).expired == 0
    assert state(app, order_id)[:3] == (OrderStatus.VALIDATED, None, 10)


def test_three_sweepers_at_once_do_each_thing_exactly_once(
    app, demo, create_product, fill, make_orderers, race
):
    products = [create_product(stock=10_000) for _ in range(3)]
    accounts = make_orderers(60)
    with at(0):
        for n, account in enumerate(accounts):
            for _ in range(5):  # 300 orders, two lines each
                fill(account, [(products[n % 3], 2), (products[(n + 1) % 3], 3)])
                with app.app_context():
                    orders.save_basket(
                        db.session.get(Account, account), utcnow(), shop_timezone(), 1
                    )
                    db.session.commit()
    with app.app_context():
        due = db.session.query(Order).count()
        reserved_before = sum(p.reserved_quantity for p in db.session.query(Product))
    assert due == 300 and reserved_before == 300 * 5

    with at(4):
        reminders = race([lambda: send_due_reminders(utcnow(), batch=20)] * 3)
    assert sum(reminders) == due, reminders
    with at(8):
        expiries = race([lambda: expire_due_orders(utcnow(), batch=20)] * 3)
    assert all(isinstance(r, tuple) for r in expiries), expiries
    assert sum(e for e, _ in expiries) == due
    assert sum(u for _, u in expiries) == reserved_before
    with app.app_context():
        assert db.session.query(OutboxMessage).filter_by(kind="order-reminder").count() == due
        assert db.session.query(OutboxMessage).filter_by(kind="order-expired").count() == due
        assert all(p.reserved_quantity == 0 for p in db.session.query(Product))
        assert db.session.query(OrderLine).filter(OrderLine.reserved_quantity > 0).count() == 0


def test_a_crashed_batch_leaves_nothing_half_expired(
    app, demo, create_product, monkeypatch, make_orderers, save_order
):
    import shop.ordering.lifecycle as lifecycle

    product = create_product(stock=10)
    [account] = make_orderers(1)
    with at(0):
        order_id = save_order(account, product, 10)

    def crash(*args, **kwargs):
        raise RuntimeError("killed mid-run")

    monkeypatch.setattr(lifecycle, "queue_emails", crash)
    with at(8), app.app_context():
        try:
            expire_due_orders(utcnow())
        except RuntimeError:
            db.session.rollback()
    assert state(app, order_id) == (OrderStatus.SAVED, None, 10, [])
    monkeypatch.undo()
    with at(8):
        assert sweep(app).expired == 1
    assert state(app, order_id) == (OrderStatus.CANCELLED, "expired", 0, ["order-expired"])


def test_sweeper_threads_and_savers_together_keep_counters_exact(
    app, demo, create_product, fill, make_orderers, race, save_order
):
    """Savers reclaim expired reservations while sweepers release them: never twice."""
    product = create_product(stock=40)
    accounts = make_orderers(8)
    with at(0):
        for account in accounts[:4]:
            save_order(account, product, 10)  # all the stock
    with at(8):
        for account in accounts[4:]:
            fill(account, [(product, 10)])

        def saver(account_id):
            return lambda: (
                orders.save_basket(
                    db.session.get(Account, account_id), utcnow(), shop_timezone(), 1
                ).number
            )

        results = race(
            [saver(a) for a in accounts[4:]] + [lambda: expire_due_orders(utcnow(), batch=1)] * 2,
        )
    assert all(not isinstance(r, Exception) for r in results), results
    with app.app_context():
        held = sum(line.reserved_quantity for line in db.session.query(OrderLine))
        assert db.session.get(Product, product).reserved_quantity == held == 40
        statuses = [o.status for o in db.session.query(Order).order_by(Order.id)]
    assert statuses == [OrderStatus.CANCELLED] * 4 + [OrderStatus.SAVED] * 4


def test_sweep_runs_in_a_thread_like_the_scheduler(app, demo, run_threads):
    [report] = run_threads([lambda: sweep(app)], timeout=30)
    assert report.expired == 0


def test_admin_sees_pending_orders_and_retries_failed_mail(
    app, login_as, create_product, make_orderers, save_order
):
    from shop.models import OutboxStatus

    product = create_product(stock=10)
    [account] = make_orderers(1)
    order_id = save_order(account, product, 3)
    admin = login_as("siege-admin")
    page = admin.get("/admin/commandes-en-attente").get_data(as_text=True)
    with app.app_context():
        number = db.session.get(Order, order_id).number
    assert number in page and "prévu le" in page

    with app.app_context():
        failed = OutboxMessage(
            recipient="x@example.org",
            subject="Sujet",
            body_text="corps",
            kind="test",
            status=OutboxStatus.FAILED,
            attempts=8,
            last_error="SMTPRecipientsRefused",
        )
        db.session.add(failed)
        db.session.commit()
        failed_id = failed.id
    page = admin.get("/admin/emails?statut=echecs").get_data(as_text=True)
    assert "SMTPRecipientsRefused" in page and "En échec (1)" in page
    admin.post(f"/admin/emails/{failed_id}/renvoyer", {"statut": "echecs"})
    with app.app_context():
        message = db.session.get(OutboxMessage, failed_id)
        assert message.status is OutboxStatus.SENT  # the folder transport accepted it
    assert admin.post("/admin/emails/999999/renvoyer").status_code == 404


def test_a_validation_whose_reservation_was_reclaimed_is_refused(
    app, demo, create_product, make_orderers, save_order, validate
):
    """A saver whose clock had passed the deadline reclaimed the order's units; a validation
    whose own clock read a second earlier must not make the order final without them."""
    product = create_product(stock=10)
    owner, other = make_orderers(2)
    with at(0):
        order_id = save_order(owner, product, 5)
    with at(7, 1):
        save_order(other, product, 10)  # reclaims the 5 units, takes all 10
    with at(6, 24 * 60 - 1), app.app_context():
        with pytest.raises(orders.OrderExpired, match="délai de validation"):
            validate(db.session.get(Account, owner), order_id)
        db.session.rollback()
    assert state(app, order_id)[0] is OrderStatus.SAVED  # the sweeper will expire it
    with app.app_context():
        assert db.session.get(Product, product).reserved_quantity == 10
