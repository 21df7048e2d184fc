"""Notices addressed to the subject, of every kind (adverse action, dispute results, …)."""
