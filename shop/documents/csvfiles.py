"""Reading the CSV files people upload: encoding and separator as spreadsheets save them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from shop.errors import DomainError


class CsvFileError(DomainError):
    """The file as a whole cannot be read: nothing is imported."""


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252."""
    if b"\x00" in data:
        raise CsvFileError(
            _l("Ce fichier n'est pas un fichier CSV (texte) : exportez-le au format CSV.")
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as error:
        raise CsvFileError(
            _l("Encodage du fichier non reconnu : enregistrez-le en UTF-8 ou en Windows-1252.")
        ) from error


def sniff_delimiter(text: str) -> str:
    """``;`` or ``,``: whichever the header line holds more of."""
    header = text.lstrip("\r\n").split("\n", 1)[0]
    return ";" if header.count(";") > header.count(",") else ","
