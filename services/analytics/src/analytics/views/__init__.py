"""Analytics' read models, built from every topic."""
