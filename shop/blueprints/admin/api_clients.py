"""Head-office administration of the warehouse API clients (Administrateur siège only).

Revoking and regenerating are plain POSTs: the application-wide CSRF protection checks them.

A token is shown once, on the page that answers its creation or regeneration, and never
again: the page is rendered from the POST (not a redirect to a GET that could be reloaded,
bookmarked or cached) and tells the admin to copy it now. Every change goes to the audit log.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from shop.api import clients as api_clients
from shop.api import openapi as api_spec
from shop.blueprints.admin.forms import ApiClientForm
from shop.blueprints.guards import admin_required
from shop.clock import utcnow
from shop.extensions import db
from shop.models import ApiClient, ShopKind
from shop.web.boundary import on_refusal
from shop.web.params import get_or_404

bp = Blueprint("admin_api", __name__, url_prefix="/admin/clients-api")


def _show_token(client: ApiClient, token: str):
    response = render_template("admin/api_client_token.html", client=client, token=token)
    # The page holds a secret: keep it out of every cache, the browser's included.
    return response, 200, {"Cache-Control": "no-store", "Pragma": "no-cache"}


@bp.get("/")
@admin_required
def clients():
    rows = db.session.scalars(api_clients.listing()).all()
    return render_template("admin/api_clients.html", clients=rows)


@bp.route("/nouveau", methods=["GET", "POST"])
@admin_required
def new_client():
    form = ApiClientForm()

    def render():
        return render_template("admin/api_client_form.html", form=form)

    if form.validate_on_submit():
        on_refusal(form=form, render=render)
        client, token = api_clients.create_client(
            form.name.data, ShopKind(form.shop.data), current_user, utcnow()
        )
        return _show_token(client, token)
    return render()


@bp.post("/<int:client_id>/revocation")
@admin_required
def revoke(client_id: int):
    client = get_or_404(ApiClient, client_id)
    on_refusal(back=url_for("admin_api.clients"))
    api_clients.revoke(client, utcnow(), current_user)
    flash(
        _("Le client API %(name)s est révoqué : son jeton est refusé.", name=client.name),
        "success",
    )
    return redirect(url_for("admin_api.clients"))


@bp.post("/<int:client_id>/jeton")
@admin_required
def regenerate(client_id: int):
    client = get_or_404(ApiClient, client_id)
    on_refusal(back=url_for("admin_api.clients"))
    token = api_clients.regenerate_token(client, current_user)
    return _show_token(client, token)


@bp.get("/documentation")
@admin_required
def reference():
    """The API reference for people, read from the same OpenAPI document the clients get."""
    return render_template("admin/api_reference.html", spec=api_spec.openapi_document())
