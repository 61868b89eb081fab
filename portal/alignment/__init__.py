"""Afstemming: registers per municipality, side-by-side comparison and harmonisation tracks."""
