"""Head-office administration: importing the staff roster from the HR system."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from sqlalchemy.exc import IntegrityError
from wtforms import BooleanField, SubmitField

from shop.accounts import roster as roster_import
from shop.accounts.roster import Outcome
from shop.blueprints.guards import admin_required
from shop.errors import DomainError
from shop.extensions import db

bp = Blueprint("admin_roster", __name__, url_prefix="/admin")


class RosterForm(FlaskForm):
    file = FileField(
        _l("Fichier des effectifs (CSV)"),
        validators=[
            FileRequired(_l("Choisissez le fichier CSV exporté du SIRH.")),
            FileAllowed(
                ["csv"],
                _l("Seuls les fichiers CSV (.csv) sont acceptés : exportez-le au format CSV."),
            ),
        ],
    )
    full = BooleanField(_l("Import complet par entité (désactiver les absents)"))
    simulate = SubmitField(_l("Simulation"))
    apply = SubmitField(_l("Importer"))


@bp.route("/effectifs", methods=["GET", "POST"])
@admin_required
def roster():
    """GET: the upload form; POST: a dry run ("Simulation") or the import, then the report."""
    form = RosterForm()
    report = None
    if form.validate_on_submit():
        dry_run = not form.apply.data
        data = form.file.data.read(roster_import.MAX_BYTES + 1)
        try:
            report = roster_import.import_roster(
                data, full=form.full.data, dry_run=dry_run, actor=current_user._get_current_object()
            )
            if dry_run:
                db.session.rollback()
            else:
                db.session.commit()
        except DomainError as error:
            db.session.rollback()
            report = None
            form.file.errors.append(str(error))
        except IntegrityError:
            db.session.rollback()
            report = None
            form.file.errors.append(
                _(
                    "Des comptes ont été créés ou modifiés pendant l'import : rien n'a été "
                    "enregistré. Relancez l'import."
                )
            )
    return render_template("admin/roster.html", form=form, report=report, Outcome=Outcome)
