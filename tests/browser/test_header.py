"""The header of every role fits the window on a desktop (no sideways scrolling, the user
menu and its « Déconnexion » within reach) and is usable by keyboard."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from shop.demo import DEMO_PASSWORD

ROLES = {
    "siege-admin": "Hélène Marchand",  # the most links: shop, logistics, administration
    "mgen-sd01": "Camille Rousseau",  # both shops, basket, account, search
    "logistique": "Bruno Lemoine",
}


def sign_in(page: Page, identifier: str) -> None:
    page.goto("/connexion")
    page.get_by_label("Nom d'utilisateur").fill(identifier)
    page.get_by_label("Mot de passe", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Connexion", exact=True).click()
    expect(page).not_to_have_url(re.compile(r"/connexion"))
    page.wait_for_load_state("load")
    page.wait_for_function("() => window.bootstrap !== undefined")


def inside(page: Page, locator, width: int) -> bool:
    box = locator.bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width


@pytest.mark.parametrize("width", [1200, 1280, 1366, 1440, 1920])
@pytest.mark.parametrize("identifier", list(ROLES))
def test_the_header_of_each_role_fits_a_desktop_window(demo, page, screenshot, identifier, width):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, identifier)
    page.goto("/admin/journal" if identifier == "siege-admin" else "/")
    screenshot(page, f"header-{identifier}-{width}")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    nav = page.get_by_role("navigation", name="Navigation principale")
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()  # not collapsed
    user_menu = nav.get_by_test_id("user-menu")
    expect(user_menu).to_contain_text(ROLES[identifier])
    assert inside(page, user_menu, width)
    bar = nav.bounding_box()
    search = nav.get_by_role("button", name="Rechercher")
    if search.count():
        box = search.bounding_box()
        assert inside(page, search, width) and box["y"] + box["height"] <= bar["y"] + bar["height"]
    # All on one line: the bar is as high as one link.
    assert bar["height"] < 80, bar
    user_menu.click()
    sign_out = nav.get_by_role("button", name="Déconnexion")
    expect(sign_out).to_be_visible()
    assert inside(page, sign_out, width)


def test_the_administration_menu_is_used_by_keyboard(demo, page):
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, "siege-admin")
    nav = page.get_by_role("navigation", name="Navigation principale")
    toggle = nav.get_by_role("button", name="Administration")
    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    journal = nav.get_by_role("link", name="Journal", exact=True)
    expect(journal).to_be_visible()
    for _ in range(30):  # down the menu to « Journal »
        page.keyboard.press("ArrowDown")
        if journal.evaluate("link => link === document.activeElement"):
            break
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/admin/journal$"))
