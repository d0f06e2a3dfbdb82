"""Ordering for attached sections within their monthly quotas."""

import html
import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import event

from shop.clock import local_today, shop_timezone, utcnow
from shop.extensions import db
from shop.models import (
    Account,
    AccountType,
    BasketLine,
    Entity,
    EntityQuota,
    Order,
    OrderStatus,
    Product,
)
from shop.ordering import basket as baskets
from shop.ordering import orders
from shop.quota import Outcome

ALL_AVAILABLE = "la limite mensuelle n&#39;a pas été atteinte"
SOME_LOWERED = "Les quantités ont été remises à jour dans la limite du maximum possible"
ALL_OVER = "passer la commande le mois prochain"


def entity_id(app, code):
    with app.app_context():
        return db.session.query(Entity.id).filter_by(code=code).scalar()


def basket_lines(app, identifier="mgen-sd01"):
    with app.app_context():
        account = db.session.query(Account).filter_by(identifier=identifier).one()
        basket = baskets.find_basket(account)
        return {line.product.reference: line.quantity for line in basket.lines} if basket else {}


def update(browser, entity):
    return browser.post("/panier/entite", {"entity_id": str(entity)}, follow_redirects=True)


@pytest.fixture
def consume(app, validate):
    """``consume(code, product_id, quantity, validated=False)``: an order of another
    account of the entity, saved (or validated) this month."""

    def make(code, product_id, quantity, validated=False):
        with app.app_context():
            entity = db.session.query(Entity).filter_by(code=code).one()
            account = Account(
                identifier=f"other-{code}-{product_id}-{quantity}",
                account_type=AccountType.SECTION_DIRECTOR,
                first_name="Autre",
                last_name="Directeur",
                email="autre@example.org",
                entity=entity,
            )
            db.session.add(account)
            db.session.flush()
            baskets.add_to_basket(account, product_id, quantity, local_today())
            order = orders.save_basket(account, utcnow(), shop_timezone(), 1)
            if validated:
                validate(account, order.id)
            db.session.commit()
            return order.id

    return make


def test_three_outcomes_for_attached_sections(app, login_as, create_product, add, consume, save):
    leaflet = create_product(reference="LOGEMENT", monthly_quota=50, stock=1000)
    flyer = create_product(reference="RELYENS", monthly_quota=20, stock=1000)
    allier, essonne = entity_id(app, "S003"), entity_id(app, "S091")
    consume("S003", flyer, 20, validated=True)  # ALLIER used its whole flyer quota
    consume("S091", leaflet, 50)  # ESSONNE used its whole leaflet quota (saved order)
    consume("S091", flyer, 20)

    browser = login_as("mgen-sd01")
    add(browser, leaflet, 30)
    add(browser, flyer, 10)

    # Another entity chosen without "Mettre à jour": saving is refused.
    with app.app_context():
        account = db.session.query(Account).filter_by(identifier="mgen-sd01").one()
        account_id = account.id
        baskets.lock_basket(account).recipient_entity_id = allier
        db.session.commit()
    page = browser.get("/panier").get_data(as_text=True)
    assert 'data-testid="needs-update"' in page and "disabled" in page
    assert "Mettre à jour" in save(browser).get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Order).filter_by(account_id=account_id).count() == 0

    # Case 2, ALLIER: the flyer is lowered to 0 and kept, the leaflet stays.
    page = update(browser, allier).get_data(as_text=True)
    assert SOME_LOWERED in page
    assert basket_lines(app) == {"LOGEMENT": 30, "RELYENS": 0}
    assert "MGEN SECTION DE L&#39;ALLIER" in page and "MOULINS" in page  # delivery switched
    page = save(browser).get_data(as_text=True)
    assert "est enregistrée" in page
    with app.app_context():
        order = db.session.query(Order).filter_by(account_id=account_id).one()
        assert order.entity.code == "S003" and order.delivery_city == "MOULINS"
        assert order.billing_entity.code == "S001"  # billing stays with the orderer
        assert {line.product.reference: line.quantity for line in order.lines} == {"LOGEMENT": 30}

    # Case 3, ESSONNE: everything over quota; saving impossible.
    add(browser, leaflet, 10)
    add(browser, flyer, 5)
    page = update(browser, essonne).get_data(as_text=True)
    assert ALL_OVER in page
    assert basket_lines(app) == {"LOGEMENT": 0, "RELYENS": 0}
    refused = html.unescape(save(browser).get_data(as_text=True))
    assert "Toutes les quantités de votre panier sont à 0" in refused

    # Case 1, back to AIN (own section, no quota used): all available.
    browser.post("/panier/vider")
    add(browser, leaflet, 10)
    page = update(browser, entity_id(app, "S001")).get_data(as_text=True)
    assert ALL_AVAILABLE in page
    assert "est enregistrée" in save(browser).get_data(as_text=True)


def test_quota_check_runs_on_every_save_for_ones_own_section(
    app, login_as, create_product, add, consume, save
):
    leaflet = create_product(reference="LOGEMENT", monthly_quota=50, stock=1000)
    consume("S001", leaflet, 45)
    browser = login_as("mgen-sd01")
    add(browser, leaflet, 10)
    page = save(browser).get_data(as_text=True)
    assert "n&#39;a pas été enregistrée" in page and SOME_LOWERED in page
    assert basket_lines(app) == {"LOGEMENT": 5}
    assert "est enregistrée" in save(browser).get_data(as_text=True)


def test_entity_override_and_expired_or_cancelled_orders_do_not_count(
    app, login_as, create_product, add, consume, save
):
    leaflet = create_product(reference="LOGEMENT", monthly_quota=10, stock=1000)
    with app.app_context():
        db.session.add(
            EntityQuota(entity_id=entity_id(app, "S001"), product_id=leaflet, monthly_quota=30)
        )
        db.session.commit()
    expired = consume("S001", leaflet, 25)
    browser = login_as("mgen-sd01")
    add(browser, leaflet, 10)
    assert SOME_LOWERED in save(browser).get_data(as_text=True)  # 25 + 10 > 30
    assert basket_lines(app) == {"LOGEMENT": 5}
    browser.post(f"/panier/produit/{leaflet}/quantite", {"quantity": "10"})
    with time_machine.travel(utcnow() + timedelta(days=7, minutes=1), tick=False):
        # The other order's deadline passed: it no longer counts, even before the sweeper.
        browser = login_as("mgen-sd01")
        assert "est enregistrée" in save(browser).get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Order, expired).status is OrderStatus.SAVED  # not swept yet


def test_next_month_starts_afresh(app, login_as, create_product, add, consume, save):
    leaflet = create_product(reference="LOGEMENT", monthly_quota=10, stock=1000)
    consume("S001", leaflet, 10, validated=True)
    browser = login_as("mgen-sd01")
    add(browser, leaflet, 5)
    assert ALL_OVER in save(browser).get_data(as_text=True)
    local = utcnow().astimezone(shop_timezone())
    first_of_next = (local.replace(day=28) + timedelta(days=4)).replace(day=1, hour=0, minute=30)
    with time_machine.travel(first_of_next, tick=False):
        browser = login_as("mgen-sd01")
        add(browser, leaflet, 5)
        assert "est enregistrée" in save(browser).get_data(as_text=True)


def test_bad_input_on_the_recipient_changes_nothing(app, login_as, create_product, add):
    leaflet = create_product(reference="LOGEMENT", monthly_quota=50, stock=1000)
    browser = login_as("mgen-sd01")
    add(browser, leaflet, 30)
    reunion = entity_id(app, "S974")  # not attached to mgen-sd01
    for value in (str(reunion), "999999", "abc", "", "-1"):
        assert browser.post("/panier/entite", {"entity_id": value}).status_code == 404
    assert (
        browser.post(
            "/panier/entite", {"entity_id": str(entity_id(app, "S003"))}, csrf=False
        ).status_code
        == 400
    )
    with app.app_context():
        account = db.session.query(Account).filter_by(identifier="mgen-sd01").one()
        basket = baskets.find_basket(account)
        assert basket.recipient_entity_id is None and basket.quota_checked_entity_id is None
    assert basket_lines(app) == {"LOGEMENT": 30}


def test_a_forged_quantity_above_the_lowered_one_is_refused(
    app, login_as, create_product, add, consume, save
):
    leaflet = create_product(reference="LOGEMENT", monthly_quota=50, stock=1000)
    consume("S003", leaflet, 40)
    browser = login_as("mgen-sd01")
    add(browser, leaflet, 30)
    update(browser, entity_id(app, "S003"))
    assert basket_lines(app) == {"LOGEMENT": 10}
    # Forge the quantity back up, in the form and straight in the database.
    browser.post(f"/panier/produit/{leaflet}/quantite", {"quantity": "30"})
    assert "Mettre à jour" in save(browser).get_data(as_text=True)  # the check was reset
    allier = entity_id(app, "S003")
    with app.app_context():
        db.session.query(BasketLine).update({"quantity": 30})
        account = db.session.query(Account).filter_by(identifier="mgen-sd01").one()
        baskets.lock_basket(account).quota_checked_entity_id = allier
        db.session.commit()
    page = save(browser).get_data(as_text=True)
    assert "n&#39;a pas été enregistrée" in page and SOME_LOWERED in page
    with app.app_context():
        assert db.session.query(Order).filter(Order.entity.has(code="S003")).count() == 1


def test_two_directors_at_once_cannot_pass_the_quota_together(app, demo, create_product, race):
    leaflet = create_product(reference="LOGEMENT", monthly_quota=50, stock=1000)
    allier = entity_id(app, "S003")
    with app.app_context():
        entity = db.session.get(Entity, allier)
        ids = []
        for n in range(2):
            account = Account(
                identifier=f"director-{n}",
                account_type=AccountType.SECTION_DIRECTOR,
                first_name="D",
                last_name=str(n),
                email=f"d{n}@example.org",
                entity=db.session.query(Entity).filter_by(code="S001").one(),
                attached_entities=[entity],
            )
            db.session.add(account)
            db.session.flush()
            baskets.add_to_basket(account, leaflet, 30, local_today())
            orders.update_recipient(account, allier, utcnow(), shop_timezone())
            ids.append(account.id)
        db.session.commit()

    def saver(account_id):
        return lambda: (
            orders.save_basket(
                db.session.get(Account, account_id), utcnow(), shop_timezone(), 1
            ).number
        )

    for _ in range(1):
        results = race([saver(i) for i in ids])
    wins = [r for r in results if isinstance(r, str)]
    refusals = [r for r in results if isinstance(r, orders.QuotaExceeded)]
    assert len(wins) == 1 and len(refusals) == 1, results
    assert refusals[0].result.quantities == {leaflet: 20}
    with app.app_context():
        total = sum(
            line.quantity
            for order in db.session.query(Order).filter_by(entity_id=allier)
            for line in order.lines
        )
    assert total == 30 <= 50


def test_admin_sets_quotas_and_sees_consumption(app, login_as, create_product, consume):
    leaflet = create_product(reference="LOGEMENT", stock=1000)
    allier = entity_id(app, "S003")
    admin = login_as("siege-admin")
    assert "LOGEMENT" in admin.get("/admin/quotas").get_data(as_text=True)
    admin.post(f"/admin/quotas/{leaflet}", {"monthly_quota": "40"})
    admin.post(
        f"/admin/quotas/{leaflet}/entites", {"entity_id": str(allier), "monthly_quota": "15"}
    )
    with app.app_context():
        assert db.session.get(Product, leaflet).monthly_quota == 40
        assert db.session.get(EntityQuota, (allier, leaflet)).monthly_quota == 15
    consume("S003", leaflet, 12)
    page = admin.get(f"/admin/entites/{allier}/consommation").get_data(as_text=True)
    assert ">12<" in page and ">15<" in page and ">3<" in page
    page = admin.get(f"/admin/quotas/{leaflet}/entites").get_data(as_text=True)
    assert 'value="15"' in page
    # Bad input changes nothing; an empty override removes it.
    for bad in ("-5", "abc", "1e3"):
        admin.post(f"/admin/quotas/{leaflet}", {"monthly_quota": bad})
    assert (
        admin.post(
            f"/admin/quotas/{leaflet}/entites", {"entity_id": "999999", "monthly_quota": "1"}
        ).status_code
        == 404
    )
    admin.post(f"/admin/quotas/{leaflet}/entites", {"entity_id": str(allier), "monthly_quota": ""})
    admin.post(f"/admin/quotas/{leaflet}", {"monthly_quota": ""})
    with app.app_context():
        assert db.session.get(EntityQuota, (allier, leaflet)) is None
        assert db.session.get(Product, leaflet).monthly_quota is None
        from shop.models import AuditEntry

        actions = [e.action for e in db.session.query(AuditEntry).order_by(AuditEntry.id)]
        assert actions == ["quota.default", "quota.entity", "quota.entity", "quota.default"]


def test_admin_allocations_and_my_allocations(app, login_as, create_product):
    from shop.models import Allocation

    guide = create_product(reference="GUIDE", name="Guide santé")
    admin = login_as("siege-admin")
    ain = entity_id(app, "S001")
    data = {"entity_id": str(ain), "product_id": str(guide), "year": "2026", "quantity": "300"}
    admin.post("/admin/dotations", data)
    page = admin.post("/admin/dotations", data, follow_redirects=True).get_data(as_text=True)
    assert "déjà une dotation" in page
    with app.app_context():
        allocation = db.session.query(Allocation).filter_by(product_id=guide).one()
        allocation_id = allocation.id
    admin.post(f"/admin/dotations/{allocation_id}/livre", {"delivered_quantity": "400"})
    admin.post(f"/admin/dotations/{allocation_id}/livre", {"delivered_quantity": "120"})
    with app.app_context():
        allocation = db.session.get(Allocation, allocation_id)
        assert (allocation.quantity, allocation.delivered_quantity) == (300, 120)
    page = login_as("mgen-sd01").get("/mon-compte").get_data(as_text=True)
    assert "Mes supports dotation siège" in page and "Guide santé" in page and ">120<" in page
    assert "Guide santé" not in login_as("mgen-ar01").get("/mon-compte").get_data(as_text=True)


def test_a_modified_order_can_change_recipient_and_the_next_basket_starts_afresh(
    app, login_as, create_product, add, only_order, save
):
    leaflet = create_product(reference="LOGEMENT", monthly_quota=50, stock=1000)
    browser = login_as("mgen-sd01")
    add(browser, leaflet, 10)
    save(browser)
    order = only_order()
    assert order.delivery_city == "BOURG-EN-BRESSE"
    browser.post(f"/commande/{order.id}/modifier")
    assert "Mettre à jour" in update(browser, entity_id(app, "S003")).get_data(as_text=True)
    assert "est enregistrée" in save(browser).get_data(as_text=True)
    modified = only_order()
    assert (modified.id, modified.number) == (order.id, order.number)
    assert modified.delivery_city == "MOULINS" and modified.billing_entity_id == entity_id(
        app, "S001"
    )
    with app.app_context():
        assert db.session.get(Order, order.id).entity.code == "S003"
    add(browser, leaflet, 5)
    page = browser.get("/panier").get_data(as_text=True)
    assert 'data-testid="needs-update"' not in page and "BOURG-EN-BRESSE" in page


def test_a_save_over_the_quota_is_one_transaction_that_lowers_the_basket(
    app, demo, create_product, consume
):
    """The refusal and the lowered basket are one outcome of one domain call: the caller
    commits once, and nothing of an order is written."""
    leaflet = create_product(reference="LOGEMENT", monthly_quota=50, stock=1000)
    consume("S001", leaflet, 45)
    with app.test_request_context():
        account = db.session.query(Account).filter_by(identifier="mgen-sd01").one()
        baskets.add_to_basket(account, leaflet, 10, local_today())
        db.session.commit()
        commits, session = [], db.session()
        count = commits.append
        event.listen(session, "after_commit", count)
        try:
            outcome = orders.save(account, utcnow(), shop_timezone(), 1)
            assert commits == []  # the domain never commits
        finally:
            event.remove(session, "after_commit", count)
        db.session.commit()
        assert outcome.order is None and not outcome.expired
        assert "n'a pas été enregistrée" in str(outcome.refusal)
        assert outcome.quota.outcome is Outcome.SOME_LOWERED
        assert db.session.query(Order).filter_by(account_id=account.id).count() == 0
    assert basket_lines(app) == {"LOGEMENT": 5}
    with app.test_request_context():
        account = db.session.query(Account).filter_by(identifier="mgen-sd01").one()
        outcome = orders.save(account, utcnow(), shop_timezone(), 1)
        assert outcome.refusal is None and outcome.order.lines[0].quantity == 5
        db.session.commit()


def test_a_recipient_detached_meanwhile_falls_back_to_ones_own_over_quota(
    app, login_as, create_product, add, consume, save
):
    """The chosen section is detached from the director after « Mettre à jour », and the
    director's own section is over quota: a save from the page that still showed the
    section says so and falls back, never a 500."""
    leaflet = create_product(reference="LOGEMENT", monthly_quota=50, stock=1000)
    consume("S001", leaflet, 50)
    browser = login_as("mgen-sd01")
    add(browser, leaflet, 30)
    allier = entity_id(app, "S003")
    update(browser, allier)
    with app.app_context():
        account = db.session.query(Account).filter_by(identifier="mgen-sd01").one()
        account.attached_entities = [e for e in account.attached_entities if e.code != "S003"]
        db.session.commit()
        account_id = account.id
    first = html.unescape(
        browser.post(
            "/panier/enregistrer", {"recipient_id": str(allier)}, follow_redirects=True
        ).get_data(as_text=True)
    )
    assert "l'entité « MGEN SECTION DE L'ALLIER » n'est plus rattachée" in first
    assert "Votre panier est désormais pour votre entité, « MGEN SECTION DE L'AIN »" in first
    with app.app_context():
        basket = baskets.find_basket(db.session.get(Account, account_id))
        assert basket.recipient_entity_id is None and basket.quota_checked_entity_id is None
        assert db.session.query(Order).filter_by(account_id=account_id).count() == 0
    # The next try is for the director's own section, over its quota: said as such.
    again = save(browser)
    assert again.status_code == 200
    page = html.unescape(again.get_data(as_text=True))
    assert "n'a pas été enregistrée" in page and "pour l'entité « MGEN SECTION DE L'AIN »" in page
    assert "passer la commande le mois prochain" in page
    assert basket_lines(app) == {"LOGEMENT": 0}


def test_a_detached_recipient_the_basket_announced_falls_back_at_the_first_save(
    app, login_as, create_product, add, consume, save_as_shown
):
    """Once « Mon panier » said the order will be for one's own entity, « Enregistrer »
    from that page does it at once: the own entity's quota is checked then (here passed,
    so the basket is lowered), not a refusal repeating the detachment."""
    leaflet = create_product(reference="LOGEMENT", monthly_quota=50, stock=1000)
    consume("S001", leaflet, 40)
    browser = login_as("mgen-sd01")
    add(browser, leaflet, 30)
    update(browser, entity_id(app, "S003"))
    with app.app_context():
        account = db.session.query(Account).filter_by(identifier="mgen-sd01").one()
        account.attached_entities = [e for e in account.attached_entities if e.code != "S003"]
        db.session.commit()
    page = html.unescape(browser.get("/panier").get_data(as_text=True))
    assert "n'est plus rattachée à votre compte : cette commande sera pour votre entité" in page
    first = html.unescape(save_as_shown(browser).get_data(as_text=True))
    assert "n'est plus rattachée" not in first
    assert "pour l'entité « MGEN SECTION DE L'AIN »" in first
    assert basket_lines(app) == {"LOGEMENT": 10}
    assert "est enregistrée" in html.unescape(save_as_shown(browser).get_data(as_text=True))


def line_choices(page: str, product_id: int) -> list[int]:
    select = page.split(f'id="line-qty-{product_id}"')[1].split("</select>")[0]
    return [int(value) for value in re.findall(r'<option value="(\d+)"', select)]


def test_after_mettre_a_jour_a_line_offers_no_more_than_the_quota_leaves(
    app, login_as, create_product, add, consume
):
    leaflet = create_product(reference="LOGEMENT", monthly_quota=50, max_quantity=50)
    other = create_product(reference="AFFICHE", max_quantity=50)  # no quota: stock only
    consume("S003", leaflet, 30)
    browser = login_as("mgen-sd01")
    add(browser, leaflet, 50)
    add(browser, other, 5)
    assert line_choices(browser.get("/panier").get_data(as_text=True), leaflet)[-1] == 50
    update(browser, entity_id(app, "S003"))
    assert basket_lines(app) == {"LOGEMENT": 20, "AFFICHE": 5}
    page = browser.get("/panier").get_data(as_text=True)
    assert line_choices(page, leaflet) == list(range(1, 21))
    assert line_choices(page, other) == list(range(1, 51))


def test_the_quota_bounded_basket_reads_as_many_statements_for_many_lines(
    app, login_as, create_product, add, count_queries
):
    browser = login_as("mgen-sd01")
    allier = entity_id(app, "S003")

    def statements() -> int:
        update(browser, allier)
        with count_queries() as counter:
            assert browser.get("/panier").status_code == 200
        return counter.count

    for _ in range(2):
        add(browser, create_product(monthly_quota=50), 1)
    statements()  # caches and connections warm up
    few = statements()
    for _ in range(8):
        add(browser, create_product(monthly_quota=50), 1)
    assert statements() == few


def test_mettre_a_jour_again_after_all_over_stays_all_over(
    app, login_as, create_product, add, consume
):
    leaflet = create_product(reference="LOGEMENT", monthly_quota=20, stock=1000)
    essonne = entity_id(app, "S091")
    consume("S091", leaflet, 20)
    browser = login_as("mgen-sd01")
    add(browser, leaflet, 10)
    assert ALL_OVER in update(browser, essonne).get_data(as_text=True)
    again = html.unescape(update(browser, essonne).get_data(as_text=True))
    assert ALL_OVER in again and "alert-success" not in again
    assert "choisies sont disponibles" not in again
    assert "disabled" in again  # the save button stays blocked


def test_some_lowered_names_each_product_and_its_new_quantity_and_the_entity(
    app, login_as, create_product, add, consume
):
    leaflet = create_product(name="Dépliant Solutions Logement", monthly_quota=50, stock=1000)
    flyer = create_product(name="Dépliant partenariat Relyens", monthly_quota=20, stock=1000)
    guide = create_product(name="Guide santé", monthly_quota=100, stock=1000)
    consume("S003", leaflet, 40)
    consume("S003", flyer, 20)
    browser = login_as("mgen-sd01")
    add(browser, leaflet, 30)
    add(browser, flyer, 5)
    add(browser, guide, 10)
    page = html.unescape(update(browser, entity_id(app, "S003")).get_data(as_text=True))
    assert SOME_LOWERED in page
    assert "pour l'entité « MGEN SECTION DE L'ALLIER »" in page and "le compte" not in page
    assert "« Dépliant Solutions Logement » : 10 au lieu de 30" in page
    assert "« Dépliant partenariat Relyens » : 0 au lieu de 5" in page
    assert "« Guide santé »" not in page.split(SOME_LOWERED)[1].split("</div>")[0]
    ok = html.unescape(update(browser, entity_id(app, "S001")).get_data(as_text=True))
    assert "choisies sont disponibles" not in ok  # a line is at 0
    assert "« Dépliant partenariat Relyens » : 0" in ok


def test_emptying_the_basket_forgets_the_chosen_entity(
    app, login_as, create_product, add, consume, save
):
    leaflet = create_product(reference="LOGEMENT", monthly_quota=20, stock=1000)
    consume("S091", leaflet, 20)
    browser = login_as("mgen-sd01")
    add(browser, leaflet, 10)
    update(browser, entity_id(app, "S091"))
    browser.post("/panier/vider")
    add(browser, leaflet, 10)
    page = html.unescape(browser.get("/panier").get_data(as_text=True))
    assert 'data-testid="needs-update"' not in page and "BOURG-EN-BRESSE" in page
    assert "est enregistrée" in save(browser).get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Order).filter(Order.entity.has(code="S001")).count() == 1
