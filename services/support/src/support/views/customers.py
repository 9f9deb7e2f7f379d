"""Who support's customers are, so agents see a name rather than an id."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Connection, MetaData, String, Table, select

from contracts.customers import CustomerProfileChanged, CustomerRegistered
from servicekit.consumer import Delivery
from servicekit.handlers import Projection, upsert

metadata = MetaData()

customers = Table(
    "customers",
    metadata,
    Column("customer_id", String(64), primary_key=True),
    Column("name", String(250), nullable=False),
    Column("email", String(320)),
    Column("phone", String(40)),
)


class CustomerDirectory(Projection):
    topics = ("crm.customers.v1",)

    def project(self, connection: Connection, delivery: Delivery) -> None:
        event = delivery.event
        if isinstance(event, CustomerRegistered):
            upsert(
                connection,
                customers,
                {"customer_id": event.customer_id},
                {
                    "name": f"{event.first_name} {event.last_name}",
                    "email": event.email,
                    "phone": event.phone,
                },
            )
        elif isinstance(event, CustomerProfileChanged):
            changes: dict[str, Any] = {
                key: value
                for key, value in {"email": event.email, "phone": event.phone}.items()
                if value is not None
            }
            if event.first_name or event.last_name:
                changes["name"] = f"{event.first_name or ''} {event.last_name or ''}".strip()
            if changes:
                upsert(connection, customers, {"customer_id": event.customer_id}, changes)

    def find(self, customer_id: str) -> dict[str, Any] | None:
        with self.store.reading() as connection:
            row = (
                connection.execute(select(customers).where(customers.c.customer_id == customer_id))
                .mappings()
                .first()
            )
        return dict(row) if row else None
