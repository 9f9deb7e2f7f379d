"""Customers by the month and day of their birthday, so a greeting run reads only the
celebrants whose birthday may be due, not every customer loyalty knows.

Built from ``crm.customers.v1`` like the celebrants themselves: a birthday given at
registration or in a later profile change (one customer's events share a
partition, so the latest is the last applied); an erased customer is forgotten. It
trails the celebrants by the consumer's delay, which a greeting run absorbs: it
runs often and a missed greeting is caught up for days (see
:mod:`loyalty.domain.greetings`, which still decides who is due).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import Column, Connection, String, Table, delete, select

from contracts.customers import CustomerErased, CustomerProfileChanged, CustomerRegistered
from loyalty.domain.greetings import month_day
from loyalty.views import metadata
from servicekit.upserts import upsert

birthdays = Table(
    "birthdays",
    metadata,
    Column("customer_id", String(64), primary_key=True),
    Column("month_day", String(5), nullable=False, index=True),  # "02-29"
)


def project(connection: Connection, event: Any) -> None:
    match event:
        case CustomerRegistered() | CustomerProfileChanged() if event.birthday:
            upsert(
                connection,
                birthdays,
                {"customer_id": event.customer_id},
                {"month_day": month_day(event.birthday)},
            )
        case CustomerErased():
            connection.execute(
                delete(birthdays).where(birthdays.c.customer_id == event.customer_id)
            )


def born_on(connection: Connection, month_days: Collection[str]) -> list[str]:
    """The customers whose birthday falls on one of ``month_days`` ("MM-DD")."""
    query = (
        select(birthdays.c.customer_id)
        .where(birthdays.c.month_day.in_(sorted(month_days)))
        .order_by(birthdays.c.customer_id)
    )
    return list(connection.scalars(query))
