"""Credentials: organization API keys with scopes, and subject tokens."""
