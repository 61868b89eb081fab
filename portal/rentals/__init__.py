"""Materieel- en zaalverhuur: catalogue, availability, reservations without double booking."""
