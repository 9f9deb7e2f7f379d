"""Loyalty's accounts come out the same for any delivery of the same logs: customers and
orders interleaved in any order, part of a partition read again after a restart,
CRM events published again by a relay and ERP facts resent under new message ids."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
from loyalty.app import Loyalty
from loyalty.inbox import LoyaltyInbox
from servicekit.eventstore import store_environment
from servicekit.interleavings import Published, deliver_both_ways, published
from servicekit.settings import ServiceSettings

T0 = datetime(2026, 5, 1, tzinfo=UTC)
CUSTOMERS = ("c1", "c2")


def crm(event: IntegrationEvent, key: str, version: int) -> Published:
    return published(event, source="/crm/acquisition", key=key, version=version, time=T0)


def erp(event: IntegrationEvent, key: str) -> Published:
    return published(event, source="/erp", key=key, time=T0)


@st.composite
def customer_logs(draw: st.DrawFn, customer: str) -> list[Published]:
    """Registered with the ERP number, or told it later."""
    number = f"E-{customer}"
    told_later = draw(st.booleans())
    registered = CustomerRegistered(
        customer_id=customer,
        first_name="Ada",
        last_name="Lovelace",
        source="store",
        erp_customer_number=None if told_later else number,
        registered_at=T0,
    )
    messages = [crm(registered, customer, 1)]
    if told_later:
        changed = CustomerProfileChanged(
            customer_id=customer, erp_customer_number=number, changed_at=T0
        )
        messages.append(crm(changed, customer, 2))
    return messages


@st.composite
def order_logs(draw: st.DrawFn, number: int) -> list[Published]:
    """An order placed by customer id or ERP number, then paid, returned or cancelled."""
    order_id = f"o{number}"
    customer = draw(st.sampled_from(CUSTOMERS))
    by_number = draw(st.booleans())
    placed_at = T0 + timedelta(days=number)
    placed = OrderPlaced(
        order_id=order_id,
        customer_id=None if by_number else customer,
        erp_customer_number=f"E-{customer}" if by_number else None,
        placed_at=placed_at,
        currency="EUR",
        channel="store",
        payment_method="cash",
        lines=[
            OrderLine(sku="A", category="books", quantity=2, unit_price=Decimal("30")),
            OrderLine(sku="B", category="toys", quantity=1, unit_price=Decimal("15")),
        ],
        total=Decimal("75"),
    )
    messages = [erp(placed, order_id)]
    at = placed_at + timedelta(hours=1)
    if draw(st.booleans()):
        messages.append(erp(OrderPaid(order_id=order_id, paid_at=at), order_id))
        for hours, sku in enumerate(draw(st.lists(st.sampled_from("AB"), max_size=2)), 2):
            returned = OrderReturned(
                order_id=order_id,
                lines=[ReturnedLine(sku=sku, quantity=1)],
                returned_at=placed_at + timedelta(hours=hours),
            )
            messages.append(erp(returned, order_id))
    if draw(st.booleans()):
        cancelled = OrderCancelled(order_id=order_id, reason="customer", cancelled_at=at)
        messages.append(erp(cancelled, order_id))
    return messages


@st.composite
def logs(draw: st.DrawFn) -> list[Published]:
    """Customers, and a few orders with their follow-ups."""
    sent = [m for customer in CUSTOMERS for m in draw(customer_logs(customer))]
    sent += [m for n in range(draw(st.integers(1, 4))) for m in draw(order_logs(n))]
    return sent


@pytest.fixture
def applications(tmp_path: Path) -> Iterator[Callable[[], tuple[Loyalty, LoyaltyInbox]]]:
    made: list[Loyalty] = []

    def new() -> tuple[Loyalty, LoyaltyInbox]:
        settings = ServiceSettings(service_name="loyalty", port=0, var_dir=tmp_path / uuid4().hex)
        app = Loyalty(store_environment(settings))
        made.append(app)
        return app, LoyaltyInbox(app)

    yield new
    for app in made:
        app.close()


def accounts(app: Loyalty) -> dict[str, Any]:
    """Each account's figures and its movements, in whatever order they were made."""
    seen = {}
    for customer in CUSTOMERS:
        account = app.account_of(customer)
        seen[customer] = (
            account.points_balance,
            account.pending_points,
            account.points_owed,
            account.tier,
            Counter((m.kind, m.points, m.reason) for m in account.movements),
        )
    return seen


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sent=logs(), data=st.data())
def test_any_delivery_of_the_same_logs_gives_the_same_accounts(
    applications: Callable[[], tuple[Loyalty, LoyaltyInbox]],
    sent: list[Published],
    data: st.DataObject,
) -> None:
    (reference, reference_inbox), (delivered, inbox) = applications(), applications()
    choose = lambda n: data.draw(st.integers(0, n - 1))  # noqa: E731
    assert deliver_both_ways(reference_inbox, inbox, sent, choose) == 0

    assert accounts(delivered) == accounts(reference)
