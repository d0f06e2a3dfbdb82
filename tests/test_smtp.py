"""A real SMTP server on loopback (aiosmtpd): mail arrives, and nothing is lost while it is down."""

import socket
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
import time_machine
from aiosmtpd.controller import Controller

from shop.clock import utcnow
from shop.extensions import db
from shop.models import OutboxMessage, OutboxStatus
from shop.notifications import queue_email, relay_outbox


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's API)
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp(app, monkeypatch):
    """The app sends through SMTP to 127.0.0.1:<port>; the server is started by the test."""
    port = free_port()
    state = app.extensions["mail"]
    monkeypatch.setitem(app.config, "SHOP_MAIL_TRANSPORT", "smtp")
    monkeypatch.setattr(state, "server", "127.0.0.1")
    monkeypatch.setattr(state, "port", port)
    monkeypatch.setattr(state, "suppress", False)
    inbox = Inbox()
    controllers = []

    class Server:
        messages = inbox.messages

        def start(self):
            controller = Controller(inbox, hostname="127.0.0.1", port=port)
            controller.start()
            controllers.append(controller)

        def stop(self):
            controllers.pop().stop()

    yield Server()
    for controller in controllers:
        controller.stop()


def queue(app, subject_name="Jeanne"):
    with app.test_request_context():
        from shop.models import Account

        queue_email(
            recipient="jeanne@example.org",
            kind="password-reset",
            template="password_reset",
            account=Account(identifier="j", first_name=subject_name, last_name="Test"),
            link="http://127.0.0.1:5000/mot-de-passe/abc",
            max_age_hours=72,
        )
        db.session.commit()


def test_mail_reaches_the_smtp_server_with_its_attachment(app, smtp):
    smtp.start()
    with app.test_request_context():
        from shop.models import Account

        queue_email(
            recipient="jeanne@example.org",
            kind="password-reset",
            template="password_reset",
            attachment=("devis.pdf", "application/pdf", b"%PDF-1.4 test"),
            account=Account(identifier="j", first_name="Jeanne", last_name="Test"),
            link="http://x/y",
            max_age_hours=72,
        )
        db.session.commit()
        assert relay_outbox() == 1
    [message] = smtp.messages
    assert message["To"] == "jeanne@example.org"
    assert message["Subject"] == "Demande de nouveau mot de passe"
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "devis.pdf"
    assert attachment.get_content() == b"%PDF-1.4 test"


def test_smtp_down_then_up_loses_nothing_and_sends_once(app, smtp):
    queue(app)
    with app.app_context():
        assert relay_outbox() == 0  # server down: kept, attempt counted
        message = db.session.query(OutboxMessage).one()
        assert message.status is OutboxStatus.PENDING and message.attempts == 1
        assert message.last_error
    smtp.start()
    with app.app_context():
        assert relay_outbox() == 0  # not due again before its back-off delay
    with time_machine.travel(utcnow() + timedelta(minutes=3), tick=False), app.app_context():
        assert relay_outbox() == 1
        assert relay_outbox() == 0
    assert len(smtp.messages) == 1
    with app.app_context():
        message = db.session.query(OutboxMessage).one()
        assert message.status is OutboxStatus.SENT and message.attempts == 2


def test_orders_are_saved_and_validated_while_smtp_is_down(
    app, smtp, login_as, create_product, outbox, add, only_order, save, validate_form
):
    product = create_product()
    browser = login_as("mgen-sd01")
    add(browser, product, 2)
    assert "est enregistrée" in save(browser).get_data(as_text=True)
    order = only_order()
    page = browser.post(f"/commande/{order.id}/valider", validate_form(), follow_redirects=True)
    assert "est validée" in page.get_data(as_text=True)
    [mail] = outbox("order-validated")
    assert mail.status is OutboxStatus.PENDING and mail.attempts == 1
    smtp.start()
    with time_machine.travel(utcnow() + timedelta(minutes=3), tick=False), app.app_context():
        assert relay_outbox() == 1
    assert smtp.messages[0]["Subject"].startswith("Votre commande C0001")
