"""Who the customer is, their loyalty account and their cases."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, Date, DateTime, String, Table

from analytics.views import metadata

profiles = Table(
    "customer_profiles",
    metadata,
    Column("customer_id", String(64), primary_key=True),
    Column("first_name", String(100)),
    Column("last_name", String(100)),
    Column("email", String(320)),
    Column("phone", String(40)),
    Column("company", String(200)),
    Column("birthday", Date),
    Column("source", String(40)),
    Column("lead_id", String(64)),
    Column("campaign_id", String(64)),
    Column("erp_customer_number", String(64)),
    Column("registered_at", DateTime(timezone=True)),
)

loyalty_accounts = Table(
    "loyalty_accounts",
    metadata,
    Column("customer_id", String(64), primary_key=True),
    Column("account_id", String(64), nullable=False),
    Column("tier", String(20)),  # None until the opening or a tier change arrives
    Column("points_balance", BigInteger, nullable=False),
    Column("opened_at", DateTime(timezone=True)),
    # the account versions the tier and the balance come from (see views.accounts)
    Column("tier_version", BigInteger),
    Column("balance_version", BigInteger),
)

cases = Table(
    "cases",
    metadata,
    Column("case_id", String(64), primary_key=True),
    Column("customer_id", String(64), index=True),
    Column("status", String(20), nullable=False),
    Column("channel", String(20)),
    Column("case_type", String(20)),
    Column("priority", String(20)),
    Column("subject", String(200)),
    Column("opened_at", DateTime(timezone=True)),
)

consents = Table(  # the customer's consents after their latest change, as one document
    "customer_consents",
    metadata,
    Column("customer_id", String(64), primary_key=True),
    Column("consents", JSON, nullable=False),
    Column("changed_at", DateTime(timezone=True)),
)

erasures = Table(  # customers who exercised the right to erasure: their personal data is gone
    "customer_erasures",
    metadata,
    Column("customer_id", String(64), primary_key=True),
    Column("erased_at", DateTime(timezone=True), nullable=False),
)

merges = Table(  # records found to be one person: the merged id lives on in the survivor
    "customer_merges",
    metadata,
    Column("merged_customer_id", String(64), primary_key=True),
    Column("survivor_id", String(64), nullable=False, index=True),
    Column("merged_at", DateTime(timezone=True), nullable=False),
)
