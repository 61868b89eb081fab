"""Accounts: login, logout, password reset, invitations, API tokens and user admin."""
