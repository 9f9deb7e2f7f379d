"""Aggregates and rules of support; plain Python, no I/O."""
