"""Head-office administration of the warehouse API clients (Administrateur siège only).

Revoking and regenerating are plain POSTs: the application-wide CSRF protection checks them.

A token is shown once, on the page that answers its creation or regeneration, and never
again: the page is rendered from the POST (not a redirect to a GET that could be reloaded,
bookmarked or cached) and tells the admin to copy it now. Every change goes to the audit log.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms import SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from shop.accounts import audit
from shop.api import clients as api_clients
from shop.api import openapi as api_spec
from shop.blueprints.guards import admin_required
from shop.clock import utcnow
from shop.extensions import db
from shop.models import ApiClient, ShopKind

bp = Blueprint("admin_api", __name__, url_prefix="/admin/clients-api")


class ApiClientForm(FlaskForm):
    name = StringField(_l("Nom du client"), validators=[DataRequired(), Length(max=120)])
    shop = SelectField(_l("Boutique"))
    submit = SubmitField(_l("Créer le client et son jeton"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.shop.choices = [SelectChoice(kind.value, kind.label) for kind in ShopKind]


def _client_or_404(client_id: int) -> ApiClient:
    return db.session.get(ApiClient, client_id) or abort(404)


def _show_token(client: ApiClient, token: str):
    response = render_template("admin/api_client_token.html", client=client, token=token)
    # The page holds a secret: keep it out of every cache, the browser's included.
    return response, 200, {"Cache-Control": "no-store", "Pragma": "no-cache"}


@bp.get("/")
@admin_required
def clients():
    rows = db.session.scalars(
        select(ApiClient)
        .options(joinedload(ApiClient.created_by))
        .order_by(ApiClient.revoked_at.is_not(None), ApiClient.name)
    ).all()
    return render_template("admin/api_clients.html", clients=rows)


@bp.route("/nouveau", methods=["GET", "POST"])
@admin_required
def new_client():
    form = ApiClientForm()
    if form.validate_on_submit():
        try:
            client, token = api_clients.create_client(
                form.name.data, ShopKind(form.shop.data), current_user, utcnow()
            )
        except api_clients.ApiClientError as error:
            db.session.rollback()
            form.name.errors.append(str(error))
        else:
            audit.record(
                current_user,
                "api_client.create",
                client,
                after=audit.snapshot(client, api_clients.AUDIT_FIELDS),
            )
            db.session.commit()
            return _show_token(client, token)
    return render_template("admin/api_client_form.html", form=form)


@bp.post("/<int:client_id>/revocation")
@admin_required
def revoke(client_id: int):
    client = _client_or_404(client_id)
    before = audit.snapshot(client, api_clients.AUDIT_FIELDS)
    try:
        api_clients.revoke(client, utcnow())
    except api_clients.ApiClientError as error:
        db.session.rollback()
        flash(str(error), "info")
    else:
        audit.record(
            current_user,
            "api_client.revoke",
            client,
            before,
            audit.snapshot(client, api_clients.AUDIT_FIELDS),
        )
        db.session.commit()
        flash(
            _("Le client API %(name)s est révoqué : son jeton est refusé.", name=client.name),
            "success",
        )
    return redirect(url_for("admin_api.clients"))


@bp.post("/<int:client_id>/jeton")
@admin_required
def regenerate(client_id: int):
    client = _client_or_404(client_id)
    before = audit.snapshot(client, api_clients.AUDIT_FIELDS)
    try:
        token = api_clients.regenerate_token(client)
    except api_clients.ApiClientError as error:
        db.session.rollback()
        flash(str(error), "danger")
        return redirect(url_for("admin_api.clients"))
    audit.record(
        current_user,
        "api_client.regenerate",
        client,
        before,
        audit.snapshot(client, api_clients.AUDIT_FIELDS),
    )
    db.session.commit()
    return _show_token(client, token)


@bp.get("/documentation")
@admin_required
def reference():
    """The API reference for people, read from the same OpenAPI document the clients get."""
    return render_template("admin/api_reference.html", spec=api_spec.openapi_document())
