"""The forms of the head-office pages, and the fields they share (French numbers and dates).

Every admin form lives here; the views import them. Choices come from the domain modules.
"""

from __future__ import annotations

import re
from dataclasses import fields
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    Optional,
    Regexp,
    StopValidation,
    ValidationError,
)

from shop import accounts
from shop.accounts.entities import EntityData, all_entities
from shop.blueprints.forms import FrenchDateField, strip
from shop.catalog import admin as catalog_admin
from shop.catalog.quantities import MAX_ORDER_QUANTITY
from shop.models import AccountType, ShopKind
from shop.quota.admin import MAX_MONTHLY_QUOTA
from shop.templating import decimal, money

# --- Fields: French numbers ("12,50"), French messages --------------------------------------


class CheckboxListField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class _NumberField(StringField):
    """A number typed as text: empty gives None, anything else must parse or is refused."""

    # Long enough that a number too large is told its bound rather than "not a number".
    pattern = re.compile(r"^[+-]?[0-9]{1,30}$")
    invalid = _l("Saisissez un nombre entier, par exemple 10.")

    def parse(self, raw: str):
        return int(raw)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = valuelist[0].strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
        self.data = None
        if raw == "":
            return
        if not self.pattern.match(raw):
            raise ValueError(str(self.invalid))
        try:
            self.data = self.parse(raw)
        except (ValueError, InvalidOperation) as error:
            raise ValueError(str(self.invalid)) from error

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)


class IntegerInput(_NumberField):
    pass


class DecimalInput(_NumberField):
    """A decimal typed and shown the French way: « 12,50 », a comma (a point is accepted).

    ``places`` fixes the decimals shown (2 for an amount: « 1,00 »); without it, a stored
    value shows no useless zero (a rate of 20.00 reads « 20 », 5.50 « 5,5 »).
    """

    pattern = re.compile(r"^[+-]?[0-9]{1,30}([.,][0-9]{1,6})?$")
    invalid = _l("Saisissez un nombre, par exemple 12,50.")

    def __init__(self, *args, places: int | None = None, percent: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.places = places
        self.percent = percent  # a rate: « 5,5 % » is read as 5,5

    # « 1.575,00 »: points group the thousands when a comma marks the decimals.
    grouped_by_points = re.compile(r"^([+-]?[0-9]{1,3}(?:\.[0-9]{3})+),([0-9]+)$")

    def process_formdata(self, valuelist):
        if valuelist:
            raw = valuelist[0].strip()
            if self.percent:
                raw = raw.removesuffix("%").strip()
            if match := self.grouped_by_points.match(raw):
                raw = f"{match.group(1).replace('.', '')},{match.group(2)}"
            valuelist = [raw]
        super().process_formdata(valuelist)

    def parse(self, raw: str):
        return Decimal(raw.replace(",", "."))

    def _value(self) -> str:
        if self.raw_data or self.data is None:
            return super()._value()
        value = Decimal(self.data)
        if self.places is not None:
            text = f"{value:.{self.places}f}"
        else:
            text = f"{value.normalize():f}" if value != value.to_integral() else f"{value:.0f}"
        return text.replace(".", ",")


class Between:
    """min <= value <= max when there is a value (parse errors are already reported).

    ``message`` says what is wrong below the minimum; ``too_high``, when given, above the
    maximum, with ``%(max)s`` shown the reader's way (``show``: a number, or money).
    """

    def __init__(self, minimum=None, maximum=None, message=None, too_high=None, show=None):
        self.minimum, self.maximum, self.message = minimum, maximum, message
        self.too_high, self.show = too_high, show or decimal

    def __call__(self, form, field):
        value = field.data
        if value is None:
            return
        if self.maximum is not None and value > self.maximum and self.too_high is not None:
            raise StopValidation(str(self.too_high) % {"max": self.show(self.maximum)})
        if (self.minimum is not None and value < self.minimum) or (
            self.maximum is not None and value > self.maximum
        ):
            raise StopValidation(str(self.message))


def _required(message):
    return InputRequired(message=message)


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- Accounts and entities --------------------------------------------------------------


class AccountForm(FlaskForm):
    identifier = StringField(
        _l("Identifiant"),
        filters=[strip],
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
    email = EmailField(
        _l("Adresse email"),
        filters=[strip],
        validators=[DataRequired(), Email(), Length(max=254)],
    )
    phone = StringField(_l("Téléphone"), validators=[Optional(), Length(max=32)])
    entity_id = SelectField(_l("Entité"), coerce=int)
    attached_entity_ids = CheckboxListField(_l("Entités rattachées"), coerce=int)
    locale = SelectField(
        _l("Langue des emails"),
        choices=[SelectChoice("fr", "Français"), SelectChoice("en", "English")],
    )
    active = BooleanField(_l("Compte actif"), default=True)
    valid_from = FrenchDateField(_l("Début du mandat (facultatif)"))
    valid_until = FrenchDateField(_l("Fin du mandat (facultatif)"))
    submit = SubmitField(_l("Enregistrer"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Translated labels for the types, in the admin's language at request time.
        self.account_type.choices = [SelectChoice(t.value, t.label) for t in AccountType]
        entities = all_entities()
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
    email = EmailField(
        _l("Adresse email"), filters=[strip], validators=[Optional(), Email(), Length(max=254)]
    )
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

    def to_data(self) -> EntityData:
        values = {item.name: getattr(self, item.name).data for item in fields(EntityData)}
        return EntityData(**{name: "" if v is None else v for name, v in values.items()})


# --- Catalog and stock ------------------------------------------------------------------

MAX = catalog_admin.MAX_NUMBER


def _category_label(category) -> str:
    """A category among the product form's choices: a deactivated one says so (a product
    may be prepared there before the category opens)."""
    if category.active:
        return category.name
    return str(_l("%(name)s (désactivée)", name=category.name))


class ProductForm(FlaskForm):
    reference = StringField(
        _l("Référence"),
        validators=[
            _required(_l("Indiquez la référence du produit.")),
            Length(max=64, message=_l("64 caractères au plus.")),
        ],
    )
    name = StringField(
        _l("Nom"),
        validators=[
            _required(_l("Indiquez le nom du produit.")),
            Length(max=200, message=_l("200 caractères au plus.")),
        ],
    )
    description = TextAreaField(_l("Description"))
    category_id = SelectField(_l("Catégorie"), coerce=_int_or_none, validate_choice=False)
    unit_price = DecimalInput(
        _l("Prix unitaire HT (€)"),
        places=2,
        validators=[
            _required(_l("Indiquez le prix unitaire HT.")),
            Between(
                Decimal("0"),
                catalog_admin.MAX_PRICE,
                _l("Le prix unitaire HT doit être un montant positif ou nul."),
                too_high=catalog_admin.PRICE_TOO_HIGH,
                show=money,
            ),
        ],
    )
    vat_rate = DecimalInput(
        _l("Taux de TVA (en pourcentage)"),
        default=Decimal("20.00"),
        percent=True,
        validators=[
            _required(_l("Indiquez le taux de TVA.")),
            Between(
                Decimal("0"),
                Decimal("99.99"),
                _l("Le taux de TVA doit être compris entre 0 et 100 (100 exclu)."),
            ),
        ],
    )
    min_quantity = IntegerInput(
        _l("Quantité minimale"),
        default=1,
        validators=[
            _required(_l("Indiquez la quantité minimale.")),
            Between(
                1,
                MAX,
                _l("La quantité minimale doit être d'au moins 1."),
                too_high=_l("La quantité minimale ne peut dépasser %(max)s."),
            ),
        ],
    )
    max_quantity = IntegerInput(
        _l("Quantité maximale"),
        default=100,
        validators=[
            _required(_l("Indiquez la quantité maximale.")),
            Between(1, MAX_ORDER_QUANTITY, catalog_admin.MAX_QUANTITY_MESSAGE),
        ],
    )
    quantity_step = IntegerInput(
        _l("Pas de quantité"),
        default=1,
        validators=[
            _required(_l("Indiquez le pas de quantité.")),
            Between(
                1,
                MAX,
                _l("Le pas de quantité doit être d'au moins 1."),
                too_high=_l("Le pas de quantité ne peut dépasser %(max)s."),
            ),
        ],
    )
    weight_grams = IntegerInput(
        _l("Poids unitaire (grammes)"),
        default=0,
        validators=[
            _required(_l("Indiquez le poids unitaire.")),
            Between(
                0,
                MAX,
                _l("Le poids doit être positif ou nul."),
                too_high=_l("Le poids ne peut dépasser %(max)s grammes."),
            ),
        ],
    )
    orderable_from = FrenchDateField(_l("Commandable à partir du (facultatif)"))
    monthly_quota = IntegerInput(
        _l("Quota mensuel par entité (facultatif)"),
        validators=[
            Between(
                0,
                MAX_MONTHLY_QUOTA,
                _l("Le quota mensuel doit être positif ou nul."),
                too_high=_l("Le quota mensuel doit être un nombre entier de 0 à %(max)s."),
            )
        ],
    )
    active = BooleanField(_l("Produit actif (proposé à la commande)"), default=True)
    submit = SubmitField(_l("Enregistrer"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        groups = {
            kind.label: [(c.id, _category_label(c)) for c in categories]
            for kind, categories in catalog_admin.categories_by_shop().items()
        }
        self.category_id.choices = groups
        self._category_ids = {value for choices in groups.values() for value, _label in choices}

    def validate_category_id(self, field):
        if field.data not in self._category_ids:
            raise ValidationError(str(_l("Choisissez une catégorie.")))

    def validate_max_quantity(self, field):
        low = self.min_quantity.data
        if field.data is not None and low is not None and field.data < low:
            raise ValidationError(
                str(
                    _l("La quantité maximale doit être supérieure ou égale à la quantité minimale.")
                )
            )

    def to_data(self) -> catalog_admin.ProductData:
        return catalog_admin.ProductData(
            reference=self.reference.data or "",
            name=self.name.data or "",
            description=self.description.data or "",
            category_id=self.category_id.data,
            unit_price=self.unit_price.data,
            vat_rate=self.vat_rate.data,
            min_quantity=self.min_quantity.data,
            max_quantity=self.max_quantity.data,
            quantity_step=self.quantity_step.data,
            weight_grams=self.weight_grams.data,
            orderable_from=self.orderable_from.data,
            monthly_quota=self.monthly_quota.data,
            active=bool(self.active.data),
        )


class ImageForm(FlaskForm):
    image = FileField(
        _l("Image du produit (PNG, JPEG ou WebP, 2 Mo au plus)"),
        validators=[FileRequired(message=_l("Choisissez une image à envoyer."))],
    )
    submit_image = SubmitField(_l("Envoyer l'image"))


class StockForm(FlaskForm):
    delta = IntegerInput(
        _l("Quantité (positive pour ajouter, négative pour retirer)"),
        validators=[_required(_l("Indiquez la quantité à ajouter ou à retirer."))],
    )
    reason = StringField(
        _l("Motif"),
        render_kw={"list": "stock-reasons"},
        validators=[
            _required(_l("Indiquez le motif du mouvement de stock.")),
            Length(max=255, message=_l("Le motif ne doit pas dépasser 255 caractères.")),
        ],
    )
    submit = SubmitField(_l("Enregistrer le mouvement"))


class CategoryForm(FlaskForm):
    """A new category: its shop and its name (renaming shows the name alone)."""

    shop = SelectField(_l("Boutique"), validate_choice=False)
    name = StringField(
        _l("Nom de la catégorie"),
        validators=[
            _required(_l("Indiquez le nom de la catégorie.")),
            Length(max=120, message=_l("120 caractères au plus.")),
        ],
    )
    submit = SubmitField(_l("Enregistrer"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.shop.choices = [SelectChoice(kind.value, kind.label) for kind in ShopKind]

    def validate_shop(self, field):
        if self.shop_kind is None:
            raise ValidationError(str(_l("Choisissez une boutique.")))

    @property
    def shop_kind(self) -> ShopKind | None:
        return next((kind for kind in ShopKind if kind.value == self.shop.data), None)


class CategoryNameForm(FlaskForm):
    name = CategoryForm.name
    submit = SubmitField(_l("Enregistrer"))


# --- Roster and API clients -------------------------------------------------------------


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


class ApiClientForm(FlaskForm):
    name = StringField(_l("Nom du client"), validators=[DataRequired(), Length(max=120)])
    shop = SelectField(_l("Boutique"))
    submit = SubmitField(_l("Créer le client et son jeton"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.shop.choices = [SelectChoice(kind.value, kind.label) for kind in ShopKind]
