"""The vocabulary shared by regime files and the simulator: life events, data categories, domains.

Why one catalogue: a regime file names events ("littering") and life domains ("travel"); the
validator checks those names against this list so a typo fails at load time with the field's
name, and the simulator draws exactly these events, so every name a regime uses has a meaning.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class EventType:
    name: str
    category: str  # the data category a record of this event belongs to
    nature: str  # adverse | merit | neutral
    description: str
    # Events added after the first comparisons draw from their own dice (event_types.py), so
    # adding one leaves every earlier event's draws, and so earlier results, unchanged.
    own_dice: bool = False


EVENTS: tuple[EventType, ...] = (
    # Financial life (what fairfile admits).
    EventType("late_payment", "tradeline", "adverse", "a payment 30 or more days late"),
    EventType("default", "collection", "adverse", "an account charged off or sent to collection"),
    EventType("bankruptcy", "bankruptcy", "adverse", "a personal bankruptcy order"),
    EventType("inquiry", "inquiry", "neutral", "an application for credit"),
    # Courts and administration.
    EventType(
        "judgment_unperformed",
        "court_enforcement",
        "adverse",
        "a court judgment the person was able to perform and did not",
    ),
    EventType("tax_arrears", "tax", "adverse", "unpaid tax or fees recorded by an authority"),
    EventType("traffic_offence", "traffic", "adverse", "a traffic offence (e.g. not stopping)"),
    EventType("drunk_driving", "criminal", "adverse", "a drunk-driving conviction"),
    # Conduct the bundled regimes record.
    EventType("littering", "civic_conduct", "adverse", "littering"),
    EventType("jaywalking", "civic_conduct", "adverse", "jaywalking"),
    EventType("negative_speech", "speech", "adverse", "'spreading negative information' online"),
    EventType(
        "petition", "petition", "adverse", "petitioning higher government (over local heads)"
    ),
    EventType("fight", "public_order", "adverse", "a fight or other public-order offence"),
    EventType(
        "unpermitted_birth", "family_planning", "adverse", "a child without birth permission"
    ),
    EventType("academic_fraud", "integrity", "adverse", "exam, research or paperwork fraud"),
    EventType("extravagant_wedding", "custom", "adverse", "an 'extravagant' wedding"),
    # Merits.
    EventType("volunteering", "merit", "merit", "volunteering, helping neighbours"),
    EventType("blood_donation", "merit", "merit", "donating blood"),
    EventType("returned_lost_money", "merit", "merit", "handing in lost money"),
    # Consumption (what a platform score reads).
    EventType(
        "responsible_purchase", "consumption", "merit", "purchases a platform deems responsible"
    ),
    EventType("gaming", "consumption", "adverse", "hours of gaming a platform deems idle"),
    # The rest of Suining's deduction table (seed 003, table 3; bundled-regimes.md#suining).
    *(
        EventType(name, category, "adverse", description, own_dice=True)
        for name, category, description in (
            ("contract_breach", "commerce", "a contract not performed"),
            ("p2p_default", "collection", "a peer-to-peer loan not repaid"),
            ("utility_arrears", "public_fees", "unpaid water, power or gas bills"),
            ("social_security_arrears", "public_fees", "unpaid social-security contributions"),
            ("counterfeit_goods", "commerce", "making or selling fake goods"),
            ("pyramid_selling", "commerce", "taking part in pyramid selling"),
            ("heretical_activity", "religion", "'heretical activities' (banned religious groups)"),
            ("household_virtue_breach", "custom", "a breach of 'household virtue'"),
            ("theft", "criminal", "theft of property"),
            ("bribery", "integrity", "giving or taking a bribe"),
            ("false_accusation", "speech", "a false accusation or slander"),
            ("administrative_penalty", "administrative", "an administrative punishment"),
        )
    ),
)

EVENT_BY_NAME: dict[str, EventType] = {e.name: e for e in EVENTS}
EVENT_NAMES: tuple[str, ...] = tuple(e.name for e in EVENTS)

# Standing attributes a regime may hold about everyone (not events). Data points each adds to
# a file when admitted, and the population signal (a z-score) a composite score can weigh.
STATIC_CATEGORIES: dict[str, int] = {
    "identity": 5,  # name, national id, date of birth, address, phone
    "income_assets": 2,  # income, assets
    "personal": 3,  # education, marital status, employer
    "social": 1,  # who the person's contacts are
}
STATIC_SIGNALS: dict[str, str] = {
    "income": "income_assets",
    "education": "personal",
    "social": "social",
    "history": "tradeline",  # years of credit history
}

CATEGORIES: frozenset[str] = frozenset({e.category for e in EVENTS} | set(STATIC_CATEGORIES))

DOMAINS: tuple[str, ...] = (
    "credit",
    "housing",
    "travel",
    "jobs",
    "schooling",
    "public_services",
    "publication",
    # More of the SPC memorandum's 32 headings (seed 003, table 4; procedure.md#spc-headings).
    "procurement",  # government procurement, tendering, bonds
    "business",  # market access, sector licences, customs status, company leadership
    "consumption",  # star hotels, nightclubs, golf, holidays, cars, luxury purchases
    "honours",  # honorary titles, and the plaques and red lists that award them
)
DOMAIN_BIT: dict[str, int] = {d: 1 << i for i, d in enumerate(DOMAINS)}
# Domain masks (one bit per domain, per person) are this wide: 16 domains fit; past that,
# widen it here and every mask follows (tests/policy/test_domains.py checks the fit).
MASK = np.uint16
Mask = NDArray[np.uint16]
ALL_DOMAINS = sum(DOMAIN_BIT.values())

SCORING_KINDS: tuple[str, ...] = ("scorecard", "points", "composite", "list")
ACCESS_BASES: tuple[str, ...] = ("consent", "permissible-purpose", "mandatory", "none")
