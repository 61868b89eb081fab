"""Celery tasks: thin wrappers that enter a context and call portal operations."""
