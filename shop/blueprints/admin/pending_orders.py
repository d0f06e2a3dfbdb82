"""Saved orders waiting for their validation: deadlines and reminder state."""

from __future__ import annotations

from flask import render_template

from shop.blueprints.admin import bp
from shop.blueprints.guards import admin_required
from shop.clock import utcnow
from shop.extensions import db
from shop.ordering.pending import awaiting_validation


@bp.get("/commandes-en-attente")
@admin_required
def pending_orders():
    page = db.paginate(awaiting_validation(), per_page=50, error_out=False)
    return render_template("admin/pending_orders.html", page=page, now=utcnow())
