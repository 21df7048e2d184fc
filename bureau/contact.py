"""Who the bureau is and how a person reaches it: printed on every notice the law requires.

FCRA §615(a)(3) makes an adverse-action notice name the agency with its address and a toll-free
telephone number; §609(c) wants the same on summaries of rights. The values are deployment
settings (environment), with the sandbox's own as defaults so a prototype's letters are whole.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class BureauContact:
    name: str
    address: str
    phone: str
    website: str


def bureau_contact(environ: dict[str, str] | None = None) -> BureauContact:
    env = os.environ if environ is None else environ
    return BureauContact(
        name=env.get("FAIRFILE_BUREAU_NAME", "fairfile consumer credit bureau (sandbox)"),
        address=env.get("FAIRFILE_BUREAU_ADDRESS", "PO Box 1970, Washington DC 20001"),
        phone=env.get("FAIRFILE_BUREAU_PHONE", "1-800-555-0170"),
        website=env.get("FAIRFILE_BUREAU_WEBSITE", "https://fairfile.dev"),
    )
