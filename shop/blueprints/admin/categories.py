"""Head office's categories of both shops: the list, creating, renaming, ordering,
deactivating and deleting one (see :mod:`shop.catalog.categories`)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from shop.blueprints.admin import bp
from shop.blueprints.admin.forms import CategoryForm, CategoryNameForm
from shop.blueprints.guards import admin_required
from shop.catalog import categories as categories_admin
from shop.extensions import db
from shop.models import Category, ShopKind
from shop.web.boundary import on_refusal
from shop.web.params import get_or_404

MOVES = {"haut": -1, "bas": 1}


def _back() -> str:
    return url_for("admin.categories_list")


@bp.get("/categories")
@admin_required
def categories_list():
    rows = db.session.execute(categories_admin.admin_categories()).all()
    by_shop: dict[ShopKind, list] = {ShopKind.PRINTED: [], ShopKind.OBJECTS: []}
    for category, products in rows:
        by_shop[category.shop].append((category, products))
    return render_template("admin/categories.html", by_shop=by_shop)


@bp.route("/categories/nouvelle", methods=["GET", "POST"])
@admin_required
def category_new():
    form = CategoryForm(shop=request.args.get("boutique"))

    def render():
        return render_template("admin/category_form.html", form=form, category=None)

    if form.validate_on_submit():
        on_refusal(form=form, render=render)
        category = categories_admin.create_category(form.shop_kind, form.name.data, current_user)
        flash(
            _(
                "La catégorie « %(name)s » est créée dans « %(shop)s ».",
                name=category.name,
                shop=category.shop.label,
            ),
            "success",
        )
        return redirect(_back())
    return render()


@bp.route("/categories/<int:category_id>", methods=["GET", "POST"])
@admin_required
def category_edit(category_id: int):
    category = get_or_404(Category, category_id)
    form = CategoryNameForm(obj=category)

    def render():
        stored = get_or_404(Category, category_id)  # as stored, after a rollback too
        return render_template("admin/category_form.html", form=form, category=stored)

    if form.validate_on_submit():
        on_refusal(form=form, render=render)
        categories_admin.rename_category(category, form.name.data, current_user)
        flash(_("La catégorie « %(name)s » est enregistrée.", name=category.name), "success")
        return redirect(_back())
    return render()


@bp.post("/categories/<int:category_id>/deplacer")
@admin_required
def category_move(category_id: int):
    category = get_or_404(Category, category_id)
    step = MOVES.get(request.form.get("sens", ""))
    if step is None:  # the page's buttons send one or the other
        abort(400)
    on_refusal(back=_back())
    categories_admin.move_category(category, step, current_user)
    return redirect(_back())


@bp.post("/categories/<int:category_id>/activation")
@admin_required
def category_activation(category_id: int):
    category = get_or_404(Category, category_id)
    choice = request.form.get("active")
    if choice not in {"0", "1"}:  # the page's buttons send one or the other
        abort(400)
    on_refusal(back=_back())
    active = choice == "1"
    categories_admin.set_category_active(category, active, current_user)
    if active:
        message = _(
            "La catégorie « %(name)s » est réactivée : elle et ses produits actifs sont "
            "de nouveau proposés.",
            name=category.name,
        )
    else:
        message = _(
            "La catégorie « %(name)s » est désactivée : elle et ses produits ne sont plus "
            "proposés dans la boutique.",
            name=category.name,
        )
    flash(message, "success")
    return redirect(_back())


@bp.post("/categories/<int:category_id>/suppression")
@admin_required
def category_delete(category_id: int):
    category = get_or_404(Category, category_id)
    name = category.name
    on_refusal(back=_back())
    categories_admin.delete_category(category, current_user)
    flash(_("La catégorie « %(name)s » est supprimée.", name=name), "success")
    return redirect(_back())
