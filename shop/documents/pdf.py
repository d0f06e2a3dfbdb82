"""The order as a PDF: "DEVIS en attente de validation" while saved, « Devis expiré » once
its deadline passed, the confirmation once validated, « Commande annulée » (why, when) once
cancelled. In DejaVu Sans (see :mod:`shop.documents`)."""

from __future__ import annotations

from datetime import datetime
from io import BytesIO
from xml.sax.saxutils import escape

from flask_babel import format_currency, format_date, format_datetime, format_decimal
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from shop.addresses import Block
from shop.clock import utcnow
from shop.documents import FONT, FONT_BOLD, a4_document, stylesheet
from shop.models import Order, OrderStatus
from shop.models.orders import CANCEL_EXPIRED, CANCEL_HEAD_OFFICE
from shop.ordering.pricing import Totals


def _money(value) -> str:
    return format_currency(value, "EUR")


def block_text(block: Block) -> str:
    """An address block as lines: the person, the address, the phone and e-mail."""
    lines = [block.contact, block.address, f"{block.postcode} {block.city}".strip()]
    lines += [" · ".join(v for v in (block.phone, block.email) if v)]
    return "".join(line + "\n" for line in lines if line)


def _day(value) -> str:
    return format_date(value, "dd/MM/yyyy")


def _cancellation(order: Order) -> str:
    """Why and when a cancelled order was cancelled, as its owner reads it on the shop."""
    if order.cancel_reason == CANCEL_EXPIRED:
        return _("Annulée — délai de validation dépassé le %(date)s", date=_day(order.deadline))
    if order.cancel_reason == CANCEL_HEAD_OFFICE and order.cancelled_at is not None:
        return _("Annulée par le siège le %(date)s", date=_day(order.cancelled_at))
    return _("Annulée")


def order_pdf_name(order: Order, now: datetime | None = None) -> str:
    """The file name says what the document is, as its title does: a quote, an expired
    quote, an order's confirmation or a cancelled order."""
    now = now or utcnow()
    if order.status is OrderStatus.CANCELLED:
        return f"commande-annulee-{order.display_number}.pdf"
    if order.is_expired(now):
        return f"devis-expire-{order.number}.pdf"
    if order.status is OrderStatus.SAVED:
        return f"devis-{order.number}.pdf"
    return f"commande-{order.display_number}.pdf"


def order_pdf(order: Order, totals: Totals, now: datetime | None = None) -> bytes:
    buffer = BytesIO()
    now = now or utcnow()
    # A saved order past its deadline holds nothing any more: no longer a quote to validate.
    lapsed = order.is_expired(now)
    if order.status is OrderStatus.SAVED and not lapsed:
        title = _("DEVIS en attente de validation")
    elif lapsed:
        title = _("Devis expiré")
    elif order.status is OrderStatus.CANCELLED:
        title = _("Commande annulée")
    else:
        title = _("Confirmation de commande")
    document = a4_document(buffer, f"{title} {order.display_number}")
    styles = stylesheet()
    small = styles["BodyText"].clone("small", fontSize=8.5, leading=10.5)

    def para(text: str, style=small) -> Paragraph:
        return Paragraph(escape(text).replace("\n", "<br/>"), style)

    story = [
        para(_("Boutique des imprimés et objets"), styles["Normal"]),
        para(f"{title} — {order.display_number}", styles["Title"]),
        para(
            _(
                "Commande %(number)s enregistrée le %(date)s",
                number=order.number,
                date=format_datetime(order.created_at, "dd/MM/yyyy HH:mm"),
            )
            + (
                "\n"
                + _(
                    "À valider avant le %(date)s",
                    date=format_datetime(order.deadline, "dd/MM/yyyy HH:mm"),
                )
                if order.status is OrderStatus.SAVED and not lapsed
                else ""
            )
            + (
                "\n"
                + _("Délai de validation dépassé le %(date)s", date=_day(order.deadline))
                + " — "
                + _("ce devis ne réserve plus les produits.")
                if lapsed
                else ""
            )
            + (
                "\n"
                + _(
                    "Validée le %(date)s",
                    date=format_datetime(order.validated_at, "dd/MM/yyyy HH:mm"),
                )
                if order.validated_at
                else ""
            )
            + ("\n" + _cancellation(order) if order.status is OrderStatus.CANCELLED else "")
            + (
                "\n" + _("Référence : %(ref)s", ref=order.customer_reference)
                if order.customer_reference
                else ""
            )
            + (
                "\n" + _("N° ANSH : %(number)s", number=order.ansh_number)
                if order.ansh_number
                else ""
            )
        ),
        Spacer(1, 4 * mm),
    ]
    billing_entity = order.billing_entity
    delivery, billing = order.delivery_block, order.billing_block
    addresses = Table(
        [
            [
                para(_("Adresse de livraison"), styles["Heading4"]),
                para(_("Informations de facturation"), styles["Heading4"]),
            ],
            [
                para(f"{order.delivery_name}\n" + block_text(delivery)),
                para(
                    f"{billing_entity.billing_name or billing_entity.name}\n"
                    + block_text(billing)
                    + _(
                        "Commandé par %(name)s (%(identifier)s)",
                        name=order.account.full_name,
                        identifier=order.account.identifier,
                    )
                ),
            ],
        ],
        colWidths=[90 * mm, 90 * mm],
    )
    addresses.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [addresses, Spacer(1, 5 * mm)]

    header = [
        _("Désignation produit"),
        _("Réf."),
        _("P.U. H.T."),
        _("P.U. T.T.C."),
        _("Quantité"),
        _("Total H.T."),
        _("Total T.T.C."),
    ]
    rows = [[para(h) for h in header]]
    for line in totals.lines:
        rows.append(
            [
                para(line.product.name),
                para(line.product.reference),
                _money(line.unit_price),
                _money(line.unit_price_incl_vat),
                format_decimal(line.quantity, format="#,##0"),
                _money(line.total_excl_vat),
                _money(line.total_incl_vat),
            ]
        )
    shipping = totals.shipping
    summary = [
        (_("SOUS-TOTAL H.T."), totals.subtotal_excl_vat),
        (_("SOUS-TOTAL T.V.A."), totals.subtotal_vat),
        (_("SOUS-TOTAL T.T.C."), totals.subtotal_incl_vat),
        (_("Frais de livraison H.T."), shipping.fee_excl_vat),
        (_("Frais de livraison T.V.A."), shipping.vat),
        (_("Frais de livraison T.T.C."), shipping.fee_incl_vat),
        (_("TOTAL H.T."), totals.total_excl_vat),
        (_("TOTAL T.V.A."), totals.total_vat),
        (_("TOTAL T.T.C."), totals.total_incl_vat),
    ]
    first_summary = len(rows)
    for label, amount in summary:
        rows.append(["", "", "", "", label, "", _money(amount)])
    table = Table(
        rows,
        colWidths=[46 * mm, 30 * mm, 19 * mm, 19 * mm, 18 * mm, 24 * mm, 26 * mm],
        repeatRows=1,
    )
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("FONTSIZE", (0, 0), (-1, -1), 8.5),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
                ("GRID", (0, 0), (-1, first_summary - 1), 0.4, colors.grey),
                ("ALIGN", (2, 1), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                *[("SPAN", (4, r), (5, r)) for r in range(first_summary, len(rows))],
                ("LINEABOVE", (4, len(rows) - 3), (-1, len(rows) - 3), 0.6, colors.black),
                ("FONTNAME", (4, len(rows) - 3), (-1, -1), FONT_BOLD),
            ]
        )
    )
    story += [table, Spacer(1, 4 * mm)]
    # A cancelled order, or a quote past its deadline, will not be delivered: no estimate.
    if order.status is not OrderStatus.CANCELLED and not lapsed:
        story.append(
            para(
                _(
                    "Livraison %(carrier)s — date de livraison estimée : %(date)s.",
                    carrier=shipping.carrier,
                    date=format_date(shipping.delivery_date, "dd/MM/yyyy"),
                )
            )
        )
    if order.status is OrderStatus.SAVED and not lapsed:
        story.append(
            para(
                _(
                    "3 jours avant la date limite de validation, un rappel est envoyé par email. "
                    "À l'échéance de la période de réservation de 7 jours et sans action de votre "
                    "part, la commande est supprimée et les produits sont remis en stock."
                )
            )
        )
    document.build(story)
    return buffer.getvalue()
