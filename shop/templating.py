"""Jinja filters and globals: money, dates, product pictures, and who may see what in the
navigation."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask import Flask, g, url_for
from flask_babel import (
    format_currency,
    format_date,
    format_datetime,
    format_decimal,
    get_locale,
)
from sqlalchemy import select

from shop.clock import local_today
from shop.french import elide
from shop.models import Category, ShopKind


def money(value: Decimal | None) -> str:
    return format_currency(value or Decimal("0"), "EUR")


def rate(value: Decimal) -> str:
    """A VAT rate stored in percent (5.50) shown the local way: « 5,5 % » (a narrow no-break
    space before the sign, as French typography wants) or "5.5%"."""
    suffix = get_locale().percent_formats[None].suffix[0].replace("\u00a0", "\u202f")
    return format_decimal(value, format="#,##0.##") + suffix


def decimal(value) -> str:
    return format_decimal(value, format="#,##0.##")


def signed(value: int) -> str:
    """A change of quantity, its sign always shown: « +5 000 000 », « -12 »."""
    return ("+" if value > 0 else "") + decimal(value)


def short_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_datetime(value, "dd/MM/yyyy HH:mm")
    return format_date(value, "dd/MM/yyyy")


def day(value: date | datetime | None) -> str:
    """The day only (jj/mm/aaaa), a timestamp's in the shop's time zone."""
    return "" if value is None else format_date(value, "dd/MM/yyyy")


DEFAULT_PRODUCT_IMAGE = "img/products/default.svg"


def product_image_url(product) -> str:
    """The picture of a product: an uploaded file, a static picture, or the default one."""
    from shop.catalog.admin import UPLOAD_PREFIX

    image = getattr(product, "image", None) or DEFAULT_PRODUCT_IMAGE
    if image.startswith(UPLOAD_PREFIX):
        return url_for("media.product", name=image.removeprefix(UPLOAD_PREFIX))
    return url_for("static", filename=image)


def init_app(app: Flask) -> None:
    app.add_template_global(product_image_url)
    app.add_template_filter(money)
    app.add_template_filter(rate)
    app.add_template_filter(decimal)
    app.add_template_filter(signed)
    app.add_template_filter(short_date)
    app.add_template_filter(day)
    app.add_template_filter(elide)

    @app.context_processor
    def navigation():
        from shop.extensions import db

        def shop_categories() -> dict[ShopKind, list[Category]]:
            """The shops' menus; computed once per request however often a page asks."""
            if "shop_menu" not in g:
                menu: dict[ShopKind, list[Category]] = {ShopKind.OBJECTS: [], ShopKind.PRINTED: []}
                for category in db.session.scalars(
                    select(Category)
                    .where(Category.active.is_(True))
                    .order_by(Category.position, Category.name)
                ):
                    menu[category.shop].append(category)
                g.shop_menu = menu
            return g.shop_menu

        return {"shop_categories": shop_categories, "ShopKind": ShopKind, "today": local_today}
