"""Aggregates and rules of acquisition; plain Python, no I/O."""
