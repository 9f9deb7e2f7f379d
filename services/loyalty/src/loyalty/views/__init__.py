"""Loyalty's read models, built from its own published ledger and accounts."""

from sqlalchemy import MetaData

metadata = MetaData()
