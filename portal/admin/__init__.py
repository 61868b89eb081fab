"""Tenant administration: users, roles, settings and the audit log."""
