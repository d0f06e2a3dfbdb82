"""Head office's categories of both shops: create, rename, order, deactivate, delete.

A category's name is unique in its shop whatever the case (the unique index on
``(shop, name_key)``): two admins creating one name at the same instant end with one
category and, for the second, the message beside the name field. Its slug (the address of
its page in the shop) is made from the name when it is created and kept when it is renamed,
so links stay valid.

A category that holds products is never deleted: it is deactivated, which hides it and its
products from the shops; head office still sees and edits them, and may still create
products in it (to prepare a category before opening it).
"""

from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError

from shop.accounts import audit
from shop.errors import DomainError
from shop.extensions import db
from shop.models import Account, Category, Product, ShopKind
from shop.models.catalog import fold, name_key

MAX_NAME = 120
MAX_SLUG = 64
CATEGORY_FIELDS = ["shop", "name", "slug", "position", "active"]


class CategoryError(DomainError):
    """A rule about categories refused the action."""


def _snapshot(category: Category) -> dict:
    return audit.snapshot(category, CATEGORY_FIELDS)


def _name_taken() -> CategoryError:
    return CategoryError(_("Une catégorie de cette boutique porte déjà ce nom."), field="name")


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise CategoryError(_("Indiquez le nom de la catégorie."), field="name")
    if len(name) > MAX_NAME:
        raise CategoryError(
            _("Le nom ne doit pas dépasser %(max)s caractères.", max=MAX_NAME), field="name"
        )
    return name


def _check_name_free(shop: ShopKind, name: str, category_id: int | None) -> None:
    duplicate = db.session.scalar(
        select(Category.id).where(
            Category.shop == shop,
            Category.name_key == name_key(name),
            Category.id != (category_id or 0),
        )
    )
    if duplicate is not None:
        raise _name_taken()


def slug_base(name: str) -> str:
    """``Offres santé`` → ``offres-sante``: lowercase ASCII letters, digits and hyphens."""
    base = re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")
    return base[: MAX_SLUG - 4].strip("-") or "categorie"


def _free_slug(name: str) -> str:
    """The name's slug, numbered (``-2``, ``-3``…) when another category has it."""
    base = slug_base(name)
    taken = set(
        db.session.scalars(
            select(Category.slug).where(
                (Category.slug == base) | Category.slug.like(f"{base}-%", escape="\\")
            )
        )
    )
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def create_category(shop: ShopKind, name: str, actor: Account | None) -> Category:
    """A new active category at the end of its shop's list; recorded in the audit log."""
    name = _clean_name(name)
    _check_name_free(shop, name, None)
    last = db.session.scalar(select(func.max(Category.position)).where(Category.shop == shop))
    category = Category(shop=shop, name=name, position=0 if last is None else last + 1, active=True)
    for attempt in range(3):
        category.slug = _free_slug(name)
        try:
            with db.session.begin_nested():  # another admin may be creating it now
                db.session.add(category)
                db.session.flush()
            break
        except IntegrityError as error:
            # The other admin's category has this name (refused here), or only the slug
            # was taken meanwhile (another name, another shop): try the next number.
            _check_name_free(shop, name, None)
            if attempt == 2:
                raise _name_taken() from error
    audit.record(actor, "category.create", category, after=_snapshot(category))
    return category


def rename_category(category: Category, name: str, actor: Account | None) -> None:
    """Change the name (the slug stays: links to the category keep working)."""
    name = _clean_name(name)
    _check_name_free(category.shop, name, category.id)
    before = _snapshot(category)
    category.name = name
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:
        raise _name_taken() from error
    audit.record(actor, "category.update", category, before, _snapshot(category))


def _lock_shop(shop: ShopKind) -> list[Category]:
    """The shop's categories in their order, locked (two admins reordering queue here)."""
    locked = db.session.scalars(
        select(Category)
        .where(Category.shop == shop)
        .order_by(Category.id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).all()
    return sorted(locked, key=lambda c: (c.position, c.name_key, c.id))


def move_category(category: Category, step: int, actor: Account | None) -> bool:
    """Move the category one place up (``step`` -1) or down (+1) in its shop's list;
    False when it is already first or last. Positions are renumbered 0, 1, 2…"""
    if step not in (-1, 1):
        raise CategoryError(_("Ce déplacement n'est pas possible."))
    ordered = _lock_shop(category.shop)
    index = next(i for i, c in enumerate(ordered) if c.id == category.id)
    target = index + step
    if not 0 <= target < len(ordered):
        return False
    before = {c.id: _snapshot(c) for c in ordered}
    ordered[index], ordered[target] = ordered[target], ordered[index]
    for position, item in enumerate(ordered):
        item.position = position
    db.session.flush()
    for item in ordered:
        audit.record(actor, "category.update", item, before[item.id], _snapshot(item))
    return True


def set_category_active(category: Category, active: bool, actor: Account | None) -> None:
    """Deactivate (hide it and its products from the shops) or reactivate."""
    before = _snapshot(category)
    category.active = active
    db.session.flush()
    audit.record(actor, "category.update", category, before, _snapshot(category))


def delete_category(category: Category, actor: Account | None) -> None:
    """Delete a category that holds no product; one that does is refused (deactivate it).

    The row is locked first (``FOR UPDATE``, which a product being created in it waits
    for: its foreign key takes ``KEY SHARE``), so no product can appear between the count
    and the delete.
    """
    db.session.scalar(select(Category.id).where(Category.id == category.id).with_for_update())
    count = db.session.scalar(
        select(func.count(Product.id)).where(Product.category_id == category.id)
    )
    if count:
        raise _holds_products(category, count)
    before = _snapshot(category)
    audit.record(actor, "category.delete", category, before, {})
    try:
        with db.session.begin_nested():
            db.session.delete(category)
            db.session.flush()
    except IntegrityError as error:  # a product arrived all the same (SQLite: never)
        raise _holds_products(category, 1) from error


def _holds_products(category: Category, count: int) -> CategoryError:
    return CategoryError(
        ngettext(
            "La catégorie « %(name)s » contient %(num)s produit : elle ne peut pas être "
            "supprimée. Désactivez-la plutôt : elle et ses produits ne seront plus "
            "proposés dans la boutique.",
            "La catégorie « %(name)s » contient %(num)s produits : elle ne peut pas être "
            "supprimée. Désactivez-la plutôt : elle et ses produits ne seront plus "
            "proposés dans la boutique.",
            count,
            name=category.name,
        )
    )


def admin_categories() -> Select:
    """Every category (active or not) by shop and position, with its number of products."""
    products = (
        select(func.count(Product.id))
        .where(Product.category_id == Category.id)
        .correlate(Category)
        .scalar_subquery()
    )
    return select(Category, products.label("products")).order_by(
        Category.shop, Category.position, Category.name_key, Category.id
    )
