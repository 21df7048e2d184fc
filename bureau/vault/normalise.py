"""Normal forms of identity values, so that the same fact gives the same blind index.

Furnishers write "O'Brien, Mary-Ann" and "OBRIEN MARY ANN", "123 Main Street" and "123 MAIN
ST"; matching on blind indexes only works if both normalise to the same string first.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime

_NON_ALNUM = re.compile(r"[^A-Z0-9]+")
_STREET_WORDS = {
    "STREET": "ST", "AVENUE": "AVE", "ROAD": "RD", "DRIVE": "DR", "LANE": "LN",
    "BOULEVARD": "BLVD", "COURT": "CT", "PLACE": "PL", "TERRACE": "TER", "HIGHWAY": "HWY",
    "PARKWAY": "PKWY", "CIRCLE": "CIR", "APARTMENT": "APT", "SUITE": "STE", "UNIT": "UNIT",
    "NORTH": "N", "SOUTH": "S", "EAST": "E", "WEST": "W", "NUMBER": "", "NO": "",
}  # fmt: skip


def _ascii_upper(value: str) -> str:
    if value.isascii():  # nothing to decompose (Metro 2 files are ASCII): the common case
        return value.upper()
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()


def name(value: str) -> str:
    """Upper-case ASCII words; apostrophes joined (O'BRIEN -> OBRIEN), other marks split words."""
    text = _ascii_upper(value).replace("'", "").replace("\u2019", "")
    return " ".join(_NON_ALNUM.sub(" ", text).split())


def national_id(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    if not digits:
        raise ValueError("a national id must contain digits")
    return digits


def dob(value: str | date) -> str:
    """ISO date. Accepts a date, ISO `YYYY-MM-DD`, or Metro 2's `MMDDYYYY`."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = value.strip()
    if re.fullmatch(r"\d{8}", text):
        return datetime.strptime(text, "%m%d%Y").date().isoformat()
    return date.fromisoformat(text).isoformat()


def address(value: str) -> str:
    words = _NON_ALNUM.sub(" ", _ascii_upper(value)).split()
    return " ".join(w for w in (_STREET_WORDS.get(word, word) for word in words) if w)


def phone(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    return digits[-10:]


def account(value: str) -> str:
    return value.strip().upper()


NORMALISERS: dict[str, Callable[[str], str]] = {
    "name": name,
    "national_id": national_id,
    "dob": dob,
    "address": address,
    "phone": phone,
    "account": account,
}
