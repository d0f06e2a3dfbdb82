"""Who may order what, and for whom: the sections' people order objects and printed
material for their sections; head office orders printed material for itself or any entity
[004 §I]; logisticians order nothing. Each person is offered only what they can do."""

import html

from shop.clock import local_today, shop_timezone, utcnow
from shop.extensions import db
from shop.models import Account, AccountType, Entity, EntityQuota, Order, Product, ShopKind
from shop.ordering import basket as baskets
from shop.ordering import orders

ADD = "Ajouter au panier"


def entity_id(app, code):
    with app.app_context():
        return db.session.query(Entity.id).filter_by(code=code).scalar()


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_head_office_orders_printed_material_for_itself(
    app, login_as, create_product, add, save, validate_form
):
    leaflet = create_product(reference="LOGEMENT", stock=100)
    admin = login_as("siege-admin")
    assert ADD in text(admin.get(f"/produit/{leaflet}"))
    add(admin, leaflet, 10)
    assert "est enregistrée" in text(save(admin))
    with app.app_context():
        order = db.session.query(Order).one()
        assert order.entity.code == "SIEGE" and order.billing_entity.code == "SIEGE"
        order_id = order.id
    page = text(admin.post(f"/commande/{order_id}/valider", validate_form(), follow_redirects=True))
    assert "est validée" in page
    account = text(admin.get("/mon-compte"))
    assert "Mes commandes validées" in account and "C0001" in account


def test_head_office_orders_for_any_entity_within_its_quotas(
    app, login_as, create_product, add, save
):
    leaflet = create_product(reference="LOGEMENT", monthly_quota=50, stock=1000)
    reunion = entity_id(app, "S974")  # attached to no one
    with app.app_context():
        db.session.add(EntityQuota(entity_id=reunion, product_id=leaflet, monthly_quota=20))
        db.session.commit()
    admin = login_as("siege-admin")
    add(admin, leaflet, 30)
    basket = text(admin.get("/panier"))
    assert "Entité du destinataire" in basket and "MGEN SECTION DE LA RÉUNION" in basket
    page = text(admin.post("/panier/entite", {"entity_id": str(reunion)}, follow_redirects=True))
    assert "« Produit de test 1 » : 20 au lieu de 30" in page
    assert "est enregistrée" in text(save(admin))
    with app.app_context():
        order = db.session.query(Order).one()
        assert order.entity_id == reunion and order.billing_entity.code == "SIEGE"
        assert [line.quantity for line in order.lines] == [20]


def test_a_director_still_orders_only_for_attached_sections(app, login_as, create_product, add):
    leaflet = create_product(stock=100)
    browser = login_as("mgen-sd01")
    add(browser, leaflet, 10)
    reunion = entity_id(app, "S974")
    assert browser.post("/panier/entite", {"entity_id": str(reunion)}).status_code == 404


def test_head_office_orders_no_objects(app, login_as, create_product, add):
    mug = create_product(shop=ShopKind.OBJECTS, reference="MUG", stock=100)
    admin = login_as("siege-admin")
    assert ADD not in text(admin.get(f"/produit/{mug}"))
    assert ADD not in text(admin.get("/boutique/objets"))
    assert 'data-testid="menu-objets"' not in text(admin.get("/mon-compte"))
    assert 'data-testid="menu-imprimes"' in text(admin.get("/mon-compte"))
    page = text(add(admin, mug, 1, follow_redirects=True))
    assert "ne permet pas de commander des objets" in page
    with app.app_context():
        account = db.session.query(Account).filter_by(identifier="siege-admin").one()
        assert baskets.find_basket(account) is None or not baskets.find_basket(account).lines


def test_a_basket_of_objects_left_by_a_former_director_cannot_be_saved_by_head_office(
    app, demo, create_product
):
    mug = create_product(shop=ShopKind.OBJECTS, reference="MUG", stock=100)
    with app.test_request_context():
        account = db.session.query(Account).filter_by(identifier="mgen-sd01").one()
        baskets.add_to_basket(account, mug, 1, local_today())
        account.account_type = AccountType.HEAD_OFFICE_ADMIN  # promoted since
        db.session.flush()
        try:
            orders.save(account, utcnow(), shop_timezone(), 1)
        except baskets.BasketError as error:
            assert "ne permet pas de commander des objets" in str(error)
        else:
            raise AssertionError("saved")
        assert db.session.query(Order).count() == 0
        db.session.rollback()


def test_logisticians_are_offered_no_ordering(app, login_as, create_product):
    leaflet = create_product(stock=100)
    browser = login_as("logistique")
    assert ADD not in text(browser.get(f"/produit/{leaflet}"))
    assert ADD not in text(browser.get("/boutique/imprimes"))
    account = text(browser.get("/mon-compte"))
    assert "Coordonnées" in account
    for section in (
        "Mes commandes en cours",
        "Mes commandes validées",
        "Mes supports dotation siège",
        "Adresse de livraison",
        "Statistiques commandes",
        "Mon panier",
    ):
        assert section not in account, section
    response = browser.post(
        "/mon-compte/adresse-livraison",
        {"delivery_address": "1 rue X", "delivery_postcode": "75001", "delivery_city": "Paris"},
    )
    assert response.status_code == 403


def test_a_withdrawn_product_is_flagged_in_the_basket_at_once(
    app, login_as, create_product, add, save
):
    leaflet = create_product(reference="LOGEMENT", stock=100)
    flyer = create_product(reference="RELYENS", stock=100)
    browser = login_as("mgen-sd01")
    add(browser, leaflet, 10)
    add(browser, flyer, 5)
    with app.app_context():
        db.session.get(Product, leaflet).active = False
        db.session.commit()
    page = text(browser.get("/panier"))
    assert page.count('data-testid="withdrawn"') == 1
    assert f"/panier/produit/{leaflet}/quantite" not in page  # no « Actualiser la quantité »
    assert f"/panier/produit/{flyer}/quantite" in page
    assert f"/panier/produit/{leaflet}/supprimer" in page  # it can be removed
    updated = text(
        browser.post(
            f"/panier/produit/{leaflet}/quantite", {"quantity": "20"}, follow_redirects=True
        )
    )
    assert "n'est plus proposé : retirez-le de votre panier" in updated
    refused = text(save(browser))
    assert "n'est plus proposé" in refused and "n'a pas été enregistrée" in refused
    with app.app_context():
        assert db.session.query(Order).count() == 0
    browser.post(f"/panier/produit/{leaflet}/supprimer")
    assert "est enregistrée" in text(save(browser))


def test_the_third_object_order_of_an_entity_is_refused_to_one_of_two_racing_savers(
    app, demo, create_product, make_orderers, fill, validate, race
):
    """Two directors of one section save its last object order of the year at once:
    exactly one is saved, the other refused at save (no order left unvalidatable)."""
    mug = create_product(shop=ShopKind.OBJECTS, reference="MUG", stock=100)
    first, *racers = make_orderers(3)
    fill(first, [(mug, 1)])
    with app.test_request_context():
        account = db.session.get(Account, first)
        validate(account, orders.save_basket(account, utcnow(), shop_timezone(), 1).id)
        db.session.commit()
    for racer in racers:
        fill(racer, [(mug, 1)])

    def saver(account_id):
        return lambda: (
            orders.save_basket(
                db.session.get(Account, account_id), utcnow(), shop_timezone(), 1
            ).number
        )

    results = race([saver(i) for i in racers])
    wins = [r for r in results if isinstance(r, str)]
    refusals = [r for r in results if isinstance(r, orders.OrderError)]
    assert len(wins) == 1 and len(refusals) == 1, results
    assert "limitées à 2 par an" in str(refusals[0])
    with app.app_context():
        assert db.session.query(Order).count() == 2
        assert db.session.get(Product, mug).reserved_quantity == 2


def test_an_entity_deactivated_after_head_office_chose_it_is_said_inactive(
    app, login_as, create_product, add, save_as_shown
):
    """The basket page says the order will be for one's own entity: saving from it does
    that at once, not a refusal repeating what the page said."""
    leaflet = create_product(reference="LOGEMENT", stock=100)
    allier = entity_id(app, "S003")
    admin = login_as("siege-admin")
    add(admin, leaflet, 10)
    admin.post("/panier/entite", {"entity_id": str(allier)})
    with app.app_context():
        db.session.get(Entity, allier).active = False
        db.session.commit()
    basket = text(admin.get("/panier"))
    assert "n'est plus active : cette commande sera pour votre entité, « MGEN SIÈGE »" in basket
    assert "est enregistrée" in text(save_as_shown(admin))
    with app.app_context():
        assert db.session.query(Order).one().entity.code == "SIEGE"


def test_a_save_from_a_page_shown_before_the_deactivation_is_refused_with_why(
    app, login_as, create_product, add, save
):
    leaflet = create_product(reference="LOGEMENT", stock=100)
    allier = entity_id(app, "S003")
    admin = login_as("siege-admin")
    add(admin, leaflet, 10)
    admin.post("/panier/entite", {"entity_id": str(allier)})
    with app.app_context():
        db.session.get(Entity, allier).active = False
        db.session.commit()
    # The page still showed « MGEN SECTION DE L'ALLIER » as the recipient.
    refused = text(
        admin.post("/panier/enregistrer", {"recipient_id": str(allier)}, follow_redirects=True)
    )
    assert "n'est plus active" in refused and "rattachée" not in refused
    with app.app_context():
        assert db.session.query(Order).count() == 0
    assert "est enregistrée" in text(save(admin))
    with app.app_context():
        assert db.session.query(Order).one().entity.code == "SIEGE"


def head_office_without_address(app) -> None:
    """As after ``flask create-admin`` on an empty database: no address anywhere."""
    with app.app_context():
        siege = db.session.query(Entity).filter_by(code="SIEGE").one()
        for name in ("delivery_address", "delivery_postcode", "delivery_city"):
            setattr(siege, name, "")
        for name in ("billing_address", "billing_postcode", "billing_city"):
            setattr(siege, name, "")
        for account in db.session.query(Account).filter_by(entity_id=siege.id):
            account.delivery_address = account.billing_address = ""
        db.session.commit()


def test_head_office_without_an_address_cannot_save_until_it_has_one(
    app, login_as, create_product, add, save
):
    head_office_without_address(app)
    leaflet = create_product(reference="LOGEMENT", stock=100)
    admin = login_as("siege-admin")
    add(admin, leaflet, 10)
    page = text(admin.get("/panier"))
    assert "Adresse de livraison à compléter" in page and "Adresse à compléter" in page
    assert "— ," not in page and "Adresse de facturation à compléter" in page
    refused = text(save(admin))
    assert "l'adresse de livraison est incomplète (adresse, code postal et ville)" in refused
    assert "« Mon compte »" in refused
    with app.app_context():
        assert db.session.query(Order).count() == 0
        assert db.session.get(Product, leaflet).reserved_quantity == 0
    admin.post(
        "/panier/adresse-livraison",
        {"delivery_address": "3 square Max Hymans", "delivery_postcode": "75015",
         "delivery_city": "PARIS"},
    )  # fmt: skip
    assert "est enregistrée" in text(save(admin))
    with app.app_context():
        assert db.session.query(Order).one().delivery_postcode == "75015"


def test_the_entities_list_says_an_address_is_to_be_completed(app, login_as):
    head_office_without_address(app)
    page = text(login_as("siege-admin").get("/admin/entites"))
    address = page.split("<td>SIEGE</td>")[1].split("</tr>")[0].split("<td>")[2]
    assert "Adresse à compléter" in address and "," not in address


def test_create_admin_on_an_empty_install_says_head_office_needs_an_address(app):
    result = app.test_cli_runner().invoke(
        args=["create-admin", "--identifier", "premier-admin", "--email", "a@example.org",
              "--first-name", "Alice", "--last-name", "Martin",
              "--password", "mot de passe solide"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "L'entité « SIÈGE » n'a pas d'adresse : complétez-la" in result.output
