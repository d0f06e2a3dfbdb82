"""Documents the shop produces and reads: order PDFs (quote or confirmation), the picking
list, uploaded CSV files.

The PDFs embed DejaVu Sans (shipped in ``shop/static/fonts``): ReportLab's base fonts have no
narrow no-break space, which French amounts use (« 1 575,00 € » would print « 1■575,00 € »),
nor most scripts beyond Latin-1.
"""

from __future__ import annotations

from functools import cache
from io import BytesIO
from pathlib import Path

from flask_babel import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import StyleSheet1, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import SimpleDocTemplate

FONT_FOLDER = Path(__file__).resolve().parent.parent / "static" / "fonts"
FONT, FONT_BOLD = "DejaVuSans", "DejaVuSans-Bold"
# ReportLab's sample styles name the base fonts: each is replaced by its DejaVu face.
FACES = {
    "Helvetica": FONT,
    "Helvetica-Bold": FONT_BOLD,
    "Helvetica-Oblique": "DejaVuSans-Oblique",
    "Helvetica-BoldOblique": "DejaVuSans-BoldOblique",
}


@cache
def _register_fonts() -> None:
    for face in FACES.values():
        pdfmetrics.registerFont(TTFont(face, str(FONT_FOLDER / f"{face}.ttf")))
    pdfmetrics.registerFontFamily(
        FONT,
        normal=FONT,
        bold=FONT_BOLD,
        italic=FACES["Helvetica-Oblique"],
        boldItalic=FACES["Helvetica-BoldOblique"],
    )


def stylesheet() -> StyleSheet1:
    """ReportLab's sample styles, in DejaVu Sans."""
    _register_fonts()
    styles = getSampleStyleSheet()
    for style in styles.byName.values():
        if hasattr(style, "fontName"):  # list styles have bullet fonts only
            style.fontName = FACES.get(style.fontName, style.fontName)
    return styles


def a4_document(buffer: BytesIO, title: str) -> SimpleDocTemplate:
    """An A4 page with the shop's margins and metadata."""
    _register_fonts()
    return SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=title,
        author=_("Boutique des imprimés et objets"),
        initialFontName=FONT,  # else every page names Helvetica too
    )
