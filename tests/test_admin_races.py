"""Two admins creating the same account or the same entity at the same instant: one is
created, the other admin reads why beside the field, never a server error."""

from __future__ import annotations

import html
import threading

import pytest

from shop import accounts
from shop.accounts import admin as accounts_admin
from shop.accounts import entities as entities_admin
from shop.errors import DomainError
from shop.extensions import db
from shop.models import Account, AccountType, AuditEntry, Entity


def at_once(workers: list) -> list:
    """Run each callable in its own thread, all released together; their results in order
    (or the exception one raised)."""
    barrier = threading.Barrier(len(workers), timeout=60)
    results: list = [None] * len(workers)

    def run(index, work):
        try:
            barrier.wait()
            results[index] = work()
        except Exception as exc:  # the outcome is what the test checks
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a worker is stuck (deadlock?)"
    return results


def account_form(**values) -> dict:
    return {
        "identifier": "jeanne.martin",
        "account_type": "section_director",
        "last_name": "Martin",
        "first_name": "Jeanne",
        "email": "jeanne.martin@example.org",
        "entity_id": "2",
        "locale": "fr",
        "active": "y",
    } | values


def entity_form(**values) -> dict:
    return {"code": "S099", "name": "Section 99", "active": "y"} | values


def two_admins(login_as, url: str) -> list:
    admins = [login_as("siege-admin"), login_as("siege-admin")]
    for admin in admins:
        admin.get(url)  # the form and its CSRF token, before the race
    return admins


def one_created_one_told(responses, message: str, field: str) -> None:
    assert sorted(r.status_code for r in responses) == [302, 400], responses
    [refused] = [r for r in responses if r.status_code == 400]
    page = html.unescape(refused.get_data(as_text=True))
    assert message in page
    assert f'id="{field}-error"' in page  # beside its field


def test_two_admins_creating_one_identifier_at_once(app, login_as):
    url = "/admin/comptes/nouveau"
    admins = two_admins(login_as, url)
    responses = at_once(
        [
            lambda a=a, n=n: a.post(url, account_form(last_name=f"Martin {n}"))
            for n, a in enumerate(admins)
        ]
    )
    one_created_one_told(responses, "Cet identifiant est déjà utilisé.", "identifier")
    with app.app_context():
        assert db.session.query(Account).filter_by(identifier="jeanne.martin").count() == 1
        assert db.session.query(AuditEntry).filter_by(action="account.create").count() == 1


def test_two_admins_creating_one_entity_code_at_once(app, login_as):
    url = "/admin/entites/nouvelle"
    admins = two_admins(login_as, url)
    responses = at_once(
        [
            lambda a=a, n=n: a.post(url, entity_form(name=f"Section {n}"))
            for n, a in enumerate(admins)
        ]
    )
    one_created_one_told(responses, "Ce code est déjà utilisé par une autre entité.", "code")
    with app.app_context():
        assert db.session.query(Entity).filter_by(code="S099").count() == 1
        assert db.session.query(AuditEntry).filter_by(action="entity.create").count() == 1


# The requests above may run one after the other (SQLite takes its write lock when a
# transaction begins): the duplicate is then found by the check before the INSERT. Here the
# check is skipped, as when both requests pass it at the same instant, so the unique index is
# what refuses the second, inside its savepoint.


def test_the_unique_identifier_index_becomes_the_message(app, demo, monkeypatch):
    monkeypatch.setattr(accounts, "_check_identifier_free", lambda identifier: None)
    with app.app_context():
        entity_id = db.session.scalar(db.select(Entity.id).where(Entity.code == "S001"))
        data = accounts.AccountData(
            identifier="mgen-sd01",  # a demo account's
            account_type=AccountType.SECTION_DIRECTOR,
            first_name="Jeanne",
            last_name="Martin",
            email="jeanne.martin@example.org",
            phone="",
            entity_id=entity_id,
            attached_entity_ids=[],
        )
        count = db.session.query(Account).count()
        with pytest.raises(DomainError) as refused:
            accounts_admin.create_account(data, None)
        assert refused.value.field == "identifier"
        # The transaction is still usable: the savepoint alone was rolled back.
        assert db.session.query(Account).count() == count
        db.session.rollback()


def test_the_unique_code_index_becomes_the_message(app, demo, monkeypatch):
    monkeypatch.setattr(entities_admin, "_check_code_free", lambda code, entity_id: None)
    with app.app_context():
        data = entities_admin.EntityData(code="S001", name="Une autre section")  # a demo code
        with pytest.raises(DomainError) as refused:
            entities_admin.save_entity(None, data, None)
        assert refused.value.field == "code"
        assert db.session.query(Entity).filter_by(code="S001").count() == 1
        db.session.rollback()
