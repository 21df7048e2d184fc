"""The file's account read is positional: each column must land on its model field."""

from __future__ import annotations

from bureau.file.repo import TRADELINES_SQL
from bureau.model import Tradeline

# The read's columns that carry a model field under another name.
_AS_FIELD = {
    "name": "furnisher_name",  # the furnisher's, from organizations
    "account_number_ct": "account_number",  # decrypted by the assembler
    "reported_through": "date_account_information",  # as moved on by unchanged reports
    "reported_history": "payment_history",
}


def test_the_account_read_names_every_tradeline_field_in_the_models_order() -> None:
    select_list = TRADELINES_SQL.split("SELECT", 1)[1].split("FROM", 1)[0]
    columns = [column.strip().rsplit(".", 1)[-1] for column in select_list.split(",")]
    assert [_AS_FIELD.get(c, c) for c in columns] == list(Tradeline.__dataclass_fields__)
