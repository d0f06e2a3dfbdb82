"""Head-office administration of the catalog and the stock (Administrateur siège only).

Also registers, on the application, the route serving uploaded product pictures
(``/media/products/<name>``, for every signed-in user) and the ``product_image_url(product)``
template global that gives a product's picture URL, uploaded or static.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.utils import secure_filename
from wtforms import BooleanField, DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, StopValidation, ValidationError

from shop.blueprints.guards import admin_required
from shop.catalog import admin as catalog_admin
from shop.clock import utcnow
from shop.errors import DomainError
from shop.extensions import db
from shop.models import Category, Product, ShopKind, StockMovement
from shop.web.boundary import error_beside_field
from shop.web.params import enum_value

bp = Blueprint("admin_catalog", __name__, url_prefix="/admin")

DEFAULT_IMAGE = "img/products/default.svg"
STOCK_REASONS = [
    _l("Réception fournisseur"),
    _l("Inventaire"),
    _l("Casse"),
    _l("Retour client"),
    _l("Correction d'erreur de saisie"),
]
STATUS_FILTERS = {"actifs": True, "inactifs": False}


# --- Form fields: French numbers ("12,50"), French messages -----------------------------


class _NumberField(StringField):
    """A number typed as text: empty gives None, anything else must parse or is refused."""

    pattern = re.compile(r"^[+-]?\d{1,12}$")
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
    pattern = re.compile(r"^[+-]?\d{1,12}([.,]\d{1,6})?$")
    invalid = _l("Saisissez un nombre, par exemple 12,50.")

    def parse(self, raw: str):
        return Decimal(raw.replace(",", "."))


class FrenchDateField(DateField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(str(_l("Saisissez une date valide (jj/mm/aaaa)."))) from error


class Between:
    """min <= value <= max when there is a value (parse errors are already reported)."""

    def __init__(self, minimum=None, maximum=None, message=None):
        self.minimum, self.maximum, self.message = minimum, maximum, message

    def __call__(self, form, field):
        value = field.data
        if value is None:
            return
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


MAX = catalog_admin.MAX_NUMBER


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
        validators=[
            _required(_l("Indiquez le prix unitaire HT.")),
            Between(
                Decimal("0"),
                catalog_admin.MAX_PRICE,
                _l("Le prix unitaire HT doit être un montant positif ou nul."),
            ),
        ],
    )
    vat_rate = DecimalInput(
        _l("Taux de TVA (en pourcentage)"),
        default=Decimal("20.00"),
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
            Between(1, MAX, _l("La quantité minimale doit être d'au moins 1.")),
        ],
    )
    max_quantity = IntegerInput(
        _l("Quantité maximale"),
        default=100,
        validators=[
            _required(_l("Indiquez la quantité maximale.")),
            Between(1, MAX, _l("La quantité maximale doit être d'au moins 1.")),
        ],
    )
    quantity_step = IntegerInput(
        _l("Pas de quantité"),
        default=1,
        validators=[
            _required(_l("Indiquez le pas de quantité.")),
            Between(1, MAX, _l("Le pas de quantité doit être d'au moins 1.")),
        ],
    )
    weight_grams = IntegerInput(
        _l("Poids unitaire (grammes)"),
        default=0,
        validators=[
            _required(_l("Indiquez le poids unitaire.")),
            Between(0, MAX, _l("Le poids doit être positif ou nul.")),
        ],
    )
    orderable_from = FrenchDateField(_l("Commandable à partir du (facultatif)"))
    monthly_quota = IntegerInput(
        _l("Quota mensuel par entité (facultatif)"),
        validators=[Between(0, MAX, _l("Le quota mensuel doit être positif ou nul."))],
    )
    active = BooleanField(_l("Produit actif (proposé à la commande)"), default=True)
    submit = SubmitField(_l("Enregistrer"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        groups: dict[str, list[tuple[int, str]]] = {}
        for kind in (ShopKind.PRINTED, ShopKind.OBJECTS):
            categories = db.session.scalars(
                select(Category)
                .where(Category.shop == kind)
                .order_by(Category.position, Category.name)
            )
            groups[kind.label] = [(c.id, c.name) for c in categories]
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


# --- Helpers ----------------------------------------------------------------------------


def _field_error(form: FlaskForm, error: DomainError) -> None:
    if not error_beside_field(form, error):
        flash(str(error), "danger")


def _upload_folder() -> Path:
    root = current_app.config.get("SHOP_UPLOAD_FOLDER") or Path(
        current_app.instance_path, "uploads"
    )
    return Path(root) / "products"


def _product_or_404(product_id: int) -> Product:
    return db.session.get(Product, product_id) or abort(404)


@bp.app_template_global("product_image_url")
def product_image_url(product) -> str:
    """The picture of a product: an uploaded file, a static picture, or the default one."""
    image = getattr(product, "image", None) or DEFAULT_IMAGE
    if image.startswith(catalog_admin.UPLOAD_PREFIX):
        return url_for("product_media", name=image.removeprefix(catalog_admin.UPLOAD_PREFIX))
    return url_for("static", filename=image)


@login_required
def product_media(name: str):
    """Uploaded product pictures, for every signed-in user (the catalog shows them)."""
    extension = name.rpartition(".")[2]
    if secure_filename(name) != name or extension not in catalog_admin.IMAGE_MIMETYPES:
        abort(404)
    response = send_from_directory(
        _upload_folder(), name, mimetype=catalog_admin.IMAGE_MIMETYPES[extension]
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.record_once
def _register_media_route(state) -> None:
    # Outside /admin: shop users see the pictures too.
    state.app.add_url_rule("/media/products/<name>", "product_media", product_media)


# --- Products ---------------------------------------------------------------------------


@bp.get("/produits")
@admin_required
def products():
    terms = request.args.get("q", "").strip()[:80]
    shop_value = request.args.get("boutique", "")
    shop = enum_value(ShopKind, shop_value)
    category_id = _int_or_none(request.args.get("categorie", ""))
    status = request.args.get("statut", "")
    query = catalog_admin.admin_products(terms, shop, category_id, STATUS_FILTERS.get(status))
    page = db.paginate(query, per_page=current_app.config["SHOP_PAGE_SIZE"], error_out=False)
    categories = db.session.scalars(
        select(Category).order_by(Category.shop, Category.position, Category.name)
    ).all()
    filters = {
        "q": terms,
        "boutique": shop.value if shop else "",
        "categorie": category_id or "",
        "statut": status if status in STATUS_FILTERS else "",
    }
    return render_template(
        "admin/catalog/products.html",
        page=page,
        filters=filters,
        categories=categories,
        shops=[ShopKind.PRINTED, ShopKind.OBJECTS],
    )


@bp.route("/produits/nouveau", methods=["GET", "POST"])
@admin_required
def product_new():
    form = ProductForm()
    if form.validate_on_submit():
        try:
            product = catalog_admin.create_product(form.to_data(), current_user)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            _field_error(form, error)
        except IntegrityError:
            db.session.rollback()
            form.reference.errors = [
                *form.reference.errors,
                _("Cette référence est déjà utilisée par un autre produit."),
            ]
        else:
            flash(
                _(
                    "Le produit %(reference)s est créé, sans stock : ajoutez-en depuis la "
                    "page Stock.",
                    reference=product.reference,
                ),
                "success",
            )
            return redirect(url_for("admin_catalog.product_edit", product_id=product.id))
    return render_template("admin/catalog/product_form.html", form=form, product=None)


@bp.route("/produits/<int:product_id>", methods=["GET", "POST"])
@admin_required
def product_edit(product_id: int):
    product = _product_or_404(product_id)
    form = ProductForm(obj=product)
    if form.validate_on_submit():
        try:
            catalog_admin.update_product(product, form.to_data(), current_user)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            _field_error(form, error)
        except IntegrityError:
            db.session.rollback()
            form.reference.errors = [
                *form.reference.errors,
                _("Cette référence est déjà utilisée par un autre produit."),
            ]
        else:
            flash(
                _("Le produit %(reference)s est enregistré.", reference=product.reference),
                "success",
            )
            return redirect(url_for("admin_catalog.products"))
    product = _product_or_404(product_id)  # as stored, after a rollback too
    return render_template(
        "admin/catalog/product_form.html", form=form, product=product, image_form=ImageForm()
    )


@bp.post("/produits/<int:product_id>/image")
@admin_required
def product_image(product_id: int):
    product = _product_or_404(product_id)
    image_form = ImageForm()
    if image_form.validate_on_submit():
        upload = image_form.image.data
        content = upload.stream.read(catalog_admin.MAX_IMAGE_BYTES + 1)
        written = None
        try:
            written = catalog_admin.store_product_image(
                product, content, _upload_folder(), current_user
            )
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            _field_error(image_form, error)
        except Exception:
            db.session.rollback()
            if written:
                Path(written).unlink(missing_ok=True)
            raise
        else:
            flash(
                _("L'image du produit %(reference)s est enregistrée.", reference=product.reference),
                "success",
            )
            return redirect(url_for("admin_catalog.product_edit", product_id=product.id))
    product = _product_or_404(product_id)
    return render_template(
        "admin/catalog/product_form.html",
        form=ProductForm(obj=product, formdata=None),
        product=product,
        image_form=image_form,
    )


@bp.post("/produits/<int:product_id>/activation")
@admin_required
def product_activation(product_id: int):
    """Deactivate or reactivate: products are never deleted, orders refer to them."""
    product = _product_or_404(product_id)
    active = request.form.get("active") == "1"
    catalog_admin.set_active(product, active, current_user)
    db.session.commit()
    if active:
        flash(_("Le produit %(reference)s est réactivé.", reference=product.reference), "success")
    else:
        flash(
            _(
                "Le produit %(reference)s est désactivé : il n'est plus proposé à la commande.",
                reference=product.reference,
            ),
            "success",
        )
    return redirect(url_for("admin_catalog.product_edit", product_id=product.id))


# --- Stock ------------------------------------------------------------------------------


@bp.get("/stock")
@admin_required
def stock():
    terms = request.args.get("q", "").strip()[:80]
    query = catalog_admin.admin_products(terms)
    page = db.paginate(query, per_page=current_app.config["SHOP_PAGE_SIZE"], error_out=False)
    latest = db.session.execute(
        catalog_admin.movements()
        .add_columns(Product.reference, Product.name)
        .join(Product, Product.id == StockMovement.product_id)
        .limit(15)
    ).all()
    return render_template("admin/catalog/stock.html", page=page, terms=terms, latest=latest)


def _render_history(product: Product, form: StockForm):
    page = db.paginate(catalog_admin.movements(product.id), per_page=50, error_out=False)
    return render_template(
        "admin/catalog/stock_history.html",
        product=product,
        form=form,
        page=page,
        reasons=[str(r) for r in STOCK_REASONS],
    )


@bp.get("/stock/<int:product_id>")
@admin_required
def stock_history(product_id: int):
    return _render_history(_product_or_404(product_id), StockForm())


@bp.post("/stock/<int:product_id>")
@admin_required
def stock_adjust(product_id: int):
    product = _product_or_404(product_id)
    form = StockForm()
    if form.validate_on_submit():
        try:
            movement = catalog_admin.adjust_stock(
                product.id, form.delta.data, form.reason.data, current_user, utcnow()
            )
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            _field_error(form, error)
        except IntegrityError:  # the CHECK constraints: never below what is reserved
            db.session.rollback()
            form.delta.errors = [
                *form.delta.errors,
                _("La quantité réservée ne peut pas être retirée."),
            ]
        else:
            flash(
                _(
                    "Stock de %(reference)s : %(delta)s, soit %(stock)s en stock.",
                    reference=product.reference,
                    delta=f"{movement.delta:+d}",
                    stock=movement.stock_after,
                ),
                "success",
            )
            return redirect(url_for("admin_catalog.stock_history", product_id=product.id))
    return _render_history(_product_or_404(product_id), form)
