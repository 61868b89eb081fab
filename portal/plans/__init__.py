"""Meerjarenplan: a municipality's own policy plan, linked to the cooperation and reported on."""
