"""Benchmarks at Flanders scale: a data generator and a load driver (``make bench``)."""
