"""The outbox as head office sees it: the e-mails by state, and sending a failed one again."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from shop.blueprints.admin import bp
from shop.blueprints.guards import admin_required
from shop.clock import utcnow
from shop.extensions import db
from shop.models import OutboxMessage, OutboxStatus
from shop.notifications import admin as outbox_admin
from shop.web.boundary import on_refusal
from shop.web.params import get_or_404

# The "statut" filter of the page.
OUTBOX_FILTERS = {
    "attente": OutboxStatus.PENDING,
    "envoyes": OutboxStatus.SENT,
    "echecs": OutboxStatus.FAILED,
}


@bp.get("/emails")
@admin_required
def outbox():
    chosen = request.args.get("statut", "")
    chosen = chosen if chosen in OUTBOX_FILTERS else ""
    page = db.paginate(
        outbox_admin.messages(OUTBOX_FILTERS.get(chosen)), per_page=50, error_out=False
    )
    return render_template(
        "admin/outbox.html",
        page=page,
        chosen=chosen,
        counts=outbox_admin.counts_by_status(),
        OutboxStatus=OutboxStatus,
        explain_error=outbox_admin.explain_error,
    )


@bp.post("/emails/<int:message_id>/renvoyer")
@admin_required
def outbox_retry(message_id: int):
    message = get_or_404(OutboxMessage, message_id)
    chosen = request.form.get("statut", "")
    back = url_for("admin.outbox", statut=chosen if chosen in OUTBOX_FILTERS else "")
    on_refusal(back=back)
    outbox_admin.retry(message, current_user, utcnow())
    flash(
        _("L'email à %(recipient)s est remis dans la file d'envoi.", recipient=message.recipient),
        "success",
    )
    return redirect(back)
