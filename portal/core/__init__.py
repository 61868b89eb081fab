"""Shared machinery: model base, errors, audit log, notifications, permissions."""
