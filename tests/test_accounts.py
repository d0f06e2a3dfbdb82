"""Accounts: sign-in, lockout, activation and reset links, the admin who creates accounts."""

import re
import threading
from datetime import timedelta

import pytest
import time_machine

from shop import accounts
from shop.clock import utcnow
from shop.extensions import db
from shop.models import Account

LINK_RE = re.compile(r"https?://[^\s]+/mot-de-passe/([^\s?]+)(\?purpose=reset)?")


def test_login_page_wording(browser):
    page = browser.get("/connexion").get_data(as_text=True)
    assert "Nom d&#39;utilisateur" in page or "Nom d'utilisateur" in page
    assert "Mot de passe" in page
    assert ">Connexion<" in page or 'value="Connexion"' in page


def test_sign_in_and_out(login_as):
    browser = login_as("mgen-sd01")
    assert browser.get("/panier").status_code == 200
    response = browser.post("/deconnexion")
    assert response.status_code == 302
    assert browser.get("/panier").status_code == 302


def test_identifier_is_case_insensitive(browser, demo):
    response = browser.login("MGEN-SD01")
    assert "Déconnexion" in response.get_data(as_text=True)


def test_wrong_password_is_refused_with_the_same_message_as_unknown_user(browser, demo):
    wrong = browser.login("mgen-sd01", "not-the-password").get_data(as_text=True)
    unknown = browser.login("nobody", "not-the-password").get_data(as_text=True)
    message = "Nom d&#39;utilisateur ou mot de passe incorrect."
    assert message in wrong and message in unknown


def test_repeated_wrong_passwords_lock_the_account(app, browser, demo):
    for _ in range(app.config["SHOP_LOGIN_MAX_FAILURES"]):
        browser.login("mgen-sd01", "wrong-password")
    # Even the right password is refused while locked.
    page = browser.login("mgen-sd01").get_data(as_text=True)
    assert "Trop de tentatives de connexion" in page
    assert "Déconnexion" not in page
    # After the lock delay the right password works again.
    with time_machine.travel(utcnow() + timedelta(minutes=16), tick=False):
        page = browser.login("mgen-sd01").get_data(as_text=True)
    assert "Déconnexion" in page


def test_inactive_account_cannot_sign_in(app, browser, demo):
    with app.app_context():
        db.session.query(Account).filter_by(identifier="mgen-ar01").update({"active": False})
        db.session.commit()
    assert "Déconnexion" not in browser.login("mgen-ar01").get_data(as_text=True)


def test_post_without_csrf_token_is_refused(browser, demo):
    response = browser.post(
        "/connexion", {"identifier": "mgen-sd01", "password": "demo-password-2026"}, csrf=False
    )
    assert response.status_code == 400
    assert "Formulaire expiré" in response.get_data(as_text=True)


def _new_account(admin, **overrides):
    data = {
        "identifier": "claire.dupuis.010285",
        "account_type": "section_director",
        "last_name": "Dupuis",
        "first_name": "Claire",
        "email": "claire.dupuis@example.org",
        "phone": "06 11 22 33 44",
        "entity_id": "2",
        "attached_entity_ids": ["3"],
        "locale": "fr",
        "active": "y",
    }
    data.update(overrides)
    return admin.post("/admin/comptes/nouveau", data, follow_redirects=True)


def test_admin_creates_an_account_which_activates_from_the_email(app, login_as, browser, outbox):
    admin = login_as("siege-admin")
    page = _new_account(admin).get_data(as_text=True)
    assert "Le compte claire.dupuis.010285 est créé" in page

    [mail] = outbox("account-invitation")
    assert mail.recipient == "claire.dupuis@example.org"
    assert "claire.dupuis.010285" in mail.body_text
    assert mail.status.value == "sent"  # relayed after the commit
    token = LINK_RE.search(mail.body_text).group(1)

    # The account cannot sign in before choosing a password.
    assert "Déconnexion" not in browser.login("claire.dupuis.010285", "x" * 12).get_data(
        as_text=True
    )
    url = f"/mot-de-passe/{token}"
    assert browser.get(url).status_code == 200
    response = browser.post(
        url, {"password": "un mot de passe sûr", "confirm": "un mot de passe sûr"}
    )
    assert response.status_code == 302
    page = browser.login("claire.dupuis.010285", "un mot de passe sûr").get_data(as_text=True)
    assert "Déconnexion" in page

    # Single use: the same link is now dead.
    assert browser.get(url).status_code == 400


def test_admin_form_errors_are_shown_beside_fields_and_nothing_is_created(app, login_as, outbox):
    admin = login_as("siege-admin")
    page = _new_account(admin, email="not-an-email", identifier="mgen-sd01").get_data(as_text=True)
    assert 'aria-invalid="true"' in page
    page = _new_account(admin, identifier="MGEN-SD01").get_data(as_text=True)
    assert "Cet identifiant est déjà utilisé." in page
    with app.app_context():
        assert db.session.query(Account).count() == 4
    assert outbox("account-invitation") == []


def test_admin_forged_entity_is_refused(app, login_as):
    admin = login_as("siege-admin")
    response = _new_account(admin, entity_id="999")
    assert response.status_code == 200
    with app.app_context():
        assert db.session.query(Account).filter_by(last_name="Dupuis").count() == 0


def test_admin_edits_an_account(app, login_as, account_id):
    admin = login_as("siege-admin")
    target = account_id("mgen-ar01")
    page = admin.get(f"/admin/comptes/{target}").get_data(as_text=True)
    assert "Nathalie" in page
    response = admin.post(
        f"/admin/comptes/{target}",
        {
            "identifier": "mgen-ar01",
            "account_type": "prevention_referent",
            "last_name": "Girard",
            "first_name": "Nathalie",
            "email": "n.girard@example.org",
            "phone": "",
            "entity_id": "3",
            "attached_entity_ids": ["2", "4"],
            "locale": "en",
            "active": "y",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        account = db.session.get(Account, target)
        assert account.account_type.value == "prevention_referent"
        assert account.email == "n.girard@example.org"
        assert sorted(e.id for e in account.attached_entities) == [2, 4]
        assert account.locale == "en"


def _admin_requests(app):
    """(method, url) for every admin URL of the app, ids filled with 1."""
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("admin"):
            continue
        url = rule.build({arg: 1 for arg in rule.arguments}, append_unknown=False)[1]
        yield ("GET" if "GET" in rule.methods else "POST"), url


def _request(browser, method, url):
    return browser.get(url) if method == "GET" else browser.post(url, {})


@pytest.mark.parametrize("identifier", ["mgen-sd01", "mgen-ar01", "logistique"])
def test_admin_pages_refuse_non_admins(login_as, identifier, app):
    browser = login_as(identifier)
    requests = list(_admin_requests(app))
    assert len(requests) > 10
    for method, url in requests:
        assert _request(browser, method, url).status_code == 403, (method, url)


def test_admin_pages_send_anonymous_users_to_login(browser, app):
    for method, url in _admin_requests(app):
        response = _request(browser, method, url)
        assert response.status_code == 302 and "/connexion" in response.location, (method, url)


def test_non_orderers_cannot_use_the_basket(login_as):
    browser = login_as("logistique")
    assert browser.get("/panier").status_code == 403
    assert browser.post("/panier/ajouter", {"product_id": "1", "quantity": "10"}).status_code == 403


def test_forgotten_password_same_answer_and_working_link(app, browser, demo, outbox):
    known = browser.post(
        "/mot-de-passe-oublie", {"email": "MGEN-SD01@boutique.example"}, follow_redirects=True
    ).get_data(as_text=True)
    unknown = browser.post(
        "/mot-de-passe-oublie", {"email": "personne@example.org"}, follow_redirects=True
    ).get_data(as_text=True)
    message = "Si cette adresse correspond à un compte"
    assert message in known and message in unknown

    [mail] = outbox("password-reset")
    assert mail.recipient == "mgen-sd01@boutique.example"
    match = LINK_RE.search(mail.body_text)
    url = f"/mot-de-passe/{match.group(1)}?purpose=reset"
    response = browser.post(
        url, {"password": "nouveau mot de passe", "confirm": "nouveau mot de passe"}
    )
    assert response.status_code == 302
    assert "Déconnexion" in browser.login("mgen-sd01", "nouveau mot de passe").get_data(
        as_text=True
    )
    assert browser.get(url).status_code == 400  # used


def test_password_too_short_or_mismatched_is_refused(app, browser, demo):
    with app.test_request_context():
        account = db.session.query(Account).filter_by(identifier="mgen-sd01").one()
        token = accounts.make_token(account, accounts.RESET)
    url = f"/mot-de-passe/{token}?purpose=reset"
    page = browser.post(url, {"password": "court", "confirm": "court"}).get_data(as_text=True)
    assert "aria-invalid" in page
    page = browser.post(
        url, {"password": "assez long mais", "confirm": "différent encore"}
    ).get_data(as_text=True)
    assert "Les deux mots de passe ne sont pas identiques." in page
    assert "Déconnexion" in browser.login("mgen-sd01").get_data(as_text=True)


def test_tokens_expired_tampered_or_for_another_purpose_are_refused(app, demo):
    with app.test_request_context():
        account = db.session.query(Account).filter_by(identifier="mgen-sd01").one()
        token = accounts.make_token(account, accounts.RESET)
        assert accounts.account_from_token(token, accounts.RESET) == account
        assert accounts.account_from_token(token, accounts.ACTIVATION) is None
        assert accounts.account_from_token(token[:-2] + "xx", accounts.RESET) is None
        assert accounts.account_from_token("garbage", accounts.RESET) is None
        with time_machine.travel(utcnow() + timedelta(hours=73), tick=False):
            assert accounts.account_from_token(token, accounts.RESET) is None


def test_password_change_signs_out_other_sessions(app, login_as):
    browser = login_as("mgen-sd01")
    with app.app_context():
        account = db.session.query(Account).filter_by(identifier="mgen-sd01").one()
        account.set_password("a brand new password")
        db.session.commit()
    assert browser.get("/panier").status_code == 302


def test_create_admin_command(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "create-admin",
            "--identifier",
            "Premier-Admin",
            "--email",
            "admin@example.org",
            "--first-name",
            "Alice",
            "--last-name",
            "Martin",
            "--password",
            "mot de passe solide",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        account = db.session.query(Account).filter_by(identifier="premier-admin").one()
        assert account.is_admin and account.check_password("mot de passe solide")
    result = runner.invoke(
        args=[
            "create-admin",
            "--identifier",
            "premier-admin",
            "--email",
            "b@example.org",
            "--first-name",
            "B",
            "--last-name",
            "B",
            "--password",
            "mot de passe solide",
        ]
    )
    assert result.exit_code != 0 and "déjà utilisé" in result.output


def test_admin_creates_and_edits_entities(app, login_as):
    from shop.models import Entity

    admin = login_as("siege-admin")
    data = {
        "code": " S972 ",
        "name": "MGEN SECTION DE LA MARTINIQUE",
        "phone": "05 96 00 00 00",
        "email": "",
        "overseas": "y",
        "delivery_address": "1 rue du Port",
        "delivery_postcode": "97200",
        "delivery_city": "FORT-DE-FRANCE",
        "billing_name": "",
        "billing_address": "",
        "billing_postcode": "",
        "billing_city": "",
        "active": "y",
    }
    assert admin.post("/admin/entites/nouvelle", data).status_code == 302
    with app.app_context():
        entity = db.session.query(Entity).filter_by(code="S972").one()
        assert entity.overseas and entity.delivery_city == "FORT-DE-FRANCE"
        entity_id = entity.id
    # A second entity with the same code is refused beside the field.
    page = admin.post("/admin/entites/nouvelle", dict(data, code="S972")).get_data(as_text=True)
    assert "Ce code est déjà utilisé par une autre entité." in page
    data.pop("overseas")
    assert admin.post(f"/admin/entites/{entity_id}", data).status_code == 302
    with app.app_context():
        assert not db.session.get(Entity, entity_id).overseas
        assert db.session.query(Entity).filter_by(code="S972").count() == 1
    assert admin.get("/admin/entites/999999").status_code == 404


def test_a_mandate_bounds_sign_in_and_sessions(app, login_as):
    from datetime import date

    browser = login_as("mgen-ar01")
    with app.app_context():
        account = db.session.query(Account).filter_by(identifier="mgen-ar01").one()
        account.valid_until = date(2020, 12, 31)
        db.session.commit()
    assert browser.get("/panier").status_code == 302  # the session ended with the mandate
    page = browser.login("mgen-ar01").get_data(as_text=True)
    assert "Votre accès n&#39;est pas ouvert à cette date" in page
    with app.app_context():
        account = db.session.query(Account).filter_by(identifier="mgen-ar01").one()
        account.valid_until = None
        account.valid_from = date(2020, 1, 1)
        db.session.commit()
    assert "Déconnexion" in browser.login("mgen-ar01").get_data(as_text=True)


def test_admin_changes_are_in_the_searchable_audit_log(app, login_as, account_id):
    from shop.models import AuditEntry

    admin = login_as("siege-admin")
    _new_account(admin)
    target = account_id("mgen-ar01")
    data = {
        "identifier": "mgen-ar01",
        "account_type": "regional_assistant",
        "last_name": "Girard",
        "first_name": "Nathalie",
        "email": "nouvelle@example.org",
        "phone": "",
        "entity_id": "3",
        "locale": "fr",
        "active": "y",
        "valid_until": "2027-06-30",
    }
    admin.post(f"/admin/comptes/{target}", data)
    admin.post(f"/admin/comptes/{target}", data)  # no change: nothing recorded
    with app.app_context():
        entries = db.session.query(AuditEntry).order_by(AuditEntry.id).all()
        assert [e.action for e in entries] == ["account.create", "account.update"]
        assert entries[1].changes["email"] == ["mgen-ar01@boutique.example", "nouvelle@example.org"]
        assert entries[1].changes["valid_until"] == [None, "2027-06-30"]
        assert entries[1].actor.identifier == "siege-admin"
    page = admin.get("/admin/journal?q=mgen-ar01").get_data(as_text=True)
    assert "account.update" in page and "nouvelle@example.org" in page
    assert "account.create" not in page
    page = admin.get("/admin/journal?q=claire").get_data(as_text=True)
    assert "account.create" in page


def test_invitation_date_is_recorded(app, login_as, outbox):
    admin = login_as("siege-admin")
    _new_account(admin)
    with app.app_context():
        account = db.session.query(Account).filter_by(identifier="claire.dupuis.010285").one()
        assert account.invited_at is not None


def test_access_management_invites_each_pending_account_once(app, login_as, outbox):
    admin = login_as("siege-admin")
    _new_account(admin)
    _new_account(admin, identifier="paul.martin.020290", email="paul.martin@example.org")
    assert len(outbox("account-invitation")) == 2
    page = admin.get("/admin/acces").get_data(as_text=True)
    assert "Invitation envoyée le" in page and "Activé" in page
    assert "Envoyer les invitations aux 2 comptes non activés" in page
    # Within the interval, pressing the button sends nothing again.
    page = admin.post("/admin/acces/invitations", follow_redirects=True).get_data(as_text=True)
    assert "Aucune invitation envoyée" in page
    assert len(outbox("account-invitation")) == 2
    with time_machine.travel(utcnow() + timedelta(hours=25), tick=False):
        admin = login_as("siege-admin")
        page = admin.post("/admin/acces/invitations", follow_redirects=True).get_data(as_text=True)
        assert "2 invitations envoyées." in page
        admin.post("/admin/acces/invitations")
    assert len(outbox("account-invitation")) == 4
    with app.app_context():
        account = db.session.query(Account).filter_by(identifier="paul.martin.020290").one()
        account.invited_at = None
        db.session.commit()
    admin = login_as("siege-admin")  # the session opened "in the future" is not valid now
    assert "Recevra un email d'invitation" in admin.get("/admin/acces").get_data(as_text=True)


def test_the_email_of_reference_can_be_changed_while_activating(app, login_as, browser, outbox):
    admin = login_as("siege-admin")
    _new_account(admin)
    [mail] = outbox("account-invitation")
    url = f"/mot-de-passe/{LINK_RE.search(mail.body_text).group(1)}"
    assert 'value="claire.dupuis@example.org"' in browser.get(url).get_data(as_text=True)
    page = browser.post(
        url, {"email": "pas-un-email", "password": "x" * 12, "confirm": "x" * 12}
    ).get_data(as_text=True)
    assert 'aria-invalid="true"' in page
    browser.post(
        url,
        {
            "email": "Claire.D@Example.org",
            "password": "mot de passe ok",
            "confirm": "mot de passe ok",
        },
    )
    with app.app_context():
        account = db.session.query(Account).filter_by(identifier="claire.dupuis.010285").one()
        assert account.email == "claire.d@example.org" and account.activated


def test_admin_lists_filter_and_an_ended_mandate_keeps_the_basket_visible(
    app, login_as, create_product, add
):
    from datetime import date

    product = create_product(name="Brochure gardée")
    add(login_as("mgen-ar01"), product, 3)
    with app.app_context():
        account = db.session.query(Account).filter_by(identifier="mgen-ar01").one()
        account.valid_until = date(2020, 1, 1)
        db.session.commit()
        target = account.id
    admin = login_as("siege-admin")
    page = admin.get("/admin/comptes?type=regional_assistant").get_data(as_text=True)
    assert "mgen-ar01" in page and "mgen-sd01" not in page
    page = admin.get("/admin/comptes?statut=desactive").get_data(as_text=True)
    assert "mgen-ar01" not in page
    page = admin.get("/admin/comptes?entite=2&type=section_director").get_data(as_text=True)
    assert "mgen-sd01" in page and "mgen-ar01" not in page
    page = admin.get(f"/admin/comptes/{target}").get_data(as_text=True)
    assert "Panier en cours" in page and "Brochure gardée" in page
    page = admin.get("/admin/entites?q=moulins").get_data(as_text=True)
    assert "ALLIER" in page and "ESSONNE" not in page


def test_next_pages_stay_on_this_site(app, demo, browser):
    for target, lands in [
        ("/mon-compte", "/mon-compte"),
        ("//evil.example/x", "/"),
        ("/\\evil.example/x", "/"),
        ("https://evil.example/", "/"),
    ]:
        fresh = type(browser)(app.test_client())
        response = fresh.post(
            f"/connexion?next={target}",
            {"identifier": "mgen-sd01", "password": "demo-password-2026"},
        )
        assert response.status_code == 302
        assert response.headers["Location"] == lands, target


def _wrong_passwords_at_once(app, identifier: str, count: int) -> list:
    """``count`` sign-ins with a wrong password, each in its own thread and session, all
    released at once; each commits what it did, as the request's boundary does."""
    barrier = threading.Barrier(count, timeout=60)
    results: list = [None] * count

    def sign_in(index: int) -> None:
        with app.app_context():
            try:
                barrier.wait()
                attempt = accounts.authenticate(identifier, "wrong-password", utcnow())
                db.session.commit()
                results[index] = attempt.refusal
            except Exception as exc:  # the test reports it
                db.session.rollback()
                results[index] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=sign_in, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a sign-in is stuck"
    return results


def test_concurrent_wrong_passwords_all_count(app, demo, monkeypatch):
    monkeypatch.setitem(app.config, "SHOP_LOGIN_MAX_FAILURES", 100)
    results = _wrong_passwords_at_once(app, "mgen-sd01", 8)
    assert all("mot de passe incorrect" in str(refusal) for refusal in results), results
    with app.app_context():
        account = db.session.query(Account).filter_by(identifier="mgen-sd01").one()
        assert account.failed_logins == 8 and account.locked_until is None


def test_concurrent_wrong_passwords_lock_the_account_exactly_once(app, demo):
    limit = app.config["SHOP_LOGIN_MAX_FAILURES"]
    _wrong_passwords_at_once(app, "mgen-sd01", limit + 3)
    with app.app_context():
        account = db.session.query(Account).filter_by(identifier="mgen-sd01").one()
        # The one that reached the limit locked and restarted the count; of the 3 after it,
        # those that read the account before the lock counted, the others found it locked.
        assert account.locked_until is not None and 0 <= account.failed_logins <= 3


def test_a_refused_sign_in_is_counted_although_the_page_answers_an_error(app, browser, demo):
    page = browser.login("mgen-sd01", "wrong-password").get_data(as_text=True)
    assert "mot de passe incorrect" in page
    with app.app_context():
        assert db.session.query(Account).filter_by(identifier="mgen-sd01").one().failed_logins == 1
    browser.login("mgen-sd01")
    with app.app_context():
        assert db.session.query(Account).filter_by(identifier="mgen-sd01").one().failed_logins == 0


def test_own_coordinates_address_and_password_are_audited_without_the_secret(
    app, login_as, browser, outbox
):
    from shop.models import AuditEntry

    director = login_as("mgen-sd01")
    director.post(
        "/mon-compte/coordonnees",
        {"last_name": "Rousseau-Lenoir", "first_name": "Camille", "email": "C.R@example.org"},
    )
    director.post(
        "/mon-compte/adresse-livraison",
        {"delivery_address": "2 place Carriat", "delivery_postcode": "01000",
         "delivery_city": "BOURG-EN-BRESSE"},
    )  # fmt: skip
    browser.post("/mot-de-passe-oublie", {"email": "c.r@example.org"})
    [mail] = outbox("password-reset")
    url = LINK_RE.search(mail.body_text).group(0)
    url = url[url.index("/mot-de-passe/") :]
    assert browser.post(url, {"password": "x" * 12, "confirm": "x" * 12}).status_code == 302
    with app.app_context():
        entries = db.session.query(AuditEntry).order_by(AuditEntry.id).all()
        actions = [(e.action, e.actor.identifier, e.target_label) for e in entries]
        assert actions == [
            ("account.update", "mgen-sd01", "mgen-sd01"),
            ("account.update", "mgen-sd01", "mgen-sd01"),
            ("account.password", "mgen-sd01", "mgen-sd01"),
        ]
        assert {(e.target_type, e.target_id) for e in entries} == {("account", entries[0].actor_id)}
        coordinates, address, password = (e.changes for e in entries)
        assert coordinates["email"] == ["mgen-sd01@boutique.example", "c.r@example.org"]
        assert coordinates["last_name"] == ["Rousseau", "Rousseau-Lenoir"]
        assert "first_name" not in coordinates  # unchanged
        assert address["delivery_city"][1] == "BOURG-EN-BRESSE"
        assert password == {"password": ["set", "new"]}  # never the password nor its hash


def test_the_account_form_says_who_orders_what_from_the_rule(app, login_as):
    import html as html_module

    from shop.models import AccountType, ShopKind

    page = html_module.unescape(
        login_as("siege-admin").get("/admin/comptes/nouveau").get_data(as_text=True)
    )
    assert "Seuls les directeurs" not in page
    assert (
        "Directeur de section, Assistante régionale, Référent Régional Prévention : "
        "peuvent commander les imprimés et les objets." in page
    )
    assert "Administrateur siège : peut commander les imprimés." in page
    assert "Logisticien : ne peut rien commander." in page
    # Said from the one rule: head office's shops there are the ones it may order from.
    assert AccountType.HEAD_OFFICE_ADMIN.orderable_shops == {ShopKind.PRINTED}


def test_the_invitations_button_says_when_nobody_is_to_be_invited(app, login_as):
    with app.app_context():  # every account has its password: nobody to invite
        for account in db.session.scalars(db.select(Account)):
            account.password_hash = account.password_hash or "x"
        db.session.commit()
    page = login_as("siege-admin").get("/admin/acces").get_data(as_text=True)
    assert "Aucun compte à inviter</button>" in page and "aux 0 comptes" not in page
    with app.app_context():
        account = db.session.scalar(db.select(Account).filter_by(identifier="mgen-ar01"))
        account.password_hash = None
        account.invited_at = None
        db.session.commit()
    page = login_as("siege-admin").get("/admin/acces").get_data(as_text=True)
    assert "Envoyer l'invitation au compte non activé</button>" in page.replace("&#39;", "'")
