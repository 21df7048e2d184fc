"""Report release, its own domain: a pull reads top to bottom in `bureau.reports.release`.

decide (`consent.decision`, on facts read by `repo`) -> assemble (`bureau.file.assemble`,
under obsolescence) -> score (`bureau.score.scoring`) -> sign (`draft`) -> record (`repo`,
one statement with the access-log entry from `bureau.events`). Consent keeps the grants,
receipts, freezes and alerts and the pure access decision; this package calls it.
"""
