"""After validation: the logistician's dispatch pages and head office's invoicing.

Logisticians and admins see the same pages; the buttons on an order are the transitions the
state machine (shop.ordering.workflow) allows the signed-in account's role in the order's
state, and every action goes through it again on the server.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.exceptions import NotFound

from shop.blueprints.forms import CancelForm, ShipForm, ShipmentImportForm
from shop.blueprints.guards import staff_required
from shop.clock import utcnow
from shop.documents.picking import picking_list_pdf
from shop.extensions import db
from shop.models import DeliveryStatus, InvoiceStatus, Order, OrderStatus, ShopKind
from shop.ordering import fulfilment, workflow
from shop.ordering.carriers import CARRIERS, planned_carrier
from shop.ordering.orders import order_totals
from shop.ordering.workflow import Actor
from shop.web.boundary import on_refusal
from shop.web.params import enum_value, parse_int

bp = Blueprint("fulfilment", __name__, url_prefix="/logistique")

MAX_SELECTED = 500


def _actor() -> Actor:
    return Actor.of(current_user)


def _shop_filter() -> ShopKind | None:
    return enum_value(ShopKind, request.args.get("boutique"))


def _selected_ids(source) -> list[int]:
    """The ticked orders: 400 for anything else than up to MAX_SELECTED ids."""
    raw = source.getlist("order_id")[: MAX_SELECTED + 1]
    ids = [parse_int(value, minimum=1) for value in raw]
    if len(ids) > MAX_SELECTED or None in ids:
        abort(400)
    return sorted(set(ids))


def _validated_order_or_404(order_id: int) -> Order:
    order = fulfilment.validated_order(order_id)
    if order is None:
        abort(404)
    return order


@bp.errorhandler(fulfilment.OrderMissing)
def _order_missing(_error: fulfilment.OrderMissing):
    """An order that is not a validated one is an unknown page here, as in the URL."""
    return current_app.handle_http_exception(NotFound())


@bp.get("/")
@staff_required
def prepare():
    """ "Commandes à préparer": validated orders waiting for the weekly dispatch, grouped by
    delivery address (orders for one place travel together)."""
    shop = _shop_filter()
    orders = fulfilment.orders_to_prepare(shop)
    return render_template(
        "fulfilment/prepare.html",
        groups=fulfilment.group_by_address(orders),
        count=len(orders),
        shop=shop,
        ShopKind=ShopKind,
        DeliveryStatus=DeliveryStatus,
    )


@bp.post("/mutualiser")
@staff_required
def pool_selected():
    ids = _selected_ids(request.form)
    if not ids:
        flash(_("Sélectionnez au moins une commande."), "warning")
        return redirect(url_for("fulfilment.prepare"))
    on_refusal(back=url_for("fulfilment.prepare"))
    pooled = fulfilment.pool(ids, _actor(), utcnow())
    flash(
        ngettext(
            "%(num)s commande marquée « En cours de mutualisation ».",
            "%(num)s commandes marquées « En cours de mutualisation ».",
            len(pooled),
        ),
        "success",
    )
    return redirect(url_for("fulfilment.prepare"))


@bp.route("/bon-de-preparation.pdf", methods=["GET", "POST"])
@staff_required
def picking_list():
    """The picking list / delivery note: the orders ticked on the page (posted with the
    selection form, its CSRF token kept out of the URL) or named in the query, or all
    those to prepare."""
    ids = _selected_ids(request.form if request.method == "POST" else request.args)
    if request.method == "POST" and not ids:
        flash(_("Sélectionnez au moins une commande."), "warning")
        return redirect(url_for("fulfilment.prepare"))
    orders = fulfilment.orders_to_prepare(_shop_filter(), ids or None)
    if not orders:
        flash(_("Aucune commande à préparer."), "info")
        return redirect(url_for("fulfilment.prepare"))
    now = utcnow()
    response = make_response(picking_list_pdf(fulfilment.group_by_address(orders), now))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="bon-de-preparation-{now:%Y%m%d-%H%M}.pdf"'
    )
    return response


CANCELLED = "annulee"  # the delivery filter's extra choice: the cancelled orders


@bp.get("/commandes")
@staff_required
def orders_list():
    """Every validated order, filtered by delivery and invoicing status or by number."""
    delivery = enum_value(DeliveryStatus, request.args.get("livraison"))
    invoice = enum_value(InvoiceStatus, request.args.get("facturation"))
    cancelled = request.args.get("livraison") == CANCELLED
    number = request.args.get("q", "").strip().upper()[:20]
    query = fulfilment.validated_orders(
        delivery=[delivery] if delivery else (),
        invoice=[invoice] if invoice else (),
        cancelled=cancelled,
        number=number,
    )
    page = db.paginate(query, per_page=50, error_out=False)
    return render_template(
        "fulfilment/orders.html",
        page=page,
        totals={order.id: order_totals(order) for order in page.items},
        delivery=delivery,
        invoice=invoice,
        cancelled=cancelled,
        number=number,
        DeliveryStatus=DeliveryStatus,
        InvoiceStatus=InvoiceStatus,
        OrderStatus=OrderStatus,
    )


@bp.get("/commande/<int:order_id>")
@staff_required
def detail(order_id: int):
    return _render_detail(_validated_order_or_404(order_id))


def _render_detail(order: Order, ship_form=None, cancel_form=None, status: int = 200):
    actor = _actor()
    return (
        render_template(
            "fulfilment/detail.html",
            order=order,
            totals=order_totals(order),
            events=fulfilment.history(order),
            actions=workflow.available(order, actor),
            ship_form=ship_form
            or ShipForm(formdata=None, carrier=planned_carrier(order.shipping_carrier)),
            cancel_form=cancel_form or CancelForm(formdata=None),
            event_label=workflow.event_label,
            OrderStatus=OrderStatus,
            now=utcnow(),
        ),
        status,
    )


def _form_not_valid(order_id: int, transition: str, **forms):
    """The form's errors beside its fields; but when the order cannot make this move at
    all (its form is then not even shown), say why instead."""
    order = _validated_order_or_404(order_id)
    _refusals_on_order_page(order_id, **forms)
    workflow.check(order, transition, _actor())
    return _render_detail(order, status=400, **forms)


def _done(order_id: int, message: str):
    flash(message, "success")
    return redirect(url_for("fulfilment.detail", order_id=order_id))


def _refusals_on_order_page(order_id: int, **forms) -> None:
    """A refused move is told on the order's page; a refused field beside it, on the page
    shown again with what was typed. An order that is not a validated one is a 404 here,
    before anything is checked: the refusal's page could not be shown."""
    _validated_order_or_404(order_id)
    on_refusal(
        form=next(iter(forms.values()), None),
        render=lambda: _render_detail(_validated_order_or_404(order_id), **forms),
        back=url_for("fulfilment.detail", order_id=order_id),
    )


@bp.post("/commande/<int:order_id>/mutualiser")
@staff_required
def pool_one(order_id: int):
    _refusals_on_order_page(order_id)
    [order] = fulfilment.pool([order_id], _actor(), utcnow())
    return _done(
        order_id,
        _("Commande %(number)s : « En cours de mutualisation ».", number=order.validated_number),
    )


@bp.post("/commande/<int:order_id>/expedier")
@staff_required
def ship_one(order_id: int):
    form = ShipForm()
    if not form.validate_on_submit():
        return _form_not_valid(order_id, "ship", ship_form=form)
    _refusals_on_order_page(order_id, ship_form=form)
    details = fulfilment.shipment(
        form.carrier.data, form.tracking_number.data, form.tracking_url.data or ""
    )
    order = fulfilment.ship(order_id, details, _actor(), utcnow())
    return _done(
        order_id,
        _(
            "Commande %(number)s expédiée (%(carrier)s %(tracking)s) : le client est prévenu "
            "par email.",
            number=order.validated_number,
            carrier=order.tracking_carrier,
            tracking=order.tracking_number,
        ),
    )


@bp.post("/commande/<int:order_id>/livrer")
@staff_required
def deliver_one(order_id: int):
    _refusals_on_order_page(order_id)
    order = fulfilment.deliver(order_id, _actor(), utcnow())
    return _done(order_id, _("Commande %(number)s livrée.", number=order.validated_number))


@bp.post("/commande/<int:order_id>/facturation/<any(invoice, pay):name>")
@staff_required
def move_invoice(order_id: int, name: str):
    _refusals_on_order_page(order_id)
    order = fulfilment.move_invoice(order_id, name, _actor(), utcnow())
    return _done(
        order_id,
        _(
            "Commande %(number)s : « %(state)s ».",
            number=order.validated_number,
            state=order.invoice_status.label,
        ),
    )


@bp.post("/commande/<int:order_id>/annuler")
@staff_required
def cancel(order_id: int):
    form = CancelForm()
    if not form.validate_on_submit():
        return _form_not_valid(order_id, "cancel", cancel_form=form)
    _refusals_on_order_page(order_id, cancel_form=form)
    order = fulfilment.cancel(order_id, _actor(), utcnow(), form.reason.data)
    return _done(
        order_id,
        _(
            "Commande %(number)s annulée : son stock est remis en vente et le client prévenu.",
            number=order.validated_number,
        ),
    )


@bp.route("/import", methods=["GET", "POST"])
@staff_required
def import_shipments():
    """Ship many orders at once from a CSV: commande, transporteur, numero_suivi."""
    form = ShipmentImportForm()
    if not form.validate_on_submit():
        return _import_page(form, None, 400 if request.method == "POST" else 200)
    on_refusal(form=form, render=lambda: _import_page(form, None))
    report = fulfilment.import_shipments(form.file.data.read(), _actor(), utcnow())
    if report.errors:  # and nothing of the file was kept
        flash(_("Aucune commande n'a été expédiée : corrigez les lignes en erreur."), "danger")
        return _import_page(form, report, 400)
    flash(
        ngettext(
            "%(num)s commande expédiée : les clients sont prévenus par email.",
            "%(num)s commandes expédiées : les clients sont prévenus par email.",
            report.shipped,
        ),
        "success",
    )
    return _import_page(ShipmentImportForm(formdata=None), report)


def _import_page(form: ShipmentImportForm, report, status: int = 200):
    return (
        render_template("fulfilment/import.html", form=form, report=report, carriers=CARRIERS),
        status,
    )
