"""Catalog queries: a shop's products, by category, and search by reference or words."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, and_, select

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


def shop_products(shop: ShopKind, category: Category | None = None) -> Select:
    query = (
        select(Product)
        .join(Product.category)
        .where(Product.active.is_(True), Category.active.is_(True), Category.shop == shop)
        .order_by(Category.position, Product.name)
    )
    if category is not None:
        query = query.where(Product.category_id == category.id)
    return query


def search_products(terms: str) -> Select:
    """Products whose reference, name or description holds every word, accents ignored."""
    query = (
        select(Product)
        .join(Product.category)
        .where(Product.active.is_(True), Category.active.is_(True))
        .order_by(Category.shop, Category.position, Product.name)
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
