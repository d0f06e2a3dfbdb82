"""The picking list / delivery note: one page per delivery address, for the weekly dispatch.

The logistician prepares each parcel from its page (lines to tick, total weight) and slips
the same page in the parcel as the delivery note, with the orderer's references.
"""

from __future__ import annotations

from datetime import datetime
from io import BytesIO
from xml.sax.saxutils import escape

from flask_babel import format_datetime, format_decimal
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    PageBreak,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from shop.documents import FONT, a4_document, stylesheet
from shop.models import Order


def _kg(grams: int) -> str:
    return format_decimal(grams / 1000, format="#,##0.###") + " kg"


def picking_list_pdf(groups: list[list[Order]], now: datetime) -> bytes:
    buffer = BytesIO()
    document = a4_document(buffer, _("Bon de préparation et de livraison"))
    styles = stylesheet()
    small = styles["BodyText"].clone("small", fontSize=8.5, leading=10.5)

    def para(text: str, style=small) -> Paragraph:
        return Paragraph(escape(text).replace("\n", "<br/>"), style)

    printed = format_datetime(now, "dd/MM/yyyy HH:mm")
    story: list = []
    for index, group in enumerate(groups):
        if index:
            story.append(PageBreak())
        first = group[0]
        story += [
            para(_("Boutique des imprimés et objets"), styles["Normal"]),
            para(_("Bon de préparation et de livraison"), styles["Title"]),
            para(
                _(
                    "Édité le %(date)s — colis %(index)s sur %(count)s",
                    date=printed,
                    index=index + 1,
                    count=len(groups),
                )
            ),
            Spacer(1, 3 * mm),
            para(_("Adresse de livraison"), styles["Heading4"]),
            para(
                f"{first.delivery_name}\n{first.delivery_address}\n"
                f"{first.delivery_postcode} {first.delivery_city}"
                + (f"\n{first.delivery_phone}" if first.delivery_phone else ""),
                styles["Heading3"],
            ),
            Spacer(1, 3 * mm),
        ]
        parcel_grams = 0
        for order in group:
            header = [
                para(h)
                for h in (
                    _("Réf."),
                    _("Désignation produit"),
                    _("Quantité"),
                    _("Poids"),
                    _("Préparé"),
                )
            ]
            rows = [header]
            order_grams = 0
            for line in order.lines:
                grams = line.product.weight_grams * line.quantity
                order_grams += grams
                rows.append(
                    [
                        para(line.product.reference),
                        para(line.product.name),
                        format_decimal(line.quantity, format="#,##0"),
                        _kg(grams),
                        "[   ]",
                    ]
                )
            parcel_grams += order_grams
            table = Table(rows, colWidths=[38 * mm, 82 * mm, 20 * mm, 24 * mm, 16 * mm])
            table.setStyle(
                TableStyle(
                    [
                        ("FONTNAME", (0, 0), (-1, -1), FONT),
                        ("FONTSIZE", (0, 0), (-1, -1), 8.5),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
                        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                        ("ALIGN", (2, 1), (-1, -1), "RIGHT"),
                        ("ALIGN", (4, 1), (4, -1), "CENTER"),
                        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ]
                )
            )
            details = _(
                "Commande %(number)s (enregistrée sous le numéro %(saved)s), validée le "
                "%(date)s — %(entity)s — commandé par %(name)s (%(identifier)s)",
                number=order.validated_number,
                saved=order.number,
                date=format_datetime(order.validated_at, "dd/MM/yyyy"),
                entity=order.entity.name,
                name=order.account.full_name,
                identifier=order.account.identifier,
            )
            if order.customer_reference:
                details += "\n" + _("Référence : %(ref)s", ref=order.customer_reference)
            if order.ansh_number:
                details += "\n" + _("N° ANSH : %(number)s", number=order.ansh_number)
            if order.delivery_block.contact:
                details += "\n" + _("À l'attention de %(name)s", name=order.delivery_block.contact)
            story.append(
                KeepTogether(
                    [
                        para(details, styles["Heading5"]),
                        table,
                        para(_("Poids de la commande : %(weight)s", weight=_kg(order_grams))),
                        Spacer(1, 4 * mm),
                    ]
                )
            )
        story += [
            para(
                _(
                    "Poids total du colis : %(weight)s — %(count)s commande(s)",
                    weight=_kg(parcel_grams),
                    count=len(group),
                ),
                styles["Heading4"],
            ),
            Spacer(1, 8 * mm),
            para(_("Reçu le : ____ / ____ / ________    Nom et signature :")),
        ]
    document.build(story)
    return buffer.getvalue()
