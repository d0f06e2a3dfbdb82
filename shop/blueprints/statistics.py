"""Statistiques commandes: the filter form, the monthly table and chart, the CSV download.

Orderers see their own validated orders under "Mon compte"; head office sees everyone's
under "/admin" and may narrow to one entity or one account. The filters travel in the query
string (GET: bookmarkable, no CSRF needed since nothing changes) and are checked here, so a
hand-edited URL gets a French message and a 400, never a 500.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request, stream_with_context, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from shop.blueprints.forms import ALL, AdminStatisticsForm, StatisticsForm
from shop.blueprints.guards import admin_required, orderer_required
from shop.clock import local_now, local_today, shop_timezone
from shop.reporting.barchart import stacked_bars
from shop.reporting.csvexport import FORMATS, STANDARD, stream_csv
from shop.reporting.statistics import (
    EXPORT_HEADER,
    StatisticsFilter,
    chart_months,
    chart_series,
    entity_choices,
    export_rows,
    monthly_quantities,
    orderer_choices,
    product_choices,
)

bp = Blueprint("statistics", __name__)


def _product_choices() -> list[SelectChoice]:
    """Every product, withdrawn ones too: they were ordered in the past."""
    return [SelectChoice(ALL, _("Tous les produits"))] + [
        SelectChoice(pid, f"{name} ({reference})") for pid, reference, name in product_choices()
    ]


def _own_form() -> StatisticsForm:
    form = StatisticsForm(formdata=request.args)
    form.produit.choices = _product_choices()
    return form


def _admin_form() -> AdminStatisticsForm:
    form = AdminStatisticsForm(formdata=request.args)
    form.produit.choices = _product_choices()
    form.entite.choices = [SelectChoice(ALL, _("Toutes les entités"))] + [
        SelectChoice(eid, name) for eid, name in entity_choices()
    ]
    form.compte.choices = [SelectChoice(ALL, _("Tous les comptes"))] + [
        SelectChoice(aid, f"{identifier} · {first} {last}")
        for aid, identifier, first, last in orderer_choices()
    ]
    return form


def _filter(form: StatisticsForm) -> StatisticsFilter:
    date_from, date_to = form.period(local_today())
    if isinstance(form, AdminStatisticsForm):
        return StatisticsFilter.all_orders(
            date_from,
            date_to,
            product_id=form.produit.data,
            entity_id=form.entite.data,
            account_id=form.compte.data,
        )
    return StatisticsFilter.own_orders(current_user.id, date_from, date_to, form.produit.data)


def _query_args(period: StatisticsFilter, admin: bool) -> dict[str, str]:
    """The query string that repeats ``period`` (for the CSV link)."""
    args = {"du": period.date_from.isoformat(), "au": period.date_to.isoformat()}
    named = {"produit": period.product_id}
    if admin:
        named |= {"entite": period.entity_id, "compte": period.account_id}
    args |= {name: str(value) for name, value in named.items() if value is not None}
    return args


def _page(form: StatisticsForm, admin: bool):
    endpoint = "statistics.admin" if admin else "statistics.own"
    if not form.validate():
        return render_template("statistics/show.html", form=form, admin=admin, period=None), 400
    period = _filter(form)
    for field, day in ((form.du, period.date_from), (form.au, period.date_to)):
        field.raw_data, field.data = [], day  # show the period used, defaults included
    rows = monthly_quantities(period, shop_timezone())
    months = chart_months(period, rows)
    columns = [format_date(month, "MMM yy") for month in months]  # fits 12 bars
    chart = stacked_bars(columns, chart_series(rows, months, _("Autres produits")))
    return render_template(
        "statistics/show.html",
        form=form,
        admin=admin,
        period=period,
        rows=rows,
        total=sum(row.quantity for row in rows),
        chart=chart,
        month_labels={row.month: format_date(row.month, "MMMM yyyy") for row in rows},
        export_url=url_for(endpoint + "_csv", **_query_args(period, admin)),
        export_excel_url=url_for(
            endpoint + "_csv", format="excel-fr", **_query_args(period, admin)
        ),
    )


def _download(form: StatisticsForm, admin: bool):
    if not form.validate():
        return render_template("statistics/show.html", form=form, admin=admin, period=None), 400
    period = _filter(form)
    # The rows stream from a read-only connection of their own, after the request's
    # boundary has ended the session's transaction: on SQLite the download holds no write
    # lock.
    fmt = FORMATS.get(request.args.get("format", ""), STANDARD)
    body = stream_csv(EXPORT_HEADER, export_rows(period, shop_timezone()), fmt=fmt)
    response = Response(stream_with_context(body), mimetype="text/csv")
    filename = local_now().strftime("stat%d%m%Y-%H%M%S.csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/mon-compte/statistiques")
@orderer_required
def own():
    return _page(_own_form(), admin=False)


@bp.get("/mon-compte/statistiques.csv")
@orderer_required
def own_csv():
    return _download(_own_form(), admin=False)


@bp.get("/admin/statistiques")
@admin_required
def admin():
    return _page(_admin_form(), admin=True)


@bp.get("/admin/statistiques.csv")
@admin_required
def admin_csv():
    return _download(_admin_form(), admin=True)
