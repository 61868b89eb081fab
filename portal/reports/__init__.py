"""Rapportering aan de gemeenteraden: periodic council reports per municipality."""
