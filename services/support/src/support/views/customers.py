"""Who support's customers are, so agents see a name rather than an id.

A profile change carries only what changed, so the first and last names are kept
apart and the name agents see is put together when asked: a change of the e-mail
alone (or of the last name alone) keeps the rest of the name.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Connection, DateTime, String, Table, select

from contracts.customers import CustomerErased, CustomerProfileChanged, CustomerRegistered
from servicekit.upserts import upsert
from support.views import metadata

ERASED_NAME = "(erased)"

customers = Table(
    "customers",
    metadata,
    Column("customer_id", String(64), primary_key=True),
    Column("first_name", String(100)),
    Column("last_name", String(100)),
    Column("email", String(320)),
    Column("phone", String(40)),
    Column("erp_customer_number", String(64)),
    Column("erased_at", DateTime(timezone=True)),
)


def registered(connection: Connection, event: CustomerRegistered) -> None:
    upsert(
        connection,
        customers,
        {"customer_id": event.customer_id},
        event.model_dump(
            include={"first_name", "last_name", "email", "phone", "erp_customer_number"}
        ),
    )


def profile_changed(connection: Connection, event: CustomerProfileChanged) -> None:
    changes: dict[str, Any] = event.model_dump(
        include={"first_name", "last_name", "email", "phone", "erp_customer_number"},
        exclude_none=True,
    )
    if changes:
        upsert(connection, customers, {"customer_id": event.customer_id}, changes)


def erased(connection: Connection, event: CustomerErased) -> None:
    """The right to erasure: agents keep the customer's cases, not who they were."""
    upsert(
        connection,
        customers,
        {"customer_id": event.customer_id},
        {
            "first_name": None,
            "last_name": None,
            "email": None,
            "phone": None,
            "erased_at": event.erased_at,
        },
    )


def find(connection: Connection, customer_id: str) -> dict[str, Any] | None:
    row = (
        connection.execute(select(customers).where(customers.c.customer_id == customer_id))
        .mappings()
        .first()
    )
    if row is None:
        return None
    names = (row["first_name"], row["last_name"])
    name = ERASED_NAME if row["erased_at"] else " ".join(n for n in names if n) or None
    return {
        "customer_id": row["customer_id"],
        "name": name,
        "email": row["email"],
        "phone": row["phone"],
        "erp_customer_number": row["erp_customer_number"],
    }
