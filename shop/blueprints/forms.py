"""The forms of the shop's own pages (sign-in, Mon compte, the order, logistics, statistics).

Head office's forms are in :mod:`shop.blueprints.admin.forms`. A form checks the shape of what
was typed; the rules (may this order be validated, shipped…) are the domain's.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from markupsafe import Markup
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional
from wtforms.widgets import TextInput

from shop import accounts
from shop.addresses import Block
from shop.ordering import orders
from shop.ordering.carriers import CARRIERS
from shop.reporting.statistics import default_period
from shop.web.params import parse_int

# Dates outside these years are typing mistakes (and year 1 cannot be turned into UTC).
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2100, 12, 31)
ALL = ""  # the value of a drop-down's "Tous …" option


def strip(value):
    """A field filter: what was typed without the spaces around it (a pasted address often
    ends with one, which the e-mail check would refuse)."""
    return value.strip() if isinstance(value, str) else value


# --- auth ---


class LoginForm(FlaskForm):
    identifier = StringField(_l("Nom d'utilisateur"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Mot de passe"), validators=[DataRequired(), Length(max=256)])
    remember = BooleanField(_l("Rester connecté"))
    submit = SubmitField(_l("Connexion"))


class ForgotForm(FlaskForm):
    email = EmailField(
        _l("Votre adresse email"),
        filters=[strip],
        validators=[DataRequired(), Email(), Length(max=254)],
    )
    submit = SubmitField(_l("Envoyer la demande"))


class ChoosePasswordForm(FlaskForm):
    # Activation only: the person may change the e-mail address of reference.
    email = EmailField(
        _l("Votre adresse email de référence"),
        filters=[strip],
        validators=[Optional(), Email(), Length(max=254)],
    )
    password = PasswordField(
        _l("Nouveau mot de passe"),
        validators=[DataRequired(), Length(min=accounts.MIN_PASSWORD_LENGTH, max=256)],
    )
    confirm = PasswordField(
        _l("Confirmez le mot de passe"),
        validators=[
            DataRequired(),
            EqualTo("password", message=_l("Les deux mots de passe ne sont pas identiques.")),
        ],
    )
    submit = SubmitField(_l("Enregistrer le mot de passe"))


# --- account ---


# The guide's address block: its fields, their labels and input hints. The form checks
# only their size; required fields, postcode, phone and e-mail are the domain's
# (:func:`shop.addresses.clean_block`), so every page refuses ``ABC`` the same way.
BLOCK_FIELDS = (
    ("last_name", _l("Nom"), 80),
    ("first_name", _l("Prénom"), 80),
    ("email", _l("Adresse email"), 254),
    ("phone", _l("Téléphone"), 32),
    ("address", _l("Adresse"), 255),
    ("postcode", _l("Code postal"), 10),
    ("city", _l("Ville"), 120),
)
BLOCK_INPUTS = {
    "email": {"type": "email", "autocomplete": "email"},
    "phone": {"type": "tel", "autocomplete": "tel"},
    "postcode": {"inputmode": "numeric", "autocomplete": "postal-code"},
}


class BlockForm(FlaskForm):
    """A form holding one address block whose fields are named ``prefix`` + the block's."""

    prefix_: str = ""

    def block(self) -> Block:
        return Block(
            **{name: (getattr(self, self.prefix_ + name).data or "") for name in Block.names()}
        )


class CoordinatesForm(BlockForm):
    """« Coordonnées »: the holder's own block (no prefix)."""

    last_name = StringField(_l("Nom"), validators=[DataRequired(), Length(max=80)])
    first_name = StringField(_l("Prénom"), validators=[DataRequired(), Length(max=80)])
    email = EmailField(
        _l("Adresse email"),
        filters=[strip],
        validators=[DataRequired(), Email(), Length(max=254)],
    )
    phone = StringField(
        _l("Téléphone"), validators=[Optional(), Length(max=32)], render_kw=BLOCK_INPUTS["phone"]
    )
    address = StringField(_l("Adresse"), validators=[Optional(), Length(max=255)])
    postcode = StringField(
        _l("Code postal"),
        validators=[Optional(), Length(max=10)],
        render_kw=BLOCK_INPUTS["postcode"],
    )
    city = StringField(_l("Ville"), validators=[Optional(), Length(max=120)])
    submit = SubmitField(_l("Enregistrer les modifications"))


def block_form(prefix: str, submit: str) -> type[BlockForm]:
    form = type(f"{prefix.strip('_').title()}Form", (BlockForm,), {"prefix_": prefix})
    for name, label, size in BLOCK_FIELDS:
        field = StringField(
            label, validators=[Optional(), Length(max=size)], render_kw=BLOCK_INPUTS.get(name)
        )
        setattr(form, prefix + name, field)
    form.submit = SubmitField(submit)
    return form


DeliveryForm = block_form("delivery_", _l("Enregistrer les modifications"))
BillingForm = block_form("billing_", _l("Enregistrer les modifications"))
BasketDeliveryForm = block_form("delivery_", _l("Enregistrer l'adresse de livraison"))


# --- orders ---


class ValidateForm(FlaskForm):
    reference = StringField(
        _l("Votre référence pour cette commande (facultatif)"),
        validators=[Optional(), Length(max=64)],
    )
    delivery_name = StringField(_l("Destinataire"), validators=[DataRequired(), Length(max=160)])
    delivery_address = StringField(_l("Adresse"), validators=[DataRequired(), Length(max=255)])
    delivery_postcode = StringField(_l("Code postal"), validators=[DataRequired(), Length(max=10)])
    delivery_city = StringField(_l("Ville"), validators=[DataRequired(), Length(max=120)])
    delivery_phone = StringField(
        _l("Téléphone"), validators=[Optional(), Length(max=32)], render_kw=BLOCK_INPUTS["phone"]
    )
    delivery_last_name = StringField(_l("Nom"), validators=[Optional(), Length(max=80)])
    delivery_first_name = StringField(_l("Prénom"), validators=[Optional(), Length(max=80)])
    delivery_email = StringField(
        _l("Adresse email"),
        validators=[Optional(), Length(max=254)],
        render_kw=BLOCK_INPUTS["email"],
    )
    ansh_number = StringField(_l("N° ANSH à renseigner"), validators=[Length(max=32)])
    # The shipping fee H.T. the page showed, in cents: a new fee is confirmed by validating
    # again once it has been shown (validation.ShippingChanged).
    shipping_seen = HiddenField()
    submit = SubmitField(_l("Valider votre commande"))

    def seen_fee(self) -> Decimal | None:
        cents = parse_int(self.shipping_seen.data)
        return None if cents is None else Decimal(cents) / 100

    def show_fee(self, fee: Decimal) -> None:
        self.shipping_seen.data = str(int(fee * 100))

    def delivery(self) -> orders.DeliveryAddress:
        return orders.DeliveryAddress(
            name=self.delivery_name.data.strip(),
            address=self.delivery_address.data.strip(),
            postcode=self.delivery_postcode.data.strip(),
            city=self.delivery_city.data.strip(),
            phone=(self.delivery_phone.data or "").strip(),
            last_name=(self.delivery_last_name.data or "").strip(),
            first_name=(self.delivery_first_name.data or "").strip(),
            email=(self.delivery_email.data or "").strip(),
        )


# --- fulfilment ---


class ShipForm(FlaskForm):
    carrier = SelectField(_l("Transporteur"), choices=[SelectChoice(c, c) for c in CARRIERS])
    tracking_number = StringField(
        _l("Numéro de suivi"), validators=[DataRequired(), Length(max=64)]
    )
    tracking_url = StringField(
        _l("Lien de suivi (facultatif : sinon celui du transporteur)"),
        validators=[Optional(), Length(max=500)],
    )
    submit = SubmitField(_l("Marquer « Expédiée »"))


class CancelForm(FlaskForm):
    reason = StringField(_l("Motif de l'annulation"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Annuler la commande"))


class ShipmentImportForm(FlaskForm):
    file = FileField(
        _l("Fichier CSV des expéditions"),
        validators=[FileRequired()],
        render_kw={"accept": ".csv,text/csv"},
    )
    submit = SubmitField(_l("Importer les expéditions"))


# --- statistics ---


class FrenchDateInput(TextInput):
    """A text box for a day, with its format said under it: a native date picker would
    show the day in the browser's language (« 12/02/2026 » for 2 December in English)."""

    def __call__(self, field, **kwargs):
        hint = f"{field.id}-format"
        described = " ".join(filter(None, [kwargs.pop("aria-describedby", ""), hint]))
        kwargs.setdefault("placeholder", _("jj/mm/aaaa"))
        kwargs.setdefault("inputmode", "numeric")
        kwargs.setdefault("autocomplete", "off")
        kwargs.setdefault("maxlength", 10)
        control = super().__call__(field, **{"aria-describedby": described}, **kwargs)
        note = Markup('<div class="form-text" id="{}">{}</div>')
        return control + note.format(hint, _("Format : jj/mm/aaaa"))


class FrenchDateField(DateField):
    """A day typed jj/mm/aaaa (aaaa-mm-jj, the ISO form links carry, is accepted too) and
    shown jj/mm/aaaa whatever the browser's language; empty is no date (a required one says
    so with ``DataRequired``). Every date field of the shop is one of these, so dates are
    typed the French way everywhere."""

    widget = FrenchDateInput()

    def __init__(self, label, **kwargs):
        super().__init__(label, format=["%d/%m/%Y", "%Y-%m-%d"], **kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(self.raw_data)
        return self.data.strftime("%d/%m/%Y") if self.data else ""

    def process_formdata(self, valuelist):
        self.data = None
        raw = " ".join(valuelist).strip()
        if not raw:
            return
        try:
            super().process_formdata([raw])
        except ValueError as error:
            raise ValueError(
                _("Date non valide : saisissez une date au format jj/mm/aaaa.")
            ) from error
        if not FIRST_DAY <= self.data <= LAST_DAY:
            self.data = None
            raise ValueError(_("Date non valide : choisissez une date entre 1900 et 2100."))


class IdSelectField(SelectField):
    """A drop-down of database ids whose first option ("Tous …", empty value) means None.

    Anything else than one of the listed ids (a deleted product, a hand-edited URL) is a
    validation error with its own message, never a 500.
    """

    def __init__(self, label, unknown, **kwargs):
        super().__init__(label, coerce=self._coerce, **kwargs)
        self.unknown = unknown

    @staticmethod
    def _coerce(value):
        return None if value in (ALL, None) else int(value)

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist or valuelist[0].strip() == "":
            return
        self.data = parse_int(valuelist[0], minimum=1)
        if self.data is None:
            raise ValueError(str(self.unknown))

    def pre_validate(self, form):
        listed = {choice.value for choice in self.choices if choice.value != ALL}
        if self.data is not None and self.data not in listed:
            raise ValidationError(str(self.unknown))


class StatisticsForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter: it reads, never changes anything

    produit = IdSelectField(
        _l("Produit"), unknown=_l("Produit inconnu : choisissez un produit de la liste.")
    )
    du = FrenchDateField(_l("Commandes passées entre le"))
    au = FrenchDateField(_l("et le"))

    def validate_au(self, field):
        if self.du.data and field.data and self.du.data > field.data:
            raise ValidationError(
                _("La date de fin doit être postérieure ou égale à la date de début.")
            )

    def period(self, today: date) -> tuple[date, date]:
        """The days chosen; no end: today (or the start, if later); no start: the 12 calendar
        months up to the end."""
        date_to = self.au.data or max(today, self.du.data or today)
        date_from = self.du.data or default_period(date_to)[0]
        return date_from, date_to


class AdminStatisticsForm(StatisticsForm):
    entite = IdSelectField(_l("Entité"), unknown=_l("Entité inconnue."))
    compte = IdSelectField(_l("Compte"), unknown=_l("Compte inconnu."))
