"""Acquisition's read models, built from its own published topics, in one database."""

from sqlalchemy import MetaData

metadata = MetaData()
