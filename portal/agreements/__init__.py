"""Samenwerkingsovereenkomsten: agreements approved by each party, evaluations and the cooperation matrix."""
