"""Synthetic, internally consistent Metro 2 accounts: for tests, the benchmark and the sandbox.

Deterministic for a given seed. Every account generated here passes every validation rule,
the CFPB's evaluators included (a current card carries a balance, a paid account no scheduled
payment, an amount past due never exceeds the balance), so anything the validator reports on
a synthetic file was put there on purpose.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta

from bureau.furnishing.metro2.records import Record, Value
from bureau.furnishing.metro2.totals import Totals
from bureau.furnishing.metro2.write import compose_record

SURNAMES = tuple(
    [
        "SMITH",
        "GARCIA",
        "NGUYEN",
        "OKAFOR",
        "KOWALSKI",
        "HANSEN",
        "MORALES",
        "CHEN",
        "DUBOIS",
        "IVANOVA",
        "PATEL",
        "OBRIEN",
        "SATO",
        "MULLER",
        "ROSSI",
        "JOHNSON",
    ]
)
FIRST_NAMES = tuple(
    [
        "ANA",
        "JAMES",
        "MEI",
        "OLU",
        "PIOTR",
        "INGRID",
        "LUIS",
        "WEI",
        "CLAIRE",
        "OLGA",
        "RAVI",
        "SEAN",
        "YUKI",
        "ANNA",
        "MARCO",
        "LINDA",
    ]
)
CITIES = (
    ("CASPER", "WY", "82601"),
    ("LANSING", "MI", "48906"),
    ("AUSTIN", "TX", "78701"),
    ("DAYTON", "OH", "45402"),
    ("FRESNO", "CA", "93701"),
    ("BANGOR", "ME", "04401"),
)
STREETS = ("MAIN ST", "OAK AVE", "HARRISON PL", "LAKE RD", "2ND ST", "ELM CT")


def ssn(rng: random.Random) -> str:
    """A number that could have been issued (area not 000/666/9xx, group and serial non-zero)."""
    area = rng.choice([a for a in range(1, 900) if a != 666])
    return f"{area:03d}{rng.randint(1, 99):02d}{rng.randint(1, 9999):04d}"


def person(rng: random.Random) -> dict[str, Value]:
    """Identity fields of one consumer, as the base segment carries them."""
    city, state, postal = rng.choice(CITIES)
    return {
        "surname": rng.choice(SURNAMES),
        "first_name": rng.choice(FIRST_NAMES),
        "middle_name": "",
        "ssn": int(ssn(rng)),
        "date_of_birth": date(rng.randint(1945, 2000), rng.randint(1, 12), rng.randint(1, 28)),
        "telephone": rng.randint(2000000000, 9899999999),
        "country_code": "US",
        "address_line_1": f"{rng.randint(1, 9999)} {rng.choice(STREETS)}",
        "city": city,
        "state": state,
        "postal_code": postal,
        "address_indicator": "Y",
        "residence_code": rng.choice("OR"),
    }


def account(
    rng: random.Random,
    as_of: date,
    *,
    furnisher: str = "FAIRFILESANDBOX01",
    number: int = 0,
    who: dict[str, Value] | None = None,
) -> dict[str, Value]:
    """Base segment values for one consistent account as of a date."""
    opened = as_of - timedelta(days=rng.randint(60, 3650))
    values: dict[str, Value] = {
        "processing_indicator": 1,
        "time_stamp": datetime(as_of.year, as_of.month, as_of.day, 12, 0, 0),
        "correction_indicator": 0,
        "identification_number": furnisher,
        "consumer_account_number": f"ACCT{number:010d}",
        "date_opened": opened,
        "date_account_information": as_of,
        "payment_history_profile": "".join(rng.choice("0000000E") for _ in range(24)),
        "ecoa_code": "1",
        "credit_limit": 0,
        "highest_credit": 0,
        "scheduled_payment": 0,
        "actual_payment": 0,
        "current_balance": 0,
        "amount_past_due": 0,
        "original_charge_off": 0,
        **(who if who is not None else person(rng)),
    }
    kind = rng.random()
    if kind < 0.5:  # revolving card
        limit = rng.randint(5, 200) * 100
        values.update(portfolio_type="R", account_type="18", terms_duration="REV",
                      terms_frequency="M", credit_limit=limit, highest_credit=limit,
                      current_balance=rng.randint(1, limit), scheduled_payment=25,
                      actual_payment=25)  # fmt: skip
    else:  # installment loan
        amount = rng.randint(20, 400) * 100
        values.update(portfolio_type="I", account_type=rng.choice(("00", "01", "12")),
                      terms_duration=f"{rng.choice((36, 48, 60, 72)):03d}", terms_frequency="M",
                      highest_credit=amount, current_balance=rng.randint(1, amount),
                      scheduled_payment=amount // 48, actual_payment=amount // 48)  # fmt: skip
    status = rng.random()
    paid_on = as_of - timedelta(days=rng.randint(1, 25))
    if status < 0.75:
        values.update(account_status="11", date_last_payment=paid_on)
    elif status < 0.9:
        past_due_status = rng.choice(("71", "78", "80"))
        dofd = as_of - timedelta(days={"71": 45, "78": 75, "80": 100}[past_due_status])
        dofd = max(dofd, opened)
        scheduled, balance = values["scheduled_payment"], values["current_balance"]
        assert isinstance(scheduled, int) and isinstance(balance, int)
        values.update(account_status=past_due_status, date_first_delinquency=dofd,
                      amount_past_due=max(1, scheduled) * 2,
                      current_balance=max(balance, max(1, scheduled) * 2),
                      date_last_payment=max(opened, dofd - timedelta(days=30)))  # fmt: skip
        history = str(values["payment_history_profile"])
        values["payment_history_profile"] = "1" + history[1:]
    else:
        closed = max(opened, paid_on)
        values.update(account_status="13", payment_rating="0", current_balance=0,
                      scheduled_payment=0,
                      date_closed=closed, date_last_payment=closed)  # fmt: skip
    return values


def records(
    n: int,
    *,
    seed: int = 0,
    as_of: date = date(2026, 10, 31),
    furnisher: str = "FAIRFILESANDBOX01",
) -> Iterator[Record]:
    """A whole, valid file: header, n base records, trailer with true totals."""
    rng = random.Random(seed)
    yield compose_record(
        "header",
        {
            "cycle_identifier": "",
            "activity_date": as_of,
            "date_created": as_of,
            "reporter_name": "FAIRFILE SANDBOX FURNISHER",
            "reporter_address": "1 LEDGER WAY, CASPER WY 82601",
            "reporter_telephone": 3075550100,
            "software_vendor_name": "FAIRFILE",
            "software_version": "0.1",
        },
    )
    totals = Totals()
    totals.records = 1
    for number in range(n):
        record = compose_record("base", account(rng, as_of, furnisher=furnisher, number=number))
        totals.add(record)
        yield record
    yield compose_record("trailer", dict(totals.expected()))
