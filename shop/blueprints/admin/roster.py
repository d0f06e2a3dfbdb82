"""Head-office administration: importing the staff roster from the HR system."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from shop.accounts import roster as roster_import
from shop.accounts.roster import Outcome
from shop.blueprints.admin.forms import RosterForm
from shop.blueprints.guards import admin_required
from shop.web.boundary import on_refusal

bp = Blueprint("admin_roster", __name__, url_prefix="/admin")


@bp.route("/effectifs", methods=["GET", "POST"])
@admin_required
def roster():
    """GET: the upload form; POST: a dry run ("Simulation") or the import, then the report."""
    form = RosterForm()

    def render(report=None):
        return render_template("admin/roster.html", form=form, report=report, Outcome=Outcome)

    if not form.validate_on_submit():
        return render()
    on_refusal(form=form, render=render)
    data = form.file.data.read(roster_import.MAX_BYTES + 1)
    report = roster_import.import_roster(
        data,
        full=form.full.data,
        dry_run=not form.apply.data,
        actor=current_user._get_current_object(),
    )
    return render(report)
