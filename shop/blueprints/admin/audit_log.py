"""The audit log: every admin change, newest first, searchable by who, what or on what."""

from __future__ import annotations

from flask import render_template, request

from shop.accounts import audit_display
from shop.accounts.audit import search_entries
from shop.blueprints.admin import bp
from shop.blueprints.guards import admin_required
from shop.extensions import db


@bp.get("/journal")
@admin_required
def audit_log():
    terms = request.args.get("q", "").strip()[:80]
    page = db.paginate(
        search_entries(terms, audit_display.actions_matching(terms)), per_page=50, error_out=False
    )
    return render_template(
        "admin/audit.html", page=page, entries=audit_display.readable(page.items), terms=terms
    )
