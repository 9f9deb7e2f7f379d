"""Support's read models, built from the topics it consumes."""
