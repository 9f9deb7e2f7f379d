"""Aggregates and rules of loyalty; plain Python, no I/O."""
