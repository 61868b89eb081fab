"""Beleidstafels: thematic policy tables of a region, their meetings, agendas and actions."""
