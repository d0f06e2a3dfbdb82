"""E-mails go through the outbox: written with the change, sent after its commit."""

from email import message_from_string, policy
from pathlib import Path

import pytest

from shop.extensions import db
from shop.models import OutboxMessage, OutboxStatus
from shop.notifications import queue_email, relay_outbox
from shop.notifications import relay as relay_module


def _queue(app, recipient="someone@example.org"):
    with app.test_request_context():
        from shop.models import Account

        account = Account(identifier="x", first_name="Jeanne", last_name="Test")
        queue_email(
            recipient=recipient,
            kind="password-reset",
            template="password_reset",
            account=account,
            link="http://127.0.0.1:5000/mot-de-passe/abc",
            max_age_hours=72,
        )
        db.session.commit()


def test_rolled_back_change_sends_nothing(app, outbox):
    with app.test_request_context():
        from shop.models import Account

        queue_email(
            recipient="a@example.org",
            kind="password-reset",
            template="password_reset",
            account=Account(identifier="x", first_name="A", last_name="B"),
            link="http://x/y",
            max_age_hours=72,
        )
        db.session.rollback()
        assert relay_outbox() == 0
    assert outbox() == []


def test_relay_writes_eml_files_in_the_folder_transport(app, outbox, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "SHOP_MAIL_FOLDER", str(tmp_path))
    _queue(app)
    with app.app_context():
        assert relay_outbox() == 1
        assert relay_outbox() == 0  # sent once
    [mail] = outbox()
    assert mail.status is OutboxStatus.SENT and mail.attempts == 1
    [file] = Path(tmp_path).glob("*.eml")
    assert file.name.endswith(f"-{mail.id:06d}-password-reset.eml")
    parsed = message_from_string(file.read_text(encoding="utf-8"), policy=policy.default)
    assert parsed["To"] == "someone@example.org"
    assert parsed["Subject"] == "Demande de nouveau mot de passe"
    body = parsed.get_body(("plain",)).get_content()
    assert "Bonjour Jeanne Test," in body and "http://127.0.0.1:5000/mot-de-passe/abc" in body


def test_failed_delivery_is_kept_retried_then_marked_failed(app, monkeypatch, outbox):
    _queue(app)

    def broken(message):
        raise ConnectionRefusedError("SMTP server down")

    monkeypatch.setattr(relay_module, "deliver", broken)
    with app.app_context():
        assert relay_outbox() == 0
    [mail] = outbox()
    assert mail.status is OutboxStatus.PENDING
    assert mail.attempts == 1 and "SMTP server down" in mail.last_error
    assert mail.next_attempt_at > mail.created_at

    with app.app_context():
        db.session.query(OutboxMessage).update(
            {"attempts": relay_module.MAX_ATTEMPTS - 1, "next_attempt_at": mail.created_at}
        )
        db.session.commit()
        relay_outbox()
    [mail] = outbox()
    assert mail.status is OutboxStatus.FAILED


def test_smtp_outside_this_machine_is_refused_by_the_test_guard(app):
    import smtplib

    with pytest.raises(pytest.fail.Exception):
        smtplib.SMTP().connect("smtp.example.org", 25)


def test_relay_never_commits_what_its_caller_left_pending(app, outbox):
    """The relay owns its transactions: called with the caller's changes still open (added,
    flushed, or written by a statement), it refuses, and those changes stay the caller's."""
    from sqlalchemy import update

    _queue(app)
    with app.app_context():
        db.session.add(
            OutboxMessage(recipient="x@example.org", subject="S", body_text="B", kind="pending")
        )
        with pytest.raises(relay_module.CallerWorkPending):
            relay_outbox()
        db.session.flush()
        with pytest.raises(relay_module.CallerWorkPending):
            relay_outbox()
        db.session.rollback()
        db.session.execute(update(OutboxMessage).values(kind="changed"))
        with pytest.raises(relay_module.CallerWorkPending):
            relay_outbox()
        db.session.rollback()
        # Reads only, or after the caller's commit: the relay runs.
        assert db.session.query(OutboxMessage).count() == 1
        assert relay_outbox() == 1
    [mail] = outbox()
    assert mail.kind == "password-reset" and mail.status is OutboxStatus.SENT
