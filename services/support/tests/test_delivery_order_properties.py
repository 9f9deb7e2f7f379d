"""Support's customers and orders come out the same for any delivery of the same logs:
topics and partitions interleaved in any order, part of a partition read again after
a restart, CRM events published again by a relay, ERP facts resent under new ids."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import MetaData

from contracts import IntegrationEvent
from contracts.customers import CustomerProfileChanged, CustomerRegistered
from contracts.erp.orders import (
    OrderCancelled,
    OrderLine,
    OrderPaid,
    OrderPlaced,
    OrderReturned,
    ReturnedLine,
)
from contracts.erp.shipments import ShipmentDelayed, ShipmentDelivered, ShipmentDispatched
from contracts.loyalty import LoyaltyAccountOpened, TierChanged
from servicekit.interleavings import Published, deliver_both_ways, published, table_rows
from servicekit.views import ViewStore
from support.views import cases, customers, metadata, orders, references
from support.views.projection import SupportViews

T0 = datetime(2026, 5, 1, tzinfo=UTC)
CUSTOMERS = ("c1", "c2", "c3")


def crm(event: IntegrationEvent, key: str, version: int) -> Published:
    return published(event, source="/crm", key=key, version=version, time=T0)


def erp(event: IntegrationEvent, key: str) -> Published:
    return published(event, source="/erp", key=key, time=T0)


@st.composite
def customer_logs(draw: st.DrawFn, customer: str) -> list[Published]:
    """Registered, with the ERP number then or later, and profile changes that carry
    only what changed; a loyalty account whose tier changes."""
    key, number = f"customer-{customer}", f"E-{customer}"
    told_later = draw(st.booleans())
    registered = CustomerRegistered(
        customer_id=customer,
        first_name="Ada",
        last_name="Lovelace",
        source="store",
        erp_customer_number=None if told_later else number,
        registered_at=T0,
    )
    messages = [crm(registered, key, 1)]
    changes: list[dict[str, Any]] = draw(
        st.lists(
            st.sampled_from(
                [{"email": f"{customer}@example.com"}, {"last_name": "King"}, {"phone": "+341"}]
            ),
            max_size=2,
        )
    )
    if told_later:
        changes.insert(draw(st.integers(0, len(changes))), {"erp_customer_number": number})
    for version, change in enumerate(changes, start=2):
        changed = CustomerProfileChanged(customer_id=customer, changed_at=T0, **change)
        messages.append(crm(changed, key, version))
    account = f"account-{customer}"
    opened = LoyaltyAccountOpened(
        account_id=account, customer_id=customer, tier="bronze", points_balance=0, opened_at=T0
    )
    messages.append(crm(opened, account, 1))
    for version, tier in enumerate(draw(st.lists(st.sampled_from(("silver", "gold")))), 2):
        changed_tier = TierChanged(
            account_id=account,
            customer_id=customer,
            tier=tier,
            previous_tier="bronze",
            qualifying_purchases=Decimal(0),
            changed_at=T0,
        )
        messages.append(crm(changed_tier, account, version))
    return messages


@st.composite
def order_logs(draw: st.DrawFn, number: int) -> list[Published]:
    """An order placed by customer id or ERP number, paid, cancelled or returned, and
    its shipment dispatched, delayed and delivered."""
    order_id = f"o{number}"
    customer = draw(st.sampled_from(CUSTOMERS))
    by_number = draw(st.booleans())
    placed = OrderPlaced(
        order_id=order_id,
        customer_id=None if by_number else customer,
        erp_customer_number=f"E-{customer}" if by_number else None,
        placed_at=T0,
        currency="EUR",
        channel="ecommerce",
        payment_method="credit_card",
        lines=[OrderLine(sku="A", category="books", quantity=2, unit_price=Decimal("10"))],
        total=Decimal("20"),
    )
    at = T0 + timedelta(hours=1)
    follow_ups = {
        "pay": OrderPaid(order_id=order_id, paid_at=at),
        "cancel": OrderCancelled(order_id=order_id, reason="customer", cancelled_at=at),
        "return": OrderReturned(
            order_id=order_id, lines=[ReturnedLine(sku="A", quantity=1)], returned_at=at
        ),
    }
    ordered = [erp(placed, order_id)]
    ordered += [
        erp(follow_ups[name], order_id)
        for name in draw(st.lists(st.sampled_from(sorted(follow_ups)), max_size=2, unique=True))
    ]
    shipped: list[Published] = []
    if draw(st.booleans()):
        eta = date(2026, 5, 5)
        dispatched = ShipmentDispatched(
            order_id=order_id, shipment_id=f"s-{order_id}", carrier="UPS", dispatched_at=at, eta=eta
        )
        shipped.append(erp(dispatched, order_id))
        for days in draw(st.lists(st.integers(1, 5), max_size=2, unique=True).map(sorted)):
            delay = ShipmentDelayed(
                order_id=order_id, new_eta=eta + timedelta(days=days), reason=f"storm {days}"
            )
            shipped.append(erp(delay, order_id))
        if draw(st.booleans()):
            shipped.append(erp(ShipmentDelivered(order_id=order_id, delivered_at=at), order_id))
    return ordered + shipped


@st.composite
def logs(draw: st.DrawFn) -> list[Published]:
    """Customers with their tiers, and a few orders with their follow-ups and shipments."""
    sent = [m for customer in CUSTOMERS for m in draw(customer_logs(customer))]
    sent += [m for n in range(draw(st.integers(1, 4))) for m in draw(order_logs(n))]
    return sent


def read_models(views: SupportViews) -> dict[str, Any]:
    with views.store.reading() as connection:
        tables = {
            "customers": table_rows(connection, customers.customers),
            "tiers": table_rows(connection, cases.tiers),
            "orders": table_rows(connection, orders.orders),
            "shipment_delays": table_rows(connection, orders.shipment_delays),
            "aliases": table_rows(connection, references.aliases),
            "parked": table_rows(connection, references.parked, "id", "parked_at", "offset"),
        }
    return {
        **tables,
        "customer": {c: views.customer(c) for c in CUSTOMERS},
        "orders seen": {f"o{n}": views.order(f"o{n}") for n in range(4)},
    }


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sent=logs(), data=st.data())
def test_any_delivery_of_the_same_logs_gives_the_same_customers_and_orders(
    view_stores: Callable[[MetaData], ViewStore],
    sent: list[Published],
    data: st.DataObject,
) -> None:
    reference, delivered = SupportViews(view_stores(metadata)), SupportViews(view_stores(metadata))
    choose = lambda n: data.draw(st.integers(0, n - 1))  # noqa: E731
    assert deliver_both_ways(reference, delivered, sent, choose) == 0

    expected, got = read_models(reference), read_models(delivered)
    assert not expected["parked"], "every order was placed"
    for name, rows in expected.items():
        assert got[name] == rows, name
