""" "Gestion des accès": each account's invitation and activation state, and inviting every
account still to activate."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from shop.accounts import admin as accounts_admin
from shop.accounts.entities import all_entities
from shop.blueprints.admin import bp
from shop.blueprints.guards import admin_required
from shop.clock import utcnow
from shop.extensions import db
from shop.web.params import arg_id


@bp.get("/acces")
@admin_required
def access():
    """Each account's invitation and activation state, by last name."""
    entity_id = arg_id("entite")
    page = db.paginate(accounts_admin.access_states(entity_id), per_page=100, error_out=False)
    return render_template(
        "admin/access.html",
        page=page,
        pending=accounts_admin.count_to_activate(),
        entities=all_entities(),
        entity_raw=str(entity_id or ""),
    )


@bp.post("/acces/invitations")
@admin_required
def send_invitations():
    """Invite every active account that has not chosen its password yet, at most once per
    ``SHOP_INVITATION_INTERVAL_HOURS``: pressing the button twice sends nothing twice."""
    hours = current_app.config["SHOP_INVITATION_INTERVAL_HOURS"]
    sent = accounts_admin.invite_pending(utcnow(), hours, current_user)
    if sent:
        flash(
            ngettext("%(num)s invitation envoyée.", "%(num)s invitations envoyées.", sent),
            "success",
        )
    else:
        flash(
            _(
                "Aucune invitation envoyée : les comptes non activés ont tous reçu la leur "
                "depuis moins de %(hours)s heures.",
                hours=hours,
            ),
            "info",
        )
    return redirect(url_for("admin.access"))
