"""Webhooks: what changed, told to the organizations it concerns, signed (Standard Webhooks)."""
