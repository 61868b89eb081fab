"""Gezamenlijke aankoop: planning, bundling, dossiers, participation, award and contracts."""
