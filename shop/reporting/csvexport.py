"""Writing CSV files people open in Excel: UTF-8 with BOM, commas, RFC 4180, inert formulas.

Two formats (:class:`CsvFormat`): the guide's (``STANDARD``: commas, decimal points, read
through Excel's « Données > À partir d'un fichier texte/CSV » [004 §III.e]), and one for a
French Excel that opens the file by double-click (``EXCEL_FR``): it splits on the list
separator of French Windows, the semicolon, and reads ``1,28`` as a number, where ``1.28``
would become a date or text.

Excel only reads a CSV as UTF-8 when it starts with a byte order mark; without it accents
come out as "Ã©". Quoting follows RFC 4180 (the ``csv`` module, CRLF line ends), so commas,
quotes and line breaks inside a name stay in their cell.

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
read by spreadsheets as a formula: a product named ``=HYPERLINK(...)`` would become a live
link (CSV injection). Such text cells get a leading apostrophe, as OWASP recommends, which
shows the text as typed. Numbers are written as numbers (a quantity, a price with a
decimal point, or comma in ``EXCEL_FR``), never prefixed: they are ours, not user input.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

BOM = "\ufeff"
CHUNK_CHARS = 64 * 1024  # text buffered before a chunk is sent: few, large writes
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class CsvFormat:
    delimiter: str
    decimal_comma: bool


STANDARD = CsvFormat(delimiter=",", decimal_comma=False)
EXCEL_FR = CsvFormat(delimiter=";", decimal_comma=True)
# The ``format`` of a download's query string; anything else is the guide's.
FORMATS = {"excel-fr": EXCEL_FR}


def inert(value: object) -> object:
    """The cell as written: text that a spreadsheet would run as a formula is prefixed."""
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_TRIGGERS) else value
    return value


def written(value: object, fmt: CsvFormat) -> object:
    """The cell as written in ``fmt``: a decimal with the format's decimal mark, text inert."""
    if isinstance(value, Decimal | float) and not isinstance(value, bool):
        text = format(value, "f")
        return text.replace(".", ",") if fmt.decimal_comma else text
    return inert(value)


def stream_csv(
    header: Sequence[object],
    rows: Iterable[Sequence[object]],
    chunk_chars: int = CHUNK_CHARS,
    fmt: CsvFormat = STANDARD,
) -> Iterator[bytes]:
    """The CSV file as UTF-8 chunks of about ``chunk_chars`` characters, BOM first.

    Rows are pulled from ``rows`` only as chunks are sent, so a generator of a million rows
    is never held in memory; each chunk gathers many rows (one write per row would mean a
    million tiny writes to the client).
    """
    buffer = io.StringIO()
    writer = csv.writer(
        buffer, delimiter=fmt.delimiter, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n"
    )
    buffer.write(BOM)
    writer.writerow([inert(str(cell)) for cell in header])
    for row in rows:
        writer.writerow([written(cell, fmt) for cell in row])
        if buffer.tell() >= chunk_chars:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")
