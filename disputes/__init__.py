"""Correction on the legal clock: disputes, furnisher answers, statements and notices."""
