"""Consumer statements in every report that carries the disputed item (FCRA §611(c)).

The subject's disclosure shows all their current statements straight from the file
(`bureau.file.disclosure`). A report may show only those about items it carries, a rule that
belongs to disputes: `bureau.app` plugs `report_statements` into released reports
(`app.state.report_sections`), since consent may not import disputes.
"""

from __future__ import annotations

from typing import Any

from bureau.file.disclosure import statements_json
from bureau.model import CreditFile


def report_statements(file: CreditFile) -> dict[str, Any]:
    """The statements about items this report carries (none about items it left out).

    Built from the file as released (after obsolescence), whose read already fetched and
    decrypted the statements: no second query, no second unwrap of the subject's key.
    """
    carried = {t.tradeline_id for t in file.tradelines} | {
        b.bankruptcy_id for b in file.bankruptcies
    }
    return {"statements": statements_json(s for s in file.statements if s.item_id in carried)}
