"""The sandbox bureau: realistic personas, furnishers and users for prototyping against."""
