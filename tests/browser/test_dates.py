"""Dates are typed and shown jj/mm/aaaa whatever the browser's language: an English
Chromium would show a native date picker's 2 December 2026 as « 12/02/2026 »."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from shop.demo import DEMO_PASSWORD


def test_an_english_browser_types_and_reads_the_statistics_period_in_french(
    demo, chromium: Browser, live_server: str
):
    context = chromium.new_context(
        base_url=live_server, locale="en-US", viewport={"width": 1280, "height": 900}
    )
    try:
        page = context.new_page()
        page.goto("/connexion")
        page.locator("#identifier").fill("mgen-sd01")
        page.locator("#password").fill(DEMO_PASSWORD)
        page.locator("main input[type=submit]").click()
        expect(page).not_to_have_url(re.compile(r"/connexion"))
        page.goto("/mon-compte/statistiques")
        start = page.locator("input[name=du]")
        expect(start).to_have_attribute("type", "text")
        expect(start).to_have_attribute("placeholder", re.compile(r"^(jj/mm/aaaa|dd/mm/yyyy)$"))
        expect(start).to_have_value(re.compile(r"^\d{2}/\d{2}/\d{4}$"))
        start.fill("02/12/2026")
        page.locator("input[name=au]").fill("31/12/2026")
        page.locator("input[name=au]").press("Enter")
        expect(page).to_have_url(re.compile(r"du=02%2F12%2F2026"))
        expect(page.locator("input[name=du]")).to_have_value("02/12/2026")
        expect(page.locator("body")).to_contain_text("02/12/2026")
        expect(page.locator("body")).not_to_contain_text("12/02/2026")
    finally:
        context.close()
