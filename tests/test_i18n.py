"""The English catalog is complete and safe, and English is served when the user asks for it.

French strings in the code are the msgids; ``shop/translations/en`` holds their English
translations. A string extracted into ``messages.pot`` (``make extract-messages``) without an
English translation fails here, and so does a translation that drops or renames a placeholder.
"""

from __future__ import annotations

import html
import os
import re
import tempfile
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import render_template
from flask_babel import force_locale, get_babel

import shop

TRANSLATIONS = Path(shop.__file__).resolve().parent / "translations"
POT = TRANSLATIONS / "messages.pot"
EN_PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
EN_MO = EN_PO.with_suffix(".mo")

# Every %-conversion, named or not, and "%%": newstyle Jinja gettext applies ``%`` to every
# translated template string, so a stray "%" breaks rendering even without placeholders.
PLACEHOLDER_RE = re.compile(
    r"%(?:\([^)]*\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa%]"
)


def _read(path: Path):
    with path.open("rb") as f:
        return read_po(f)


def _entries(catalog):
    return [message for message in catalog if message.id]


def _key(message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


def _placeholders(text: str) -> Counter:
    return Counter(PLACEHOLDER_RE.findall(text))


def _pairs(message) -> list[tuple[str, str]]:
    """(source, translation) pairs: msgstr[0] goes with the singular, the others the plural."""
    if isinstance(message.id, str):
        return [(message.id, message.string)]
    singular, plural = message.id[0], message.id[1]
    return [(singular if i == 0 else plural, text) for i, text in enumerate(message.string)]


@pytest.fixture(scope="session")
def en_catalog():
    return _read(EN_PO)


@pytest.fixture(scope="session")
def compiled_catalogs(app):
    """The compiled .mo Flask-Babel reads; ``make test`` builds it, a bare pytest run may not."""
    if not EN_MO.exists():
        catalog = _read(EN_PO)
        fd, tmp = tempfile.mkstemp(dir=EN_MO.parent, suffix=".mo.tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                write_mo(f, catalog)
            os.chmod(tmp, 0o644)
            os.replace(tmp, EN_MO)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
        # Flask-Babel caches translations per app: forget any empty English catalog an earlier
        # test may have loaded before the .mo existed.
        with app.app_context():
            get_babel(app).instance.domain_instance.cache.clear()
    return EN_MO


def _page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


# --- the catalog ---------------------------------------------------------------------------


def test_english_catalog_header(en_catalog):
    assert str(en_catalog.locale) == "en"
    assert not en_catalog.fuzzy, "remove the header's '#, fuzzy' flag"
    assert en_catalog.num_plurals == 2
    assert en_catalog.project == "shop"


def test_every_entry_is_translated_and_not_fuzzy(en_catalog):
    entries = _entries(en_catalog)
    assert entries
    untranslated = [
        _key(m)
        for m in entries
        if not (all(m.string) if isinstance(m.string, (list, tuple)) else m.string)
    ]
    fuzzy = [_key(m) for m in entries if m.fuzzy]
    assert (untranslated, fuzzy) == ([], []), f"{EN_PO}: (untranslated, fuzzy)"


def test_plural_entries_have_both_forms(en_catalog):
    plurals = [m for m in _entries(en_catalog) if m.pluralizable]
    assert plurals
    for message in plurals:
        assert len(message.string) == en_catalog.num_plurals, _key(message)


def test_translations_keep_the_placeholders(en_catalog):
    mismatches = []
    for message in _entries(en_catalog):
        for source, translation in _pairs(message):
            if _placeholders(source) != _placeholders(translation):
                mismatches.append((source, translation))
    assert mismatches == []


def test_placeholder_check_catches_a_renamed_placeholder():
    assert _placeholders("%(num)s produits") == _placeholders("%(num)s products")
    assert _placeholders("%(num)s produits") != _placeholders("%(n)s products")
    assert _placeholders("%(num)s produits") != _placeholders("products")
    assert _placeholders("100 %% remboursé") != _placeholders("100% refunded")


def test_template_has_no_string_missing_from_the_english_catalog(en_catalog):
    template_ids = {_key(m) for m in _entries(_read(POT))}
    english_ids = {_key(m) for m in _entries(en_catalog)}
    assert template_ids, f"{POT} is empty"
    missing = sorted(template_ids - english_ids)
    assert missing == [], (
        "strings extracted into messages.pot but absent from the English catalog "
        f"(run `make extract-messages`, then translate them): {missing}"
    )


def test_every_string_in_the_code_is_in_the_english_catalog(en_catalog):
    """Extract from the code as ``make extract-messages`` does: nothing may be missing."""
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    root = Path(shop.__file__).resolve().parent
    with open(root.parent / "babel.cfg") as config:
        method_map, options_map = parse_mapping_cfg(config)
    keywords = dict(DEFAULT_KEYWORDS, _l=None, lazy_gettext=None, _nl=(1, 2))
    keywords["lazy_ngettext"] = (1, 2)
    found = {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(root), method_map, options_map, keywords=keywords
        )
    }
    assert len(found) > 100, "the extraction found almost nothing: check babel.cfg"
    english_ids = {_key(m) for m in _entries(en_catalog)}
    assert sorted(found - english_ids) == [], "run `make extract-messages` and translate"


# --- English is served ---------------------------------------------------------------------


def test_french_is_the_default(browser, compiled_catalogs):
    page = _page(browser.get("/connexion"))
    assert '<html lang="fr">' in page
    assert "Nom d'utilisateur" in page
    assert "Username" not in page


def test_the_language_switch_serves_english(browser, compiled_catalogs):
    response = browser.post("/langue/en", {"next": "/connexion"})
    assert response.status_code == 302
    assert response.location.endswith("/connexion")

    page = _page(browser.get("/connexion"))
    assert '<html lang="en">' in page
    assert "Username" in page
    assert "Sign in" in page
    assert "Forgotten password?" in page
    assert "Nom d'utilisateur" not in page


def test_english_chosen_before_signing_in_is_kept(browser, demo, compiled_catalogs):
    browser.post("/langue/en", {"next": "/connexion"})
    assert "Username" in _page(browser.get("/connexion"))

    signed_in = _page(browser.login("mgen-sd01"))
    assert "Sign out" in signed_in

    page = _page(browser.get("/panier"))
    assert "My basket" in page
    assert "Your basket is empty." in page
    assert "Mon panier" not in page


def test_signed_in_user_switches_to_english_and_back(login_as, compiled_catalogs):
    browser = login_as("mgen-sd01")
    assert "Mon panier" in _page(browser.get("/panier"))

    page = _page(browser.post("/langue/en", {"next": "/panier"}, follow_redirects=True))
    assert "My basket" in page
    assert "Printed material" in page and "Promotional objects" in page
    assert "Mon panier" not in page

    page = _page(browser.post("/langue/fr", {"next": "/panier"}, follow_redirects=True))
    assert "Mon panier" in page
    assert "My basket" not in page


def test_unknown_language_is_refused(browser, compiled_catalogs):
    assert browser.post("/langue/de", {"next": "/connexion"}).status_code == 404


def test_emails_are_written_in_the_recipients_language(app, compiled_catalogs):
    account = SimpleNamespace(full_name="Camille Rousseau", identifier="mgen-sd01")
    context = dict(account=account, link="https://shop.example/x", max_age_hours=48)
    with app.test_request_context("/"):
        with force_locale("en"):
            english = render_template("email/account_invitation.txt", **context)
        with force_locale("fr"):
            french = render_template("email/account_invitation.txt", **context)
    assert english.startswith("Subject: Your account on the printed material")
    assert "Your username: mgen-sd01" in english
    assert "valid for 48 hours" in english
    assert french.startswith("Subject: Votre compte sur la boutique")
