"""Acquisition: leads, the customer master record, pipeline, activities, campaigns."""
