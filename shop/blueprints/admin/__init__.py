"""Head-office administration: accounts and entities (Administrateur siège only)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from shop import accounts
from shop.accounts import audit
from shop.blueprints.guards import admin_required
from shop.clock import utcnow
from shop.errors import DomainError
from shop.extensions import db
from shop.models import (
    Account,
    AccountType,
    AuditEntry,
    Entity,
    Order,
    OrderStatus,
    OutboxMessage,
    OutboxStatus,
)
from shop.notifications import relay_outbox
from shop.ordering.basket import find_basket
from shop.web.boundary import error_beside_field

bp = Blueprint("admin", __name__, url_prefix="/admin")


class CheckboxListField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class AccountForm(FlaskForm):
    identifier = StringField(
        _l("Identifiant"),
        validators=[
            DataRequired(),
            Length(max=64),
            Regexp(
                r"^[A-Za-z0-9._-]+$",
                message=_l("Lettres, chiffres, point, tiret et souligné uniquement."),
            ),
        ],
    )
    account_type = SelectField(_l("Type de compte"))
    last_name = StringField(_l("Nom"), validators=[DataRequired(), Length(max=80)])
    first_name = StringField(_l("Prénom"), validators=[DataRequired(), Length(max=80)])
    email = EmailField(_l("Adresse email"), validators=[DataRequired(), Email(), Length(max=254)])
    phone = StringField(_l("Téléphone"), validators=[Optional(), Length(max=32)])
    entity_id = SelectField(_l("Entité"), coerce=int)
    attached_entity_ids = CheckboxListField(_l("Entités rattachées"), coerce=int)
    locale = SelectField(
        _l("Langue des emails"),
        choices=[SelectChoice("fr", "Français"), SelectChoice("en", "English")],
    )
    active = BooleanField(_l("Compte actif"), default=True)
    valid_from = DateField(_l("Début du mandat (facultatif)"), validators=[Optional()])
    valid_until = DateField(_l("Fin du mandat (facultatif)"), validators=[Optional()])
    submit = SubmitField(_l("Enregistrer"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Translated labels for the types, in the admin's language at request time.
        self.account_type.choices = [SelectChoice(t.value, t.label) for t in AccountType]
        entities = db.session.scalars(select(Entity).order_by(Entity.name)).all()
        self.entity_id.choices = [SelectChoice(e.id, e.name) for e in entities]
        self.attached_entity_ids.choices = [SelectChoice(e.id, e.name) for e in entities]

    def to_data(self) -> accounts.AccountData:
        return accounts.AccountData(
            identifier=self.identifier.data,
            account_type=AccountType(self.account_type.data),
            first_name=self.first_name.data,
            last_name=self.last_name.data,
            email=self.email.data,
            phone=self.phone.data or "",
            entity_id=self.entity_id.data,
            attached_entity_ids=list(self.attached_entity_ids.data or []),
            active=self.active.data,
            locale=self.locale.data,
            valid_from=self.valid_from.data,
            valid_until=self.valid_until.data,
        )


class EntityForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("Nom de l'entité"), validators=[DataRequired(), Length(max=160)])
    phone = StringField(_l("Téléphone"), validators=[Optional(), Length(max=32)])
    email = EmailField(_l("Adresse email"), validators=[Optional(), Email(), Length(max=254)])
    overseas = BooleanField(_l("Section d'outre-mer (adresse de livraison non modifiable)"))
    delivery_address = StringField(_l("Adresse"), validators=[Length(max=255)])
    delivery_postcode = StringField(_l("Code postal"), validators=[Length(max=10)])
    delivery_city = StringField(_l("Ville"), validators=[Length(max=120)])
    billing_name = StringField(_l("Nom"), validators=[Length(max=160)])
    billing_address = StringField(_l("Adresse"), validators=[Length(max=255)])
    billing_postcode = StringField(_l("Code postal"), validators=[Length(max=10)])
    billing_city = StringField(_l("Ville"), validators=[Length(max=120)])
    active = BooleanField(_l("Entité active"), default=True)
    submit = SubmitField(_l("Enregistrer"))


ENTITY_FIELDS = (
    "code", "name", "phone", "email", "overseas", "active",
    "delivery_address", "delivery_postcode", "delivery_city",
    "billing_name", "billing_address", "billing_postcode", "billing_city",
)  # fmt: skip


@bp.get("/comptes")
@admin_required
def accounts_list():
    terms = request.args.get("q", "").strip()[:80]
    kind = request.args.get("type", "")
    entity_raw = request.args.get("entite", "")
    state = request.args.get("statut", "")
    query = select(Account).options(joinedload(Account.entity)).order_by(Account.identifier)
    if kind in {t.value for t in AccountType}:
        query = query.where(Account.account_type == AccountType(kind))
    if entity_raw.isdigit():
        query = query.where(Account.entity_id == int(entity_raw))
    if state == "actif":
        query = query.where(Account.active.is_(True), Account.password_hash.is_not(None))
    elif state == "invite":
        query = query.where(Account.active.is_(True), Account.password_hash.is_(None))
    elif state == "desactive":
        query = query.where(Account.active.is_(False))
    if terms:
        pattern = f"%{terms}%"
        query = query.where(
            or_(
                Account.identifier.ilike(pattern),
                Account.last_name.ilike(pattern),
                Account.first_name.ilike(pattern),
                Account.email.ilike(pattern),
            )
        )
    page = db.paginate(query, per_page=current_app.config["SHOP_PAGE_SIZE"], error_out=False)
    return render_template(
        "admin/accounts.html",
        page=page,
        terms=terms,
        filters={"type": kind, "entite": entity_raw, "statut": state},
        account_types=list(AccountType),
        entities=db.session.scalars(select(Entity).order_by(Entity.name)).all(),
    )


# The endpoint the home page sends admins to.
bp.add_url_rule("/", "accounts", accounts_list)


@bp.route("/comptes/nouveau", methods=["GET", "POST"])
@admin_required
def account_new():
    form = AccountForm()
    if form.validate_on_submit():
        try:
            account = accounts.create_account(form.to_data())
            audit.record(
                current_user, "account.create", account, after=audit.account_snapshot(account)
            )
        except DomainError as error:
            db.session.rollback()
            _field_error(form, error)
        else:
            db.session.commit()
            flash(
                _(
                    "Le compte %(identifier)s est créé ; un email d'invitation a été envoyé à "
                    "%(email)s.",
                    identifier=account.identifier,
                    email=account.email,
                ),
                "success",
            )
            return redirect(url_for("admin.accounts_list"))
    return render_template("admin/account_form.html", form=form, account=None)


@bp.route("/comptes/<int:account_id>", methods=["GET", "POST"])
@admin_required
def account_edit(account_id: int):
    account = db.session.get(Account, account_id) or abort(404)
    form = AccountForm(obj=account)
    if request.method == "GET":
        form.account_type.data = account.account_type.value
        form.attached_entity_ids.data = [e.id for e in account.attached_entities]
    if form.validate_on_submit():
        try:
            before = audit.account_snapshot(account)
            accounts.update_account(account, form.to_data())
            audit.record(
                current_user, "account.update", account, before, audit.account_snapshot(account)
            )
        except DomainError as error:
            db.session.rollback()
            _field_error(form, error)
        else:
            db.session.commit()
            flash(
                _("Le compte %(identifier)s est enregistré.", identifier=account.identifier),
                "success",
            )
            return redirect(url_for("admin.accounts_list"))
    basket = find_basket(account)
    return render_template("admin/account_form.html", form=form, account=account, basket=basket)


@bp.post("/comptes/<int:account_id>/invitation")
@admin_required
def account_invite(account_id: int):
    account = db.session.get(Account, account_id) or abort(404)
    accounts.send_invitation(account)
    db.session.commit()
    flash(_("Invitation envoyée à %(email)s.", email=account.email), "success")
    return redirect(url_for("admin.account_edit", account_id=account.id))


@bp.get("/entites")
@admin_required
def entities_list():
    terms = request.args.get("q", "").strip()[:80]
    query = select(Entity).order_by(Entity.name)
    if terms:
        pattern = f"%{terms}%"
        query = query.where(
            or_(
                Entity.name.ilike(pattern),
                Entity.code.ilike(pattern),
                Entity.delivery_city.ilike(pattern),
            )
        )
    page = db.paginate(query, per_page=50, error_out=False)
    return render_template("admin/entities.html", entities=page.items, page=page, terms=terms)


@bp.route("/entites/nouvelle", methods=["GET", "POST"])
@bp.route("/entites/<int:entity_id>", methods=["GET", "POST"])
@admin_required
def entity_edit(entity_id: int | None = None):
    entity = None
    if entity_id is not None:
        entity = db.session.get(Entity, entity_id) or abort(404)
    form = EntityForm(obj=entity)
    if form.validate_on_submit():
        duplicate = db.session.scalar(
            select(Entity.id).where(Entity.code == form.code.data.strip(), Entity.id != entity_id)
        )
        if duplicate is not None:
            form.code.errors.append(_("Ce code est déjà utilisé par une autre entité."))
        else:
            before = audit.snapshot(entity, list(ENTITY_FIELDS)) if entity is not None else {}
            if entity is None:
                entity = Entity()
                db.session.add(entity)
            for name in ENTITY_FIELDS:
                value = getattr(form, name).data
                setattr(entity, name, value.strip() if isinstance(value, str) else value)
            db.session.flush()
            audit.record(
                current_user,
                "entity.update" if before else "entity.create",
                entity,
                before,
                audit.snapshot(entity, list(ENTITY_FIELDS)),
            )
            db.session.commit()
            flash(_("L'entité %(name)s est enregistrée.", name=entity.name), "success")
            return redirect(url_for("admin.entities_list"))
    return render_template("admin/entity_form.html", form=form, entity=entity)


def _field_error(form: FlaskForm, error: DomainError) -> None:
    if not error_beside_field(form, error):
        flash(str(error), "danger")


@bp.get("/commandes-en-attente")
@admin_required
def pending_orders():
    """Saved orders waiting for validation: deadlines and reminder state."""
    query = (
        select(Order)
        .where(Order.status == OrderStatus.SAVED)
        .order_by(Order.deadline)
        .options(joinedload(Order.account), joinedload(Order.entity))
    )
    page = db.paginate(query, per_page=50, error_out=False)
    return render_template("admin/pending_orders.html", page=page, now=utcnow())


OUTBOX_FILTERS = {
    "attente": OutboxStatus.PENDING,
    "envoyes": OutboxStatus.SENT,
    "echecs": OutboxStatus.FAILED,
}


@bp.get("/emails")
@admin_required
def outbox():
    chosen = request.args.get("statut", "")
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if chosen in OUTBOX_FILTERS:
        query = query.where(OutboxMessage.status == OUTBOX_FILTERS[chosen])
    counts = dict(
        db.session.execute(
            select(OutboxMessage.status, func.count(OutboxMessage.id)).group_by(
                OutboxMessage.status
            )
        ).all()
    )
    page = db.paginate(query, per_page=50, error_out=False)
    return render_template(
        "admin/outbox.html", page=page, chosen=chosen, counts=counts, OutboxStatus=OutboxStatus
    )


@bp.post("/emails/<int:message_id>/renvoyer")
@admin_required
def outbox_retry(message_id: int):
    message = db.session.get(OutboxMessage, message_id) or abort(404)
    if message.status is OutboxStatus.SENT:
        flash(_("Cet email a déjà été envoyé."), "info")
    else:
        audit.record(
            current_user,
            "mail.retry",
            message,
            {"status": message.status.value},
            {"status": OutboxStatus.PENDING.value},
            label=f"{message.recipient}: {message.subject}"[:255],
        )
        message.status = OutboxStatus.PENDING
        message.next_attempt_at = utcnow()
        db.session.commit()
        relay_outbox()
        flash(
            _(
                "L'email à %(recipient)s est remis dans la file d'envoi.",
                recipient=message.recipient,
            ),
            "success",
        )
    return redirect(url_for("admin.outbox", statut=request.form.get("statut", "")))


@bp.get("/journal")
@admin_required
def audit_log():
    """Every admin change, newest first; search by who, what or on what."""
    terms = request.args.get("q", "").strip()[:80]
    query = (
        select(AuditEntry)
        .options(joinedload(AuditEntry.actor))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    )
    if terms:
        pattern = f"%{terms}%"
        query = query.outerjoin(AuditEntry.actor).where(
            or_(
                AuditEntry.action.ilike(pattern),
                AuditEntry.target_label.ilike(pattern),
                Account.identifier.ilike(pattern),
            )
        )
    page = db.paginate(query, per_page=50, error_out=False)
    return render_template("admin/audit.html", page=page, terms=terms)


@bp.get("/acces")
@admin_required
def access():
    """ "Gestion des accès": each account's invitation and activation state."""
    query = select(Account).options(joinedload(Account.entity)).order_by(Account.last_name)
    entity_raw = request.args.get("entite", "")
    if entity_raw.isdigit():
        query = query.where(Account.entity_id == int(entity_raw))
    page = db.paginate(query, per_page=100, error_out=False)
    pending = db.session.scalar(
        select(func.count(Account.id)).where(
            Account.active.is_(True), Account.password_hash.is_(None)
        )
    )
    return render_template(
        "admin/access.html",
        page=page,
        pending=pending,
        entities=db.session.scalars(select(Entity).order_by(Entity.name)).all(),
        entity_raw=entity_raw,
    )


@bp.post("/acces/invitations")
@admin_required
def send_invitations():
    """Invite every active account that has not chosen its password yet, at most once per
    ``SHOP_INVITATION_INTERVAL_HOURS``: pressing the button twice sends nothing twice."""
    sent = accounts.invite_pending(utcnow(), current_app.config["SHOP_INVITATION_INTERVAL_HOURS"])
    audit.record(current_user, "access.invite", current_user, after={"invitations": sent})
    db.session.commit()
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
                hours=current_app.config["SHOP_INVITATION_INTERVAL_HOURS"],
            ),
            "info",
        )
    return redirect(url_for("admin.access"))
