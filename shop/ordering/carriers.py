"""Carriers the logistician ships with, and the public tracking page of each."""

from __future__ import annotations

import re
from urllib.parse import quote

# Name shown to users -> tracking page, ``{number}`` replaced by the tracking number.
CARRIERS: dict[str, str] = {
    "Chronopost": "https://www.chronopost.fr/tracking-no-cms/suivi-page?listeNumerosLT={number}",
    "Colissimo": "https://www.laposte.fr/outils/suivre-vos-envois?code={number}",
    "DPD": "https://trace.dpd.fr/fr/trace/{number}",
    "GLS": "https://gls-group.com/FR/fr/suivi-colis?match={number}",
    "UPS": "https://www.ups.com/track?loc=fr_FR&tracknum={number}",
    "DHL": "https://www.dhl.com/fr-fr/home/suivi.html?tracking-id={number}",
}

# Letters, digits and dashes, as carriers print them; spaces are dropped before checking.
TRACKING_NUMBER = re.compile(r"[A-Za-z0-9-]{6,40}")


def canonical_carrier(name: str) -> str | None:
    """The carrier's name as listed, whatever its case; None for an unknown carrier."""
    wanted = name.strip().casefold()
    return next((known for known in CARRIERS if known.casefold() == wanted), None)


def planned_carrier(shipping_carrier: str | None) -> str | None:
    """The listed carrier an order's shipping estimate named (« Colissimo Outre-Mer » is
    Colissimo's): what the ship form proposes first. None when it names none of them."""
    words = (shipping_carrier or "").casefold().split()
    for known in CARRIERS:
        if words[: len(known.split())] == known.casefold().split():
            return known
    return None


def clean_tracking_number(raw: str) -> str | None:
    number = re.sub(r"\s+", "", raw or "")
    return number if TRACKING_NUMBER.fullmatch(number) else None


def tracking_link(carrier: str, number: str) -> str:
    return CARRIERS[carrier].format(number=quote(number, safe=""))
