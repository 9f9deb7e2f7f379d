"""Who support's customers are, so agents see a name rather than an id."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Connection, String, Table, select

from contracts.customers import CustomerErased, CustomerProfileChanged, CustomerRegistered
from servicekit.upserts import upsert
from support.views import metadata

ERASED_NAME = "(erased)"

customers = Table(
    "customers",
    metadata,
    Column("customer_id", String(64), primary_key=True),
    Column("name", String(250), nullable=False),
    Column("email", String(320)),
    Column("phone", String(40)),
    Column("erp_customer_number", String(64)),
)


def registered(connection: Connection, event: CustomerRegistered) -> None:
    upsert(
        connection,
        customers,
        {"customer_id": event.customer_id},
        {
            "name": f"{event.first_name} {event.last_name}",
            "email": event.email,
            "phone": event.phone,
            "erp_customer_number": event.erp_customer_number,
        },
    )


def profile_changed(connection: Connection, event: CustomerProfileChanged) -> None:
    changes: dict[str, Any] = event.model_dump(
        include={"email", "phone", "erp_customer_number"}, exclude_none=True
    )
    if event.first_name or event.last_name:
        changes["name"] = f"{event.first_name or ''} {event.last_name or ''}".strip()
    if changes:
        upsert(connection, customers, {"customer_id": event.customer_id}, changes)


def erased(connection: Connection, event: CustomerErased) -> None:
    """The right to erasure: agents keep the customer's cases, not who they were."""
    upsert(
        connection,
        customers,
        {"customer_id": event.customer_id},
        {"name": ERASED_NAME, "email": None, "phone": None},
    )


def find(connection: Connection, customer_id: str) -> dict[str, Any] | None:
    row = (
        connection.execute(select(customers).where(customers.c.customer_id == customer_id))
        .mappings()
        .first()
    )
    return dict(row) if row else None
