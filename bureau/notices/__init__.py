"""Notices addressed to subjects (adverse action, compelled access, dispute results, ...)."""
