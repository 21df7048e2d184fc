"""An address as its fields (line 1 and 2, city, state, ZIP): how the identity store keeps it.

Pure: no database. Metro 2 carries an address as fields and an export writes them back, so the
fields are what is stored (encrypted); the text people write is derived from them, and is what
the blind index is taken over, so matching is the same whichever form a value arrived in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

ADDRESS_FIELDS = ("line_1", "line_2", "city", "state", "zip")


@dataclass(frozen=True)
class Address:
    """An address as its fields: what Metro 2 carries and an export writes back."""

    line_1: str
    line_2: str = ""
    city: str = ""
    state: str = ""
    zip: str = ""

    def text(self) -> str:
        """The form people write ('12 OAK AVE, CASPER WY 82601'), the form shown in a file.
        The blind index is taken over it; its normal form drops the commas, so the index is
        the same as that of 'street, city, ST zip', the text furnished addresses had before
        migration 0160."""
        street = ", ".join(part for part in (self.line_1, self.line_2) if part)
        place = " ".join(part for part in (self.city, self.state, self.zip[:5]) if part)
        return ", ".join(part for part in (street, place) if part)

    def stored(self) -> str:
        """The plaintext encrypted into the document: the fields as JSON."""
        return json.dumps({f: getattr(self, f) for f in ADDRESS_FIELDS}, separators=(",", ":"))


def parse_address(text: str) -> Address:
    """An address from its stored value: the fields (JSON), or a text written as
    'street, city ST zip' / 'street, city, ST zip' (facts stored before migration 0160, and
    addresses typed at enrolment). A text that fits neither is all line 1."""
    if text.startswith("{"):
        fields = json.loads(text)
        return Address(**{f: str(fields.get(f) or "") for f in ADDRESS_FIELDS})
    parts = [part.strip() for part in text.split(",")]
    last = parts[-1].split() if len(parts) > 1 else []
    zip_like = bool(last) and last[-1].replace("-", "").isdigit()
    if len(last) >= 2 and len(last[-2]) == 2 and last[-2].isalpha() and zip_like:
        state, zip_code = last[-2].upper(), last[-1]
        city = " ".join(last[:-2])
        street = parts[:-1]
        if not city and len(street) > 1:
            city = street.pop()
        return Address(street[0], ", ".join(street[1:]), city, state, zip_code)
    return Address(text)


def stored_value(kind: str, value: str | Address) -> str:
    """The plaintext of a fact as the document keeps it."""
    return value.stored() if isinstance(value, Address) else value


def index_value(value: str | Address) -> str:
    """The plaintext a fact's blind index is taken over."""
    return value.text() if isinstance(value, Address) else value
