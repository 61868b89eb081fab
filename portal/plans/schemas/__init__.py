"""Marshmallow schemas of the plans module, shared by pages and API; one module per concern."""
