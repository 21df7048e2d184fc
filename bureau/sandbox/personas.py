"""The sandbox's organizations and personas, as data.

Each persona is a situation a lending team needs to test against (thin file, maxed-out cards,
a charge-off, an old bankruptcy, a frozen file, …). Dates are given as months before the
seeding date, so the sandbox stays realistic whenever it is seeded.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class OrgSpec:
    slug: str
    name: str
    roles: tuple[str, ...]
    scopes: tuple[str, ...]
    furnisher_code: str | None = None
    address: str = ""
    phone: str = ""


ORGS: tuple[OrgSpec, ...] = (
    OrgSpec("northwind", "Northwind Bank", ("furnisher", "user"), ("furnish", "pull"),
            "NWB0000001", "1 Harbor Plaza, Boston MA 02110", "8005550101"),
    OrgSpec("harbor-auto", "Harbor Auto Finance", ("furnisher", "user"), ("furnish", "pull"),
            "HAF0000002", "400 Motor Way, Detroit MI 48226", "8005550102"),
    OrgSpec("summit-cu", "Summit Credit Union", ("furnisher", "user"), ("furnish", "pull"),
            "SCU0000003", "77 Ridge Rd, Denver CO 80202", "8005550103"),
    OrgSpec("cedar-mortgage", "Cedar Mortgage Servicing", ("furnisher",), ("furnish",),
            "CMS0000004", "9 Elm St, Columbus OH 43215", "8005550104"),
    OrgSpec("beacon-student", "Beacon Student Loan Servicing", ("furnisher",), ("furnish",),
            "BSL0000005", "12 College Ave, Austin TX 78701", "8005550105"),
    OrgSpec("meridian-recovery", "Meridian Recovery Services", ("furnisher",), ("furnish",),
            "MRS0000006", "55 Quarry Ln, Tampa FL 33602", "8005550106"),
    OrgSpec("lumen", "Lumen Lending", ("user",), ("pull",),
            address="300 Market St, San Francisco CA 94105", phone="8005550107"),
    OrgSpec("oakridge", "Oakridge Property Management", ("user",), ("pull",),
            address="18 Oak Ridge Dr, Raleigh NC 27601", phone="8005550108"),
    OrgSpec("acme-staffing", "Acme Staffing", ("user",), ("pull",),
            address="2 Industry Sq, Chicago IL 60601", phone="8005550109"),
    OrgSpec("operator", "fairfile Sandbox Operator", ("operator",), ("operator",)),
    OrgSpec("auditor", "Consumer Credit Research Lab", ("auditor",), ("auditor",)),
)  # fmt: skip


@dataclass(frozen=True)
class AccountSpec:
    """One account, dated in months before the seeding date."""

    furnisher: str
    kind: str  # card, auto, mortgage, student, personal, collection, secured-card
    opened: int
    limit: int = 0
    balance: int = 0
    status: str = "11"
    lates: dict[int, str] = field(default_factory=dict)  # months ago -> history code
    dofd: int | None = None
    closed: int | None = None
    past_due: int = 0
    charge_off: int = 0
    special_comment: str | None = None
    compliance: str | None = None
    original_creditor: str | None = None
    ecoa: str = "1"
    payment_rating: str | None = None


@dataclass(frozen=True)
class BankruptcySpec:
    chapter: str
    filed: int  # months ago
    disposition: str
    disposed: int | None
    court: str = "U.S. Bankruptcy Court, N.D. Ill."


@dataclass(frozen=True)
class Persona:
    slug: str
    name: str
    age: int
    address: str
    story: str
    accounts: tuple[AccountSpec, ...] = ()
    bankruptcies: tuple[BankruptcySpec, ...] = ()
    hard_inquiries: tuple[tuple[str, int], ...] = ()  # (user slug, days ago)
    fraud_alert: str | None = None  # initial | extended | active_duty
    frozen: bool = False
    disputed_account: int | None = None  # index into accounts with an open dispute


def _lates(**months: str) -> dict[int, str]:
    return {int(k.removeprefix("m")): v for k, v in months.items()}


A = AccountSpec
PERSONAS: tuple[Persona, ...] = (
    Persona("prime-long-history", "Margaret Ellen Okafor", 58, "14 Willow Bend, Evanston IL 60201",
            "25 years of on-time payments across a mortgage, an auto loan and three cards.",
            (A("cedar-mortgage", "mortgage", 240, 320000, 41000),
             A("harbor-auto", "auto", 30, 38000, 14200),
             A("northwind", "card", 300, 25000, 1200), A("summit-cu", "card", 180, 12000, 300),
             A("northwind", "card", 96, 8000, 350))),
    Persona("thin-file", "Diego Alejandro Ruiz", 21, "402 Campus View Apt 3, Tempe AZ 85281",
            "One secured card opened eight months ago.",
            (A("summit-cu", "secured-card", 8, 500, 90),)),
    Persona("no-file", "Aisha Rahman Khan", 19, "77 First St, Albany NY 12207",
            "Enrolled, but no furnisher has ever reported an account."),
    Persona("maxed-out-cards", "Kevin Patrick Doyle", 34, "19 Pine St, Hartford CT 06103",
            "Four cards at 95-100% utilisation, all paid on time.",
            (A("northwind", "card", 60, 5000, 4950), A("summit-cu", "card", 48, 3000, 3000),
             A("northwind", "card", 36, 7500, 7200), A("harbor-auto", "auto", 20, 22000, 17000))),
    Persona("late-30", "Sofia Marie Lindqvist", 29, "8 Lake Shore Dr, Madison WI 53703",
            "One 30-day late on a card four months ago; otherwise clean.",
            (A("northwind", "card", 40, 6000, 1800, lates=_lates(m4="1")),
             A("beacon-student", "student", 70, 28000, 21000))),
    Persona("late-60", "Marcus Leon Bell", 41, "230 Grant Ave, Pittsburgh PA 15219",
            "An auto loan now 60 days past due.",
            (A("harbor-auto", "auto", 26, 31000, 19500, status="78",
               lates=_lates(m1="2", m2="1"), dofd=2, past_due=1180),
             A("summit-cu", "card", 90, 4000, 900))),
    Persona("late-90", "Priya Nandini Rao", 37, "5 Orchard Ln, Edison NJ 08817",
            "A card 90 days past due after a job loss.",
            (A("northwind", "card", 50, 9000, 8700, status="80",
               lates=_lates(m1="3", m2="2", m3="1"), dofd=3, past_due=960),
             A("cedar-mortgage", "mortgage", 84, 210000, 176000))),
    Persona("charged-off", "Thomas Wade Jennings", 45, "66 River Rd, Memphis TN 38103",
            "A card charged off two years ago, still unpaid.",
            (A("northwind", "card", 80, 6000, 6400, status="97", dofd=26, past_due=6400,
               charge_off=5900,
               lates={m: c for m, c in zip(range(20, 27), "LL6543", strict=False)}),
             A("summit-cu", "card", 14, 1000, 200))),
    Persona("collection", "Linda Grace Moreno", 52, "901 Sunset Blvd, Phoenix AZ 85004",
            "A medical bill placed with a collection agency.",
            (A("meridian-recovery", "collection", 14, 0, 1840, status="93", dofd=18,
               past_due=1840, original_creditor="ST MARY MEDICAL CENTER"),
             A("harbor-auto", "auto", 40, 18000, 6200))),
    Persona("bankruptcy-over-10-years", "Robert James Whitaker", 63, "3 Mill Pond Rd, Dover DE 19901",
            "Chapter 7 filed 11 years ago (obsolete: must not be reported), since rebuilt.",
            (A("summit-cu", "card", 100, 5000, 400), A("harbor-auto", "auto", 36, 24000, 9800)),
            (BankruptcySpec("7", 134, "discharged", 130),)),
    Persona("bankruptcy-recent", "Angela Dawn Foster", 39, "44 Canal St, New Orleans LA 70112",
            "Chapter 13 filed two years ago, plan in progress.",
            (A("northwind", "card", 70, 3000, 0, status="13", closed=24, payment_rating="0",
               special_comment="M"),),
            (BankruptcySpec("13", 24, "filed", None, "U.S. Bankruptcy Court, E.D. La."),)),
    Persona("identity-theft-victim", "Jamal Everett Brooks", 33, "12 Hill St, Atlanta GA 30303",
            "Someone opened a card in his name; extended fraud alert in place.",
            (A("summit-cu", "card", 60, 8000, 1200),
             A("northwind", "card", 5, 10000, 9800, status="80", dofd=3, past_due=900,
               lates=_lates(m1="3", m2="2", m3="1"))),
            hard_inquiries=(("lumen", 150),), fraud_alert="extended"),
    Persona("frozen-file", "Helen Mae Carter", 47, "27 Beacon St, Portland ME 04101",
            "A security freeze is in place; no new-credit pulls are released.",
            (A("northwind", "card", 120, 15000, 2200), A("cedar-mortgage", "mortgage", 96, 240000, 190000)),
            frozen=True),
    Persona("active-duty", "Daniel Ortiz Vega", 26, "Bldg 4410, Fort Liberty NC 28310",
            "Deployed service member with an active-duty alert.",
            (A("harbor-auto", "auto", 18, 27000, 21000), A("summit-cu", "card", 40, 4000, 700)),
            fraud_alert="active_duty"),
    Persona("item-under-dispute", "Grace Li Chen", 31, "88 Mission St, San Jose CA 95113",
            "Disputes a 60-day late she says was a bank error; the dispute is open.",
            (A("northwind", "card", 44, 7000, 1500, lates=_lates(m6="2", m7="1"),
               compliance="XB"),
             A("beacon-student", "student", 60, 35000, 26000)),
            disputed_account=0),
    Persona("student-loans", "Ethan Cole Murphy", 24, "15 Elm St Apt 2, Ann Arbor MI 48104",
            "Student loans in repayment and one card: a typical first file.",
            (A("beacon-student", "student", 48, 42000, 39500),
             A("beacon-student", "student", 36, 12000, 11200), A("summit-cu", "card", 30, 2500, 600))),
    Persona("paid-charge-off", "Carmen Lucia Herrera", 50, "3 Plaza Real, El Paso TX 79901",
            "A charge-off from five years ago, since paid in full.",
            (A("northwind", "card", 110, 4000, 0, status="64", dofd=66, closed=60, charge_off=3800,
               lates={m: "L" for m in range(1, 25)}),
             A("summit-cu", "card", 50, 6000, 1100))),
    Persona("obsolete-collection", "Walter Henry Price", 60, "70 Ocean Ave, Biloxi MS 39530",
            "A collection whose delinquency began 8 years ago (past the 7-year limit).",
            (A("meridian-recovery", "collection", 90, 0, 2300, status="93", dofd=100, past_due=2300,
               original_creditor="SOUTHERN TELECOM"),
             A("summit-cu", "card", 150, 9000, 1500))),
    Persona("many-inquiries", "Olivia Rose Bennett", 28, "9 Queen Anne Ave, Seattle WA 98109",
            "Shopping for credit: six hard inquiries and two new cards this year.",
            (A("northwind", "card", 3, 4000, 1200), A("summit-cu", "card", 2, 3000, 800),
             A("harbor-auto", "auto", 40, 20000, 8000)),
            hard_inquiries=(("lumen", 20), ("lumen", 75), ("northwind", 100), ("summit-cu", 95),
                            ("harbor-auto", 160), ("oakridge", 200))),
    Persona("foreclosure", "Gregory Alan Sims", 55, "210 Palm Way, Fort Myers FL 33901",
            "A mortgage foreclosed three years ago; the sale left a deficiency still owed.",
            (A("cedar-mortgage", "mortgage", 150, 180000, 14500, status="94", dofd=44, closed=36,
               past_due=14500, payment_rating="6", lates={m: "H" for m in range(1, 24)} | {24: "5"}),
             A("summit-cu", "card", 20, 1500, 300))),
    Persona("authorized-user", "Maya Jade Thompson", 20, "14 Willow Bend, Evanston IL 60201",
            "Authorized user on a parent's long-standing card, nothing of her own.",
            (A("northwind", "card", 300, 25000, 1200, ecoa="3"),)),
    Persona("recovering", "Samuel Isaac Novak", 44, "31 Birch Rd, Omaha NE 68102",
            "Lates three years ago, on time since.",
            (A("summit-cu", "card", 100, 6000, 900), A("harbor-auto", "auto", 60, 25000, 4000),
             A("northwind", "card", 72, 5000, 400))),
)  # fmt: skip
