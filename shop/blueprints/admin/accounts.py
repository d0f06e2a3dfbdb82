"""Head office's accounts: the filtered list, creating and editing one, inviting it again."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from shop.accounts import admin as accounts_admin
from shop.accounts.entities import all_entities
from shop.blueprints.admin import bp
from shop.blueprints.admin.forms import AccountForm
from shop.blueprints.guards import admin_required
from shop.extensions import db
from shop.models import Account, AccountType
from shop.models.accounts import who_orders_what
from shop.ordering.basket import find_basket
from shop.web.boundary import on_refusal
from shop.web.params import arg_id, enum_value, get_or_404


@bp.get("/comptes")
@admin_required
def accounts_list():
    terms = request.args.get("q", "").strip()[:80]
    kind = enum_value(AccountType, request.args.get("type"))
    entity_id = arg_id("entite")
    state = request.args.get("statut", "")
    state = state if state in accounts_admin.ACCOUNT_STATES else ""
    query = accounts_admin.search_accounts(terms, kind, entity_id, state)
    page = db.paginate(query, per_page=current_app.config["SHOP_PAGE_SIZE"], error_out=False)
    return render_template(
        "admin/accounts.html",
        page=page,
        terms=terms,
        filters={
            "type": kind.value if kind else "",
            "entite": str(entity_id or ""),
            "statut": state,
        },
        account_types=list(AccountType),
        entities=all_entities(),
    )


# The endpoint the home page sends admins to.
bp.add_url_rule("/", "accounts", accounts_list)


@bp.route("/comptes/nouveau", methods=["GET", "POST"])
@admin_required
def account_new():
    form = AccountForm()

    def render():
        return render_template(
            "admin/account_form.html", form=form, account=None, who_orders_what=who_orders_what()
        )

    if form.validate_on_submit():
        on_refusal(form=form, render=render)
        account = accounts_admin.create_account(form.to_data(), current_user)
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
    return render()


@bp.route("/comptes/<int:account_id>", methods=["GET", "POST"])
@admin_required
def account_edit(account_id: int):
    account = get_or_404(Account, account_id)
    form = AccountForm(obj=account)
    if request.method == "GET":
        form.account_type.data = account.account_type.value
        form.attached_entity_ids.data = [e.id for e in account.attached_entities]

    def render():
        stored = get_or_404(Account, account_id)  # as stored, after a rollback too
        return render_template(
            "admin/account_form.html",
            form=form,
            account=stored,
            basket=find_basket(stored),
            who_orders_what=who_orders_what(),
        )

    if form.validate_on_submit():
        on_refusal(form=form, render=render)
        accounts_admin.update_account(account, form.to_data(), current_user)
        flash(
            _("Le compte %(identifier)s est enregistré.", identifier=account.identifier),
            "success",
        )
        return redirect(url_for("admin.accounts_list"))
    return render()


@bp.post("/comptes/<int:account_id>/invitation")
@admin_required
def account_invite(account_id: int):
    account = get_or_404(Account, account_id)
    on_refusal(back=url_for("admin.account_edit", account_id=account.id))
    accounts_admin.invite(account, current_user)
    flash(_("Invitation envoyée à %(email)s.", email=account.email), "success")
    return redirect(url_for("admin.account_edit", account_id=account.id))
