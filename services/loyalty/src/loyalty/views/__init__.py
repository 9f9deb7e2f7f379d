"""Loyalty's read models, built from its own published ledger and accounts and from the
customers topic."""

from sqlalchemy import MetaData

metadata = MetaData()
