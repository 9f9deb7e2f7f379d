"""The statements the customer 360 reads with, built once.

A 360 runs seven queries. Built per request, each one cost SQLAlchemy more to
construct, coerce and hash for its compiled-statement cache than SQLite took to
answer it; built once with a bound ``customer_id``, a statement keeps its cache
key and only its parameter changes.
"""

from __future__ import annotations

from sqlalchemy import BindParameter, String, bindparam, select

from analytics.views.facts import case_service, opportunities
from analytics.views.profiles import cases, consents, erasures, loyalty_accounts, merges, profiles
from analytics.views.purchases import order_lines, orders, payments

CUSTOMER: BindParameter[str] = bindparam("customer_id", type_=String)

PERSON = (
    select(profiles, consents.c.consents.label("given"), erasures.c.erased_at)
    .outerjoin(consents, consents.c.customer_id == profiles.c.customer_id)
    .outerjoin(erasures, erasures.c.customer_id == profiles.c.customer_id)
    .where(profiles.c.customer_id == CUSTOMER)
)

ACCOUNT = select(
    *(column for column in loyalty_accounts.c if not column.name.endswith("_version"))
).where(loyalty_accounts.c.customer_id == CUSTOMER)

CASES = (
    select(
        cases,
        case_service.c.first_response_at,
        case_service.c.sla_breached,
        case_service.c.satisfaction,
    )
    .outerjoin(case_service, case_service.c.case_id == cases.c.case_id)
    .where(cases.c.customer_id == CUSTOMER)
    .order_by(cases.c.opened_at.desc())
)

#: orders that count as purchases: every one but the cancelled
KEPT_ORDERS = (
    select(orders).where(orders.c.customer_id == CUSTOMER).where(orders.c.status != "cancelled")
)

KEPT_ORDER_LINES = (
    select(order_lines)
    .join(orders, orders.c.order_id == order_lines.c.order_id)
    .where(orders.c.customer_id == CUSTOMER)
    .where(orders.c.status != "cancelled")
)

INVOICES = select(payments).where(payments.c.customer_id == CUSTOMER)

OPEN_OPPORTUNITIES = (
    select(opportunities)
    .where(opportunities.c.customer_id == CUSTOMER)
    .where(opportunities.c.status == "open")
    .order_by(opportunities.c.opened_at)
)

SURVIVOR = select(merges.c.survivor_id).where(merges.c.merged_customer_id == CUSTOMER)
