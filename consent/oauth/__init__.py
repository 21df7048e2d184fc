"""A lender asks for consent: OAuth 2.0 authorization code with PKCE (RFC 6749, 7636, 8414)."""
