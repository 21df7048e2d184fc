"""Metro 2 code tables, each code with its meaning, so reports can show words rather than codes.

Meanings follow the Credit Reporting Resource Guide as published in the CFPB's Metro 2
evaluator (cfpb/Metro2, CC0) and moov-io/metro2's constants. A field whose table is named in
layout.py must hold a code listed here (or be blank when the field allows it).
"""

from __future__ import annotations

ACCOUNT_STATUS: dict[str, str] = {
    "05": "Account transferred to another office or servicer",
    "11": "Current account (0-29 days past the due date)",
    "13": "Paid or closed account, zero balance",
    "61": "Paid in full, was a voluntary surrender",
    "62": "Paid in full, was a collection account",
    "63": "Paid in full, was a repossession",
    "64": "Paid in full, was a charge-off",
    "65": "Paid in full; a foreclosure was started",
    "71": "30-59 days past the due date",
    "78": "60-89 days past the due date",
    "80": "90-119 days past the due date",
    "82": "120-149 days past the due date",
    "83": "150-179 days past the due date",
    "84": "180 days or more past the due date",
    "88": "Claim filed with the government for the insured portion of a defaulted loan",
    "89": "Deed received in lieu of foreclosure; there may be a balance due",
    "93": "Assigned to internal or external collections",
    "94": "Foreclosure completed; there may be a balance due",
    "95": "Voluntary surrender; there may be a balance due",
    "96": "Merchandise repossessed; there may be a balance due",
    "97": "Unpaid balance reported as a loss (charge-off)",
    "DA": "Delete entire account (for reasons other than fraud)",
    "DF": "Delete entire account due to confirmed fraud",
}

PAYMENT_RATING: dict[str, str] = {
    "0": "Current (0-29 days past the due date)",
    "1": "30-59 days past the due date",
    "2": "60-89 days past the due date",
    "3": "90-119 days past the due date",
    "4": "120-149 days past the due date",
    "5": "150-179 days past the due date",
    "6": "180 days or more past the due date",
    "G": "Collection",
    "L": "Charge-off",
}

PAYMENT_HISTORY: dict[str, str] = {
    "0": "0-29 days past the due date (current)",
    "1": "30-59 days past the due date",
    "2": "60-89 days past the due date",
    "3": "90-119 days past the due date",
    "4": "120-149 days past the due date",
    "5": "150-179 days past the due date",
    "6": "180 days or more past the due date",
    "B": "No payment history available before this time",
    "D": "No payment history reported or available this month",
    "E": "Zero balance and current account",
    "G": "Collection",
    "H": "Foreclosure completed",
    "J": "Voluntary surrender",
    "K": "Repossession",
    "L": "Charge-off",
}

PORTFOLIO_TYPE: dict[str, str] = {
    "C": "Line of credit",
    "I": "Installment",
    "M": "Mortgage",
    "O": "Open",
    "R": "Revolving",
}

ACCOUNT_TYPE: dict[str, str] = {
    "00": "Auto",
    "01": "Unsecured",
    "02": "Secured",
    "03": "Partially secured",
    "04": "Home improvement",
    "05": "FHA home improvement",
    "06": "Installment sales contract",
    "07": "Charge account",
    "08": "Real estate, specific type unknown",
    "0A": "Time share loan",
    "0C": "Debt buyer",
    "0F": "Construction loan",
    "0G": "Flexible spending credit card",
    "10": "Business loan",
    "11": "Recreational merchandise",
    "12": "Education",
    "13": "Lease",
    "15": "Line of credit",
    "17": "Manufactured housing",
    "18": "Credit card",
    "19": "FHA real estate mortgage",
    "20": "Note loan",
    "25": "VA real estate mortgage",
    "26": "Conventional real estate mortgage",
    "29": "Rental agreement",
    "2A": "Secured credit card",
    "2C": "USDA real estate mortgage loan",
    "37": "Combined credit plan",
    "3A": "Auto lease",
    "43": "Debit card",
    "47": "Credit line secured",
    "48": "Collection agency/attorney",
    "4D": "Telecommunications/cellular",
    "50": "Family support",
    "5A": "Real estate, junior liens and non-purchase money first",
    "5B": "Second mortgage",
    "65": "Government unsecured guaranteed loan",
    "66": "Government secured guaranteed loan",
    "67": "Government unsecured direct loan",
    "68": "Government secured direct loan",
    "69": "Government grant",
    "6A": "Commercial installment loan",
    "6B": "Commercial mortgage loan",
    "6D": "Home equity",
    "70": "Government overpayment",
    "71": "Government fine",
    "72": "Government fee for services",
    "73": "Government employee advance",
    "74": "Government miscellaneous debt",
    "75": "Government benefit",
    "77": "Returned check",
    "7A": "Commercial line of credit",
    "7B": "Agricultural",
    "89": "Home equity line of credit",
    "8A": "Business credit card",
    "8B": "Deposit account with overdraft protection",
    "90": "Medical debt",
    "91": "Debt consolidation",
    "92": "Utility company",
    "93": "Child support",
    "95": "Attorney fees",
    "9A": "Secured home improvement",
    "9B": "Business line personally guaranteed",
}

# Account types whose records are collections (the schema's `is_collection` uses the same set).
COLLECTION_ACCOUNT_TYPES = frozenset({"48", "0C", "77"})

ECOA: dict[str, str] = {
    "1": "Individual",
    "2": "Joint contractual liability",
    "3": "Authorized user",
    "5": "Co-maker or guarantor",
    "7": "Maker",
    "T": "Association with the account terminated",
    "X": "Consumer deceased",
    "W": "Business/commercial",
    "Z": "Delete consumer from the account",
}

SPECIAL_COMMENT: dict[str, str] = {
    "B": "Account payments managed by a financial counseling program",
    "C": "Paid by co-maker or guarantor",
    "H": "Loan assumed by another party",
    "I": "Election of remedy",
    "M": "Account closed at credit grantor's request",
    "O": "Account transferred to another company or servicer",
    "S": "Special handling: contact the credit grantor for more information",
    "V": "Adjustment pending",
    "AB": "Debt being paid through insurance",
    "AC": "Paying under a partial payment agreement",
    "AH": "Purchased by another company",
    "AI": "Recalled to active military duty",
    "AL": "Student loan assigned to the government",
    "AM": "Account payments assured by wage garnishment",
    "AN": "Account acquired by FDIC/NCUA",
    "AO": "Voluntarily surrendered, then redeemed or reinstated",
    "AP": "Credit line suspended",
    "AS": "Account closed due to refinance",
    "AT": "Account closed due to transfer",
    "AU": "Account paid in full for less than the full balance",
    "AV": "First payment never received",
    "AW": "Affected by natural or declared disaster",
    "AX": "Account paid from collateral",
    "AZ": "Redeemed or reinstated repossession",
    "BA": "Transferred to recovery",
    "BB": "Full termination, status pending",
    "BC": "Full termination, obligation satisfied",
    "BD": "Full termination, balance owing",
    "BE": "Early termination, status pending",
    "BF": "Early termination, obligation satisfied",
    "BG": "Early termination, balance owing",
    "BH": "Early termination, insurance loss",
    "BI": "Involuntary repossession",
    "BJ": "Involuntary repossession, obligation satisfied",
    "BK": "Involuntary repossession, balance owing",
    "BL": "Credit card lost or stolen",
    "BN": "Paid by the company which originally sold the merchandise",
    "BO": "Foreclosure proceedings started",
    "BP": "Paid through insurance",
    "BS": "Prepaid lease",
    "BT": "Principal deferred, interest payment only",
    "CH": "Guaranteed or insured",
    "CI": "Account closed due to inactivity",
    "CJ": "Credit line no longer available, in repayment phase",
    "CK": "Credit line reduced due to collateral depreciation",
    "CL": "Credit line suspended due to collateral depreciation",
    "CM": "Collateral released by creditor, balance owing",
    "CN": "Loan modified under a federal government plan",
    "CO": "Loan modified",
    "CP": "Account in forbearance",
    "CS": "Child support",
    "DE": "Debt extinguished under state law",
}

# Compliance conditions that say the account is in dispute now (CRRG): XB and XD under the FCRA,
# XF and XJ under the Fair Credit Billing Act. Both are a consumer's dispute still being
# investigated, so a report or a disclosure that shows "disputed" must show it for all four;
# XC, XE, XG and XH are disputes already concluded, XA and XR no dispute at all.
IN_DISPUTE = frozenset({"XB", "XD", "XF", "XJ"})

COMPLIANCE_CONDITION: dict[str, str] = {
    "XA": "Account closed at consumer's request",
    "XB": "Account information disputed by the consumer under the FCRA; investigation under way",
    "XC": "FCRA dispute investigation completed; consumer disagrees with the result",
    "XD": "Account closed at consumer's request and in FCRA dispute",
    "XE": "Account closed at consumer's request; FCRA investigation completed, consumer disagrees",
    "XF": "Account in dispute under the Fair Credit Billing Act; investigation under way",
    "XG": "FCBA dispute investigation completed; consumer disagrees with the result",
    "XH": "Account previously in dispute; investigation completed and reported",
    "XJ": "Account closed at consumer's request and in FCBA dispute",
    "XR": "Removes the most recently reported compliance condition code",
}

CONSUMER_INFORMATION_INDICATOR: dict[str, str] = {
    "A": "Petition for Chapter 7 bankruptcy",
    "B": "Petition for Chapter 11 bankruptcy",
    "C": "Petition for Chapter 12 bankruptcy",
    "D": "Petition for Chapter 13 bankruptcy",
    "E": "Discharged through Chapter 7 bankruptcy",
    "F": "Discharged through Chapter 11 bankruptcy",
    "G": "Discharged through Chapter 12 bankruptcy",
    "H": "Discharged or completed through Chapter 13 bankruptcy",
    "I": "Chapter 7 bankruptcy dismissed",
    "J": "Chapter 11 bankruptcy dismissed",
    "K": "Chapter 12 bankruptcy dismissed",
    "L": "Chapter 13 bankruptcy dismissed",
    "M": "Chapter 7 bankruptcy withdrawn",
    "N": "Chapter 11 bankruptcy withdrawn",
    "O": "Chapter 12 bankruptcy withdrawn",
    "P": "Chapter 13 bankruptcy withdrawn",
    "Q": "Removes a previously reported bankruptcy indicator (closed, dismissed or withdrawn)",
    "R": "Chapter 7 reaffirmation of debt",
    "S": "Removes a previously reported reaffirmation of debt or lease assumption",
    "T": "Credit grantor cannot locate the consumer",
    "U": "Consumer now located (removes T)",
    "V": "Chapter 7 reaffirmation of debt rescinded",
    # Z was missing here; the CFPB's evaluators count it among the bankruptcy indicators
    # (Bankruptcy-DOFD-1, -ECOA-1), as the CRRG's code list does.
    "Z": "Bankruptcy petition, chapter undesignated",
    "1A": "Personal receivership",
    "2A": "Lease assumption",
}

TERMS_FREQUENCY: dict[str, str] = {
    "D": "Deferred",
    "P": "Single payment loan",
    "W": "Weekly",
    "B": "Biweekly",
    "E": "Semimonthly",
    "M": "Monthly",
    "L": "Bimonthly",
    "Q": "Quarterly",
    "T": "Triannually",
    "S": "Semiannually",
    "Y": "Annually",
}

INTEREST_TYPE: dict[str, str] = {"F": "Fixed", "V": "Variable/adjustable"}

CORRECTION_INDICATOR: dict[str, str] = {
    "0": "Original report",
    "1": "Correction of a previously reported record",
}

GENERATION_CODE: dict[str, str] = {
    "J": "Junior",
    "S": "Senior",
    **{str(n): f"Generation {n}" for n in range(2, 10)},
}

ADDRESS_INDICATOR: dict[str, str] = {
    "C": "Confirmed/verified address",
    "Y": "Known to be the address of the primary consumer",
    "N": "Not confirmed address",
    "M": "Military address",
    "S": "Secondary address",
    "B": "Business address, not the consumer's residence",
    "U": "Non-deliverable address/returned mail",
    "D": "Data furnisher's default address",
    "P": "Bill payer service, not the consumer's residence",
}

RESIDENCE_CODE: dict[str, str] = {"O": "Owns", "R": "Rents"}

CREDITOR_CLASSIFICATION: dict[str, str] = {
    "01": "Retail",
    "02": "Medical/health care",
    "03": "Oil company",
    "04": "Government",
    "05": "Personal services",
    "06": "Insurance",
    "07": "Educational",
    "08": "Banking",
    "09": "Rental/leasing",
    "10": "Utilities",
    "11": "Cable/cellular",
    "12": "Financial",
    "13": "Credit union",
    "14": "Automotive",
    "15": "Check guarantee",
}

PURCHASED_SOLD: dict[str, str] = {
    "1": "Purchased from",
    "2": "Sold to",
    "9": "Remove previously reported K2 information",
}

AGENCY_IDENTIFIER: dict[str, str] = {
    "00": "Agency identifier not applicable",
    "01": "Fannie Mae",
    "02": "Freddie Mac",
}

SPECIALIZED_PAYMENT: dict[str, str] = {"01": "Balloon payment", "02": "Deferred payment"}

CHANGE_INDICATOR: dict[str, str] = {
    "1": "Consumer account number change only",
    "2": "Identification number change only",
    "3": "Consumer account number and identification number change",
}

_STATES = (
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ "
    "NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY AS GU MP PR VI FM MH PW AA AE AP"
)
STATE: dict[str, str] = {
    code: "US state, territory or military postal code" for code in _STATES.split()
}

TABLES: dict[str, dict[str, str]] = {
    "account_status": ACCOUNT_STATUS,
    "payment_rating": PAYMENT_RATING,
    "payment_history": PAYMENT_HISTORY,
    "portfolio_type": PORTFOLIO_TYPE,
    "account_type": ACCOUNT_TYPE,
    "ecoa": ECOA,
    "special_comment": SPECIAL_COMMENT,
    "compliance_condition": COMPLIANCE_CONDITION,
    "consumer_information_indicator": CONSUMER_INFORMATION_INDICATOR,
    "terms_frequency": TERMS_FREQUENCY,
    "interest_type": INTEREST_TYPE,
    "correction_indicator": CORRECTION_INDICATOR,
    "generation_code": GENERATION_CODE,
    "address_indicator": ADDRESS_INDICATOR,
    "residence_code": RESIDENCE_CODE,
    "creditor_classification": CREDITOR_CLASSIFICATION,
    "purchased_sold": PURCHASED_SOLD,
    "agency_identifier": AGENCY_IDENTIFIER,
    "specialized_payment": SPECIALIZED_PAYMENT,
    "change_indicator": CHANGE_INDICATOR,
    "state": STATE,
}


def meaning(table: str, code: str) -> str | None:
    """The words for a code (None when the code is not in the table), for reports and errors."""
    return TABLES[table].get(code.strip())
