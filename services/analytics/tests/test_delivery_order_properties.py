"""The 360 comes out the same for any delivery of the same logs: partitions and topics
interleaved in any order, part of a partition read again after a restart, CRM events
published again by a relay and ERP facts resent under new message ids."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import MetaData, Table

from analytics.views import metadata, references
from analytics.views.customer360 import Customer360
from analytics.views.facts import points_movements
from analytics.views.profiles import loyalty_accounts, profiles
from analytics.views.purchases import order_lines, orders, payments
from analytics.views.timeline import timeline
from contracts import IntegrationEvent
from contracts.customers import CustomerMerged, CustomerProfileChanged, CustomerRegistered
from contracts.erp.orders import (
    OrderCancelled,
    OrderLine,
    OrderPaid,
    OrderPlaced,
    OrderReturned,
    ReturnedLine,
)
from contracts.erp.payments import PaymentOverdue, PaymentReceived
from contracts.ledger import PointsIssued, PointsRedeemed
from contracts.loyalty import LoyaltyAccountOpened, TierChanged
from servicekit.interleavings import Published, deliver_both_ways, published, table_rows
from servicekit.views import ViewStore

T0 = datetime(2026, 5, 1, tzinfo=UTC)
CUSTOMERS = ("c1", "c2", "c3")
ACQUISITION, LOYALTY, ERP = "/crm/acquisition", "/crm/loyalty", "/erp"


def day(n: int) -> datetime:
    return T0 + timedelta(days=n)


def crm(event: IntegrationEvent, key: str, version: int) -> Published:
    return published(
        event,
        source=ACQUISITION if "customer" in key else LOYALTY,
        key=key,
        version=version,
        time=T0,
    )


def erp(event: IntegrationEvent, key: str) -> Published:
    return published(event, source=ERP, key=key, time=T0)


@st.composite
def customer_logs(draw: st.DrawFn, customer: str) -> list[Published]:
    """Registered with the ERP number or told it later; a loyalty account that earns,
    spends and changes tier."""
    number = f"E-{customer}"
    told_later = draw(st.booleans())
    messages = [
        crm(
            CustomerRegistered(
                customer_id=customer,
                first_name="Ada",
                last_name=customer,
                source="store",
                erp_customer_number=None if told_later else number,
                registered_at=T0,
            ),
            f"customer-{customer}",
            1,
        )
    ]
    if told_later:
        changed = CustomerProfileChanged(
            customer_id=customer, erp_customer_number=number, changed_at=day(1)
        )
        messages.append(crm(changed, f"customer-{customer}", 2))
    account = f"account-{customer}"
    opened = LoyaltyAccountOpened(
        account_id=account, customer_id=customer, tier="bronze", points_balance=0, opened_at=T0
    )
    messages.append(crm(opened, account, 1))
    balance, version = 0, 1
    for points in draw(st.lists(st.integers(-50, 200).filter(bool), max_size=4)):
        version += 1
        movement: dict[str, Any] = {
            "account_id": account,
            "customer_id": customer,
            "points": abs(points),
            "monetary_value": Decimal(abs(points)) / 100,
            "currency": "EUR",
            "occurred_at": day(version),
        }
        if points > 0 or balance < -points:
            balance += abs(points)
            event: IntegrationEvent = PointsIssued(
                **movement, balance_after=balance, reason="purchase"
            )
        else:
            balance -= -points
            event = PointsRedeemed(**movement, balance_after=balance, redemption_id=f"r{version}")
        messages.append(crm(event, account, version))
        if draw(st.booleans()):
            version += 1
            tier = TierChanged(
                account_id=account,
                customer_id=customer,
                tier=f"tier-{version}",
                previous_tier="bronze",
                qualifying_purchases=Decimal(balance),
                changed_at=day(version),
            )
            messages.append(crm(tier, account, version))
    return messages


follow_ups = st.lists(
    st.one_of(
        st.just(("pay", "", 0)),
        st.just(("cancel", "", 0)),
        st.tuples(st.just("return"), st.sampled_from(("A", "B")), st.integers(1, 3)),
    ),
    max_size=3,
)


@st.composite
def order_logs(draw: st.DrawFn, number: int) -> list[Published]:
    """An order placed by customer id or ERP number, followed up, and its invoice."""
    order_id = f"o{number}"
    customer = draw(st.sampled_from(CUSTOMERS))
    by_number = draw(st.booleans())
    lines = [
        OrderLine(sku="A", category="books", quantity=2, unit_price=Decimal("10.00")),
        OrderLine(sku="B", category="toys", quantity=1, unit_price=Decimal("7.50")),
        OrderLine(sku="A", category="books", quantity=1, unit_price=Decimal("12.00")),
    ]
    placed = OrderPlaced(
        order_id=order_id,
        customer_id=None if by_number else customer,
        erp_customer_number=f"E-{customer}" if by_number else None,
        placed_at=day(number),
        currency="EUR",
        channel="store",
        payment_method="cash",
        lines=lines,
        total=Decimal("39.50"),
    )
    messages = [erp(placed, order_id)]
    for step, follow_up in enumerate(draw(follow_ups), start=1):
        at = day(number) + timedelta(hours=step)
        event: IntegrationEvent
        if follow_up[0] == "pay":
            event = OrderPaid(order_id=order_id, paid_at=at)
        elif follow_up[0] == "cancel":
            event = OrderCancelled(order_id=order_id, reason="customer", cancelled_at=at)
        else:
            returned = [ReturnedLine(sku=follow_up[1], quantity=follow_up[2])]
            event = OrderReturned(order_id=order_id, lines=returned, returned_at=at)
        messages.append(erp(event, order_id))
    invoice = f"inv-{order_id}"
    reference = (
        {"customer_id": customer} if not by_number else {"erp_customer_number": f"E-{customer}"}
    )
    for days_overdue in draw(st.lists(st.integers(1, 90), max_size=2, unique=True)):
        overdue = PaymentOverdue(
            invoice_id=invoice,
            order_id=order_id,
            amount=Decimal("39.50"),
            currency="EUR",
            days_overdue=days_overdue,
            **reference,
        )
        messages.append(erp(overdue, invoice))
    if draw(st.booleans()):
        received = PaymentReceived(
            invoice_id=invoice,
            order_id=order_id,
            amount=Decimal("39.50"),
            currency="EUR",
            received_at=day(number + 30),
            **reference,
        )
        messages.append(erp(received, invoice))
    return messages


@st.composite
def logs(draw: st.DrawFn) -> list[Published]:
    """Customers with their loyalty accounts; a few orders, their follow-ups and invoices;
    perhaps the last customer found to be the first one and merged into it."""
    sent = [m for customer in CUSTOMERS for m in draw(customer_logs(customer))]
    if draw(st.booleans()):
        merged = CustomerMerged(customer_id="c1", merged_customer_id="c3", merged_at=day(2))
        versions = sum(m.key == "customer-c1" for m in sent)
        sent.append(crm(merged, "customer-c1", versions + 1))
    sent += [m for n in range(draw(st.integers(1, 5))) for m in draw(order_logs(n))]
    return sent


def read_models(projection: Customer360) -> dict[str, Any]:
    """Everything people see of the customers, without what only says when it arrived."""
    with projection.store.reading() as connection:

        def rows(table: Table, *leave_out: str) -> list[tuple[Any, ...]]:
            return table_rows(connection, table, *leave_out)

        tables = {
            "profiles": rows(profiles),
            "loyalty_accounts": rows(loyalty_accounts),
            "orders": rows(orders),
            "order_lines": rows(order_lines),
            "payments": rows(payments),
            "points_movements": rows(points_movements, "movement_id"),
            "timeline": rows(timeline, "entry_id", "topic", "partition", "offset"),
            "aliases": rows(references.aliases),
            "parked": rows(references.parked, "parked_id", "parked_at", "offset"),
        }
    return {
        **tables,
        "360": {customer: projection.view(customer) for customer in CUSTOMERS},
    }


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sent=logs(), data=st.data())
def test_any_delivery_of_the_same_logs_gives_the_same_360(
    view_stores: Callable[[MetaData], ViewStore], sent: list[Published], data: st.DataObject
) -> None:
    reference = Customer360(view_stores(metadata))
    delivered = Customer360(view_stores(metadata))
    choose = lambda n: data.draw(st.integers(0, n - 1))  # noqa: E731
    assert deliver_both_ways(reference, delivered, sent, choose) == 0

    expected, got = read_models(reference), read_models(delivered)
    assert not expected["parked"], "every ERP number is known in the end"
    for name, rows in expected.items():
        assert got[name] == rows, name
