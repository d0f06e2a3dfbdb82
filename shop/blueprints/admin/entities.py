"""Head office's entities (sections, head office): the list, creating and editing one."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from shop.accounts import entities as entities_admin
from shop.blueprints.admin import bp
from shop.blueprints.admin.forms import EntityForm
from shop.blueprints.guards import admin_required
from shop.extensions import db
from shop.models import Entity
from shop.web.boundary import on_refusal
from shop.web.params import get_or_404


@bp.get("/entites")
@admin_required
def entities_list():
    terms = request.args.get("q", "").strip()[:80]
    page = db.paginate(entities_admin.search_entities(terms), per_page=50, error_out=False)
    return render_template("admin/entities.html", entities=page.items, page=page, terms=terms)


@bp.route("/entites/nouvelle", methods=["GET", "POST"])
@bp.route("/entites/<int:entity_id>", methods=["GET", "POST"])
@admin_required
def entity_edit(entity_id: int | None = None):
    entity = get_or_404(Entity, entity_id) if entity_id is not None else None
    form = EntityForm(obj=entity)

    def render():
        stored = get_or_404(Entity, entity_id) if entity_id is not None else None
        return render_template("admin/entity_form.html", form=form, entity=stored)

    if form.validate_on_submit():
        on_refusal(form=form, render=render)
        entity = entities_admin.save_entity(entity, form.to_data(), current_user)
        flash(_("L'entité %(name)s est enregistrée.", name=entity.name), "success")
        return redirect(url_for("admin.entities_list"))
    return render()
