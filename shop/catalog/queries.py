"""Catalog queries: a shop's products, by category, and search by reference or words; each
loads what is available of the products it lists (see shop.catalog.availability)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, select

from shop.catalog.availability import with_availability
from shop.extensions import db
from shop.models import Category, Product, ShopKind
from shop.models.catalog import fold


def find_category(shop: ShopKind, slug: str) -> Category | None:
    """The shop's active category with this slug, if any."""
    return db.session.scalar(
        select(Category).where(
            Category.slug == slug, Category.shop == shop, Category.active.is_(True)
        )
    )


def shop_products(
    shop: ShopKind,
    now: datetime,
    category: Category | None = None,
    own_order_id: int | None = None,
) -> Select:
    """The shop's active products (of one category), with what is available of each;
    ``own_order_id``: the order the basket is modifying, whose held units count as available."""
    query = (
        select(Product)
        .join(Product.category)
        .where(Product.active.is_(True), Category.active.is_(True), Category.shop == shop)
        .order_by(Category.position, Product.name)
    )
    if category is not None:
        query = query.where(Product.category_id == category.id)
    return with_availability(query, now, own_order_id)


def product_on_sale(
    product_id: int, now: datetime, own_order_id: int | None = None
) -> Product | None:
    """The active product with this id and its availability, if any."""
    return db.session.scalar(
        with_availability(
            select(Product)
            .join(Product.category)
            .where(Product.id == product_id, Product.active.is_(True), Category.active.is_(True)),
            now,
            own_order_id,
        )
    )


def search_products(terms: str, now: datetime, own_order_id: int | None = None) -> Select:
    """Products whose reference, name or description holds every word, accents ignored."""
    query = with_availability(
        select(Product)
        .join(Product.category)
        .where(Product.active.is_(True), Category.active.is_(True))
        .order_by(Category.shop, Category.position, Product.name),
        now,
        own_order_id,
    )
    condition = words_condition(terms)
    if condition is None:
        return query.where(Product.id.is_(None))
    return query.where(condition)


def words_condition(terms: str) -> ColumnElement[bool] | None:
    """Every word of the terms in the product's folded text (accents and case ignored);
    None when there is no word."""
    words = fold(terms).split()
    if not words:
        return None
    return and_(*[Product.search_text.contains(word, autoescape=True) for word in words])
