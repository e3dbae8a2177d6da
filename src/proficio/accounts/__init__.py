"""Accounts: people who log in, their roles and their home pages."""
