"""Saving and validating under real concurrency: threads behind a barrier, one session each."""

from shop.clock import local_today, shop_timezone, utcnow
from shop.extensions import db
from shop.models import Account, Order, OrderStatus, Product
from shop.ordering import basket as baskets
from shop.ordering import orders


def saver(account_id):
    def work():
        account = db.session.get(Account, account_id)
        return orders.save_basket(account, utcnow(), shop_timezone(), 1).number

    return work


def test_last_units_go_to_exactly_one_saver(app, demo, create_product, fill, make_orderers, race):
    product = create_product(stock=5)
    racers = make_orderers(4)
    for account_id in racers:
        fill(account_id, [(product, 5)])
    results = race([saver(a) for a in racers])
    winners = [r for r in results if isinstance(r, str)]
    losers = [r for r in results if isinstance(r, orders.OrderError)]
    assert len(winners) == 1 and len(losers) == 3, results
    assert all("plus aucun exemplaire disponible" in str(p) for e in losers for p in e.problems)
    with app.app_context():
        assert db.session.get(Product, product).reserved_quantity == 5
        assert db.session.query(Order).count() == 1


def test_opposite_baskets_never_deadlock_and_never_oversell(
    app, demo, create_product, fill, make_orderers, race
):
    first = create_product(stock=30)
    second = create_product(stock=30)
    racers = make_orderers(6)
    for n, account_id in enumerate(racers):
        items = [(first, 10), (second, 10)] if n % 2 else [(second, 10), (first, 10)]
        fill(account_id, items)
    results = race([saver(a) for a in racers])
    winners = [r for r in results if isinstance(r, str)]
    assert len(winners) == 3, results
    assert all(isinstance(r, (str, orders.OrderError)) for r in results), results
    with app.app_context():
        for product_id in (first, second):
            product = db.session.get(Product, product_id)
            assert product.reserved_quantity == 30 <= product.stock_on_hand


def test_order_numbers_are_unique_under_concurrency(
    app, demo, create_product, fill, make_orderers, race
):
    product = create_product(stock=1000)
    racers = make_orderers(8)
    for account_id in racers:
        fill(account_id, [(product, 1)])
    results = race([saver(a) for a in racers])
    assert all(isinstance(r, str) for r in results), results
    assert len(set(results)) == 8
    assert sorted(int(r[-5:]) for r in results) == list(range(1, 9))


def test_double_validation_at_once_validates_once(
    app, demo, create_product, fill, make_orderers, race, validate
):
    product = create_product(stock=100)
    [account_id] = make_orderers(1)
    fill(account_id, [(product, 3)])
    with app.app_context():
        order = orders.save_basket(
            db.session.get(Account, account_id), utcnow(), shop_timezone(), 1
        )
        db.session.commit()
        order_id = order.id

    def validator():
        account = db.session.get(Account, account_id)
        return validate(account, order_id).status

    results = race([validator, validator])
    successes = [r for r in results if r is OrderStatus.VALIDATED]
    refusals = [r for r in results if isinstance(r, orders.OrderError)]
    assert len(successes) == 1 and len(refusals) == 1, results
    assert "ne peut plus être modifiée" in str(refusals[0])


def test_filling_baskets_while_others_save_never_deadlocks(
    app, demo, create_product, fill, make_orderers, race
):
    """Adding a line takes the product's foreign-key lock: saves must not conflict with it."""
    products = [create_product(stock=100_000) for _ in range(4)]
    racers = make_orderers(8)
    savers, fillers = racers[:4], racers[4:]
    for account_id in savers:
        fill(account_id, [(p, 1) for p in products])

    def filler(account_id):
        def work():
            account = db.session.get(Account, account_id)
            for product_id in reversed(products):  # against the savers' lock order
                baskets.add_to_basket(account, product_id, 1, local_today())
                db.session.flush()
            return "filled"

        return work

    for _ in range(3):
        results = race([saver(a) for a in savers] + [filler(a) for a in fillers])
        assert not any(isinstance(r, Exception) for r in results), results
        for account_id in savers:
            fill(account_id, [(p, 1) for p in products])
        with app.app_context():
            for account_id in fillers:
                baskets.empty_basket(db.session.get(Account, account_id))
            db.session.commit()


def test_modifying_again_while_saving_the_modification_never_deadlocks(
    app, demo, create_product, fill, make_orderers, race
):
    product = create_product(stock=100)
    [account_id] = make_orderers(1)
    fill(account_id, [(product, 5)])
    with app.app_context():
        account = db.session.get(Account, account_id)
        order_id = orders.save_basket(account, utcnow(), shop_timezone(), 1).id
        orders.start_modification(account, order_id, utcnow())  # the basket holds it now
        db.session.commit()

    def modify():
        account = db.session.get(Account, account_id)
        return orders.start_modification(account, order_id, utcnow()).number

    for _ in range(5):  # two tabs of one account: "Modifier" again, and "Enregistrer"
        with app.app_context():  # each round starts with the modification in the basket
            orders.start_modification(db.session.get(Account, account_id), order_id, utcnow())
            db.session.commit()
        results = race([modify, saver(account_id)])
        assert not any(isinstance(r, Exception) for r in results), results
    with app.app_context():
        assert db.session.get(Product, product).reserved_quantity == 5
