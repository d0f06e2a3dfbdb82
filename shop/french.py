"""French elision on finished text: « de annuler » → « d'annuler », « la annuler » →
« l'annuler », « Quota de Affiche » → « Quota d'Affiche ».

A word or a name put into a sentence after translation (a verb, a product, an entity) can
begin with a vowel: the article or preposition before it is elided on the finished text.
Only French text is touched; other languages are returned as they are.
"""

from __future__ import annotations

import re

from flask_babel import LazyString, get_locale
from markupsafe import Markup

_ELISION = re.compile(r"\b([Dd]e|[Ll][ae]) (?=[aeiouyéèêàâîôûAEIOUYÉÈÊÀÂÎÔÛ])")


def _french() -> bool:
    try:
        locale = get_locale()
    except RuntimeError:  # outside a request or app: the source language, French
        return True
    return locale is None or locale.language == "fr"


def elide(text) -> str:
    """The text with « de », « la », « le » elided before a vowel (in French).

    Markup stays markup: a template's ``_("Quota de %(entity)s", …)`` is already escaped
    (``L&#39;AIN``), and turning it into a plain string would escape it a second time.
    """
    if isinstance(text, Markup):
        if not _french():
            return text
        # Already escaped text where only « de » / « la » / « le » + space is replaced.
        return Markup(_ELISION.sub(lambda m: m.group(1)[0] + "&#39;", str(text)))  # noqa: S704
    text = str(text)
    if not _french():
        return text
    return _ELISION.sub(lambda m: m.group(1)[0] + "'", text)


def elided(message) -> LazyString:
    """A lazy message, elided when it is rendered (in the reader's language)."""
    return LazyString(lambda: elide(message))
