"""Operator administration: organizations, their API keys, and enrolling subjects."""
