"""Subjects: enrolment, identity facts in the vault, and matching by blind index."""
