"""Blueprints: thin views that parse the request, call one domain function, and answer."""

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from shop.blueprints import (
        account,
        admin,
        api,
        auth,
        basket,
        catalog,
        fulfilment,
        main,
        media,
        orders,
        statistics,
    )
    from shop.blueprints.admin import api_clients as admin_api
    from shop.blueprints.admin import catalog as admin_catalog
    from shop.blueprints.admin import quotas as admin_quotas
    from shop.blueprints.admin import roster as admin_roster

    app.register_blueprint(main.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(catalog.bp)
    app.register_blueprint(media.bp)
    app.register_blueprint(basket.bp)
    app.register_blueprint(orders.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(admin_quotas.bp)
    app.register_blueprint(admin_roster.bp)
    app.register_blueprint(admin_catalog.bp)
    app.register_blueprint(fulfilment.bp)
    app.register_blueprint(admin_api.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(statistics.bp)
