"""Head office's view of the outbox: the messages by state, and sending one again."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select

from shop.accounts import audit
from shop.errors import DomainError
from shop.extensions import db
from shop.models import Account, OutboxMessage, OutboxStatus
from shop.notifications import mark_queued


def messages(status: OutboxStatus | None = None) -> Select:
    """The outbox, newest first; of one state if given."""
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if status is not None:
        query = query.where(OutboxMessage.status == status)
    return query


# What a failed send means to head office, by the exception the relay stored (its class name
# starts ``last_error``). The raw text is in the logs and behind « Détail technique ».
_UNREACHABLE = _l("Serveur de messagerie injoignable.")
ERROR_EXPLANATIONS = {
    "ConnectionRefusedError": _UNREACHABLE,
    "ConnectionResetError": _UNREACHABLE,
    "ConnectionError": _UNREACHABLE,
    "TimeoutError": _UNREACHABLE,
    "timeout": _UNREACHABLE,
    "gaierror": _l("Serveur de messagerie introuvable (nom du serveur à vérifier)."),
    "SMTPServerDisconnected": _l("Le serveur de messagerie a coupé la connexion."),
    "SMTPConnectError": _UNREACHABLE,
    "SMTPAuthenticationError": _l(
        "Le serveur de messagerie a refusé l'identification de la boutique (configuration)."
    ),
    "SMTPRecipientsRefused": _l("Adresse du destinataire refusée par le serveur de messagerie."),
    "SMTPSenderRefused": _l("Adresse d'expédition refusée par le serveur de messagerie."),
    "SMTPDataError": _l("Message refusé par le serveur de messagerie."),
}
UNKNOWN_ERROR = _l("L'envoi a échoué.")


def explain_error(message: OutboxMessage) -> str:
    """Why the last send failed and what happens next, as a person reads it ('' if none)."""
    if not message.last_error:
        return ""
    kind = message.last_error.split(":", 1)[0].strip()
    explanation = str(ERROR_EXPLANATIONS.get(kind, UNKNOWN_ERROR))
    if message.status is OutboxStatus.PENDING:
        return explanation + " " + str(_l("Nouvel essai automatique."))
    if message.status is OutboxStatus.FAILED:
        return explanation + " " + str(_l("Envoi abandonné : « Réessayer » pour le relancer."))
    return explanation


def counts_by_status() -> dict[OutboxStatus, int]:
    return dict(
        db.session.execute(
            select(OutboxMessage.status, func.count(OutboxMessage.id)).group_by(
                OutboxMessage.status
            )
        ).all()
    )


def retry(message: OutboxMessage, actor: Account | None, now: datetime) -> None:
    """Put a failed (or waiting) message back in the queue, due now: the relay sends it
    once the request commits."""
    if message.status is OutboxStatus.SENT:
        raise DomainError(_l("Cet email a déjà été envoyé."))
    # A waiting message changes only its due time: record it, or the retry leaves no trace.
    audit.record(
        actor,
        "mail.retry",
        message,
        {"status": message.status.value, "next_attempt_at": message.next_attempt_at},
        {"status": OutboxStatus.PENDING.value, "next_attempt_at": now},
        label=f"{message.recipient}: {message.subject}"[:255],
    )
    message.status = OutboxStatus.PENDING
    message.next_attempt_at = now
    db.session.flush()
    mark_queued()
