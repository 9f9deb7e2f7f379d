"""Customers as search finds them: by e-mail, phone or name.

A merge travels on the survivor's partition, the merged customer's registration on
its own: whichever comes first, the merged customer ends up marked as merged
(``customer_merges`` remembers a merge that arrived first).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Connection, String, Table, or_, select, update

from acquisition.domain.contact import email_key
from acquisition.views import metadata
from contracts.customers import CustomerMerged, CustomerProfileChanged, CustomerRegistered
from servicekit.upserts import upsert

customers = Table(
    "customers",
    metadata,
    Column("customer_id", String(64), primary_key=True),
    Column("first_name", String(100), nullable=False),
    Column("last_name", String(100), nullable=False),
    Column("name_key", String(250), index=True),
    Column("last_name_key", String(100), index=True),
    Column("company", String(200)),
    Column("company_key", String(200), index=True),
    Column("email", String(320)),
    Column("email_key", String(320), index=True),
    Column("phone", String(40), index=True),
    Column("merged_into", String(64)),
)

merges = Table(
    "customer_merges",
    metadata,
    Column("merged_customer_id", String(64), primary_key=True),
    Column("survivor_id", String(64), nullable=False),
)


def _key(text: str | None) -> str | None:
    return text.strip().casefold() if text else None


def project(connection: Connection, event: Any) -> None:
    match event:
        case CustomerRegistered():
            upsert(
                connection,
                customers,
                {"customer_id": event.customer_id},
                {
                    "first_name": event.first_name,
                    "last_name": event.last_name,
                    "name_key": _key(f"{event.first_name} {event.last_name}"),
                    "last_name_key": _key(event.last_name),
                    "company": event.company,
                    "company_key": _key(event.company),
                    "email": event.email,
                    "email_key": email_key(event.email),
                    "phone": event.phone,
                    "merged_into": connection.scalar(
                        select(merges.c.survivor_id).where(
                            merges.c.merged_customer_id == event.customer_id
                        )
                    ),
                },
            )
        case CustomerProfileChanged():
            changes: dict[str, Any] = event.model_dump(
                include={"first_name", "last_name", "company", "email", "phone"},
                exclude_none=True,
            )
            if "email" in changes:
                changes["email_key"] = email_key(changes["email"])
            if "company" in changes:
                changes["company_key"] = _key(changes["company"])
            if "last_name" in changes:
                changes["last_name_key"] = _key(changes["last_name"])
            if "first_name" in changes or "last_name" in changes:
                known = connection.execute(
                    select(customers.c.first_name, customers.c.last_name).where(
                        customers.c.customer_id == event.customer_id
                    )
                ).first()
                if known is not None:
                    first = changes.get("first_name", known.first_name)
                    last = changes.get("last_name", known.last_name)
                    changes["name_key"] = _key(f"{first} {last}")
            if changes:
                connection.execute(
                    update(customers)
                    .where(customers.c.customer_id == event.customer_id)
                    .values(**changes)
                )
        case CustomerMerged():
            upsert(
                connection,
                merges,
                {"merged_customer_id": event.merged_customer_id},
                {"survivor_id": event.customer_id},
            )
            connection.execute(
                update(customers)
                .where(customers.c.customer_id == event.merged_customer_id)
                .values(merged_into=event.customer_id)
            )


def search(connection: Connection, q: str, limit: int) -> list[dict[str, Any]]:
    """An e-mail, a phone (E.164) or a name (a part of it, case-insensitive)."""
    term = q.strip().casefold()
    query = (
        select(customers)
        .where(customers.c.merged_into.is_(None))
        .where(
            or_(
                customers.c.email_key == term,
                customers.c.phone == q.strip(),
                customers.c.name_key.contains(term, autoescape=True),
            )
        )
        .order_by(customers.c.last_name, customers.c.first_name, customers.c.customer_id)
        .limit(limit)
    )
    return [dict(row) for row in connection.execute(query).mappings()]


def customer_ids(connection: Connection) -> list[str]:
    """Every customer registered, merged ones too."""
    return list(
        connection.scalars(select(customers.c.customer_id).order_by(customers.c.customer_id))
    )
