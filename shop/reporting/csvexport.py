"""Writing CSV files people open in Excel: UTF-8 with BOM, commas, RFC 4180, inert formulas.

Excel only reads a CSV as UTF-8 when it starts with a byte order mark; without it accents
come out as "Ã©". Quoting follows RFC 4180 (the ``csv`` module, CRLF line ends), so commas,
quotes and line breaks inside a name stay in their cell.

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
read by spreadsheets as a formula: a product named ``=HYPERLINK(...)`` would become a live
link (CSV injection). Such text cells get a leading apostrophe, as OWASP recommends, which
shows the text as typed. Numbers are written as numbers (a quantity, a price with a
decimal point), never prefixed: they are ours, not user input.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

BOM = "\ufeff"
CHUNK_CHARS = 64 * 1024  # text buffered before a chunk is sent: few, large writes
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def inert(value: object) -> object:
    """The cell as written: text that a spreadsheet would run as a formula is prefixed."""
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_TRIGGERS) else value
    return value


def stream_csv(
    header: Sequence[object], rows: Iterable[Sequence[object]], chunk_chars: int = CHUNK_CHARS
) -> Iterator[bytes]:
    """The CSV file as UTF-8 chunks of about ``chunk_chars`` characters, BOM first.

    Rows are pulled from ``rows`` only as chunks are sent, so a generator of a million rows
    is never held in memory; each chunk gathers many rows (one write per row would mean a
    million tiny writes to the client).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow([inert(str(cell)) for cell in header])
    for row in rows:
        writer.writerow([inert(cell) for cell in row])
        if buffer.tell() >= chunk_chars:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")
