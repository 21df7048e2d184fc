"""fairfile's credit bureau: the credit file, its vault, furnishing, reports and the policy lab."""

__version__ = "0.1.0"
