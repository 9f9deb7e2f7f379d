"""What each customer bought, returned and how they pay, from the ERP's topics."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Integer, Numeric, String, Table

from analytics.views import metadata

orders = Table(
    "orders",
    metadata,
    Column("order_id", String(64), primary_key=True),
    Column("customer_id", String(64), nullable=False, index=True),
    Column("placed_at", DateTime(timezone=True), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("payment_method", String(20), nullable=False),
    Column("total", Numeric(14, 2), nullable=False),
    Column("returned_amount", Numeric(14, 2), nullable=False, default=0),
    Column("status", String(20), nullable=False),
    Column("paid_at", DateTime(timezone=True)),
)

order_lines = Table(
    "order_lines",
    metadata,
    Column("order_id", String(64), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("sku", String(64), nullable=False),
    Column("category", String(64), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("returned_quantity", Integer, nullable=False, default=0),
    Column("unit_price", Numeric(14, 2), nullable=False),
)

payments = Table(
    "payments",
    metadata,
    Column("invoice_id", String(64), primary_key=True),
    Column("customer_id", String(64), nullable=False, index=True),
    Column("amount", Numeric(14, 2), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(20), nullable=False),
    Column("days_overdue", Integer),
)
