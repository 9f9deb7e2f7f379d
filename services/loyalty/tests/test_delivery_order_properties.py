"""Loyalty's accounts come out the same for any delivery of the same logs: customers and
orders interleaved in any order, part of a partition read again after a restart,
CRM events published again by a relay and ERP facts resent under new message ids.
Promotions that always apply come out the same too; those bounded by a budget or a
per-customer limit go to whichever orders arrive first, and stay exact. The read models
fed by the customers' topic (birthdays) come out the same as well."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import MetaData

from contracts import IntegrationEvent
from contracts.customers import CustomerErased, CustomerProfileChanged, CustomerRegistered
from contracts.erp.orders import (
    OrderCancelled,
    OrderLine,
    OrderPaid,
    OrderPlaced,
    OrderReturned,
    ReturnedLine,
)
from loyalty.app import Loyalty
from loyalty.domain.promotions import Terms
from loyalty.inbox import LoyaltyInbox
from loyalty.views import metadata
from loyalty.views.accounts import accounts as account_rows
from loyalty.views.birthdays import birthdays
from loyalty.views.liability import accounts as liability_rows
from loyalty.views.projection import LoyaltyViews
from servicekit.eventstore import store_environment
from servicekit.interleavings import Published, deliver_both_ways, published, table_rows
from servicekit.settings import ServiceSettings
from servicekit.views import ViewStore

T0 = datetime(2026, 5, 1, tzinfo=UTC)
CUSTOMERS = ("c1", "c2")


def crm(event: IntegrationEvent, key: str, version: int) -> Published:
    return published(event, source="/crm/acquisition", key=key, version=version, time=T0)


def erp(event: IntegrationEvent, key: str) -> Published:
    return published(event, source="/erp", key=key, time=T0)


BIRTHDAYS = st.none() | st.sampled_from([date(1990, 6, 15), date(2000, 2, 29), date(1985, 2, 28)])


@st.composite
def customer_logs(draw: st.DrawFn, customer: str) -> list[Published]:
    """Registered with the ERP number, or told it later; a birthday told at registration,
    later, both or never; now and then erased."""
    number = f"E-{customer}"
    told_later = draw(st.booleans())
    registered = CustomerRegistered(
        customer_id=customer,
        first_name="Ada",
        last_name="Lovelace",
        source="store",
        erp_customer_number=None if told_later else number,
        birthday=draw(BIRTHDAYS),
        registered_at=T0,
    )
    messages = [crm(registered, customer, 1)]
    birthday = draw(BIRTHDAYS)
    if told_later or birthday:
        changed = CustomerProfileChanged(
            customer_id=customer,
            erp_customer_number=number if told_later else None,
            birthday=birthday,
            changed_at=T0,
        )
        messages.append(crm(changed, customer, 2))
    if draw(st.integers(0, 4)) == 0:
        erased = CustomerErased(customer_id=customer, erased_at=T0)
        messages.append(crm(erased, customer, len(messages) + 1))
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


UNBOUNDED = (  # promotions whose effect on an order does not depend on the orders before it
    (
        "Double points on books",
        "points_multiplier",
        Terms(multiplier=Decimal(2), categories=frozenset({"books"})),
        None,
        None,
    ),
    ("Cash bonus", "payment_method", Terms(payment_method="cash", bonus_points=10), None, None),
)
BOUNDED = (  # promotions that stop applying: which orders get them depends on arrival
    ("Small budget", "payment_method", Terms(payment_method="cash", bonus_points=40), "1.20", None),
    ("Once each", "points_multiplier", Terms(multiplier=Decimal(3)), None, 1),
    (
        "Toy discount",
        "limited_offer",
        Terms(discount_percent=Decimal(10), categories=frozenset({"toys"})),
        "3.00",
        2,
    ),
)


@pytest.fixture
def applications(tmp_path: Path) -> Iterator[Callable[..., tuple[Loyalty, LoyaltyInbox]]]:
    made: list[Loyalty] = []

    def new(promotions: Sequence[Promotion] = UNBOUNDED) -> tuple[Loyalty, LoyaltyInbox]:
        settings = ServiceSettings(service_name="loyalty", port=0, var_dir=tmp_path / uuid4().hex)
        app = Loyalty(store_environment(settings))
        made.append(app)
        running(app, promotions)
        return app, LoyaltyInbox(app)

    yield new
    for app in made:
        app.close()


Promotion = tuple[str, str, Terms, str | None, int | None]


def running(app: Loyalty, promotions: Sequence[Promotion]) -> None:
    """The promotions drafted and activated, with the same ids in every application."""
    for n, (name, kind, terms, budget, limit) in enumerate(promotions, start=1):
        request = {
            "name": name,
            "kind": kind,
            "terms": terms.to_dict(),
            "starts_at": None,
            "ends_at": None,
            "tiers": [],
            "segments": [],
            "channels": [],
            "budget": None if budget is None else Decimal(budget),
            "per_customer_limit": limit,
        }
        app.draft_promotion(UUID(int=n), request)
        app.activate_promotion(UUID(int=n), "marketing")


def accounts(app: Loyalty) -> dict[str, Any]:
    """Each account's figures and its movements, in whatever order they were made, and
    what each promotion spent and brought."""
    seen: dict[str, Any] = {}
    for customer in CUSTOMERS:
        account = app.account_of(customer)
        seen[customer] = (
            account.points_balance,
            account.pending_points,
            account.points_owed,
            account.tier,
            Counter((m.kind, m.points, m.reason) for m in account.movements),
        )
    for promotion_id in app.promotion_ids():
        seen[str(promotion_id)] = app.promotion_budget(promotion_id).performance()
    return seen


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sent=logs(), data=st.data())
def test_any_delivery_of_the_same_logs_gives_the_same_accounts(
    applications: Callable[..., tuple[Loyalty, LoyaltyInbox]],
    sent: list[Published],
    data: st.DataObject,
) -> None:
    (reference, reference_inbox), (delivered, inbox) = applications(), applications()
    choose = lambda n: data.draw(st.integers(0, n - 1))  # noqa: E731
    assert deliver_both_ways(reference_inbox, inbox, sent, choose) == 0

    assert accounts(delivered) == accounts(reference)


def exact(app: Loyalty, customers: Sequence[str] = CUSTOMERS) -> None:
    """Budgets and limits hold, and the promotions, the customers' uses and the accounts
    tell one story: nothing spent twice, nothing given that was not charged."""
    for promotion in app.promotions():
        budget = app.promotion_budget(promotion.id)
        given = app.applications_of({promotion.id})[promotion.id]
        kept = [a for a in given.values() if not a.withdrawn]
        assert promotion.budget is None or budget.spent <= promotion.budget
        assert budget.spent == sum(a.cost - a.value_given_back for a in kept)
        assert budget.uses == len(kept)
        assert budget.customers == len({a.customer_id for a in kept})
        assert budget.points == sum(a.points for a in given.values())
        assert budget.points_given_back == sum(a.points_given_back for a in given.values())
        assert budget.revenue == sum(a.revenue for a in kept)
        for customer in customers:
            uses = app.account_of(customer).promotion_uses(str(promotion.id))
            assert uses == sum(1 for a in kept if a.customer_id == customer)
            limit = promotion.per_customer_limit
            assert limit is None or uses <= limit
            on_lines = {
                order_id: sum(
                    bonus.points
                    for line in order.lines
                    for bonus in line.promotions
                    if bonus.promotion_id == str(promotion.id)
                )
                for order_id, order in app.account_of(customer).orders.items()
            }
            given_to_customer = {
                o: a.points for o, a in given.items() if a.customer_id == customer and a.points
            }
            assert {o: p for o, p in on_lines.items() if p} == given_to_customer


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sent=logs(), data=st.data())
def test_budgets_and_limits_stay_exact_for_any_delivery(
    applications: Callable[..., tuple[Loyalty, LoyaltyInbox]],
    sent: list[Published],
    data: st.DataObject,
) -> None:
    (reference, reference_inbox), (delivered, inbox) = (
        applications(BOUNDED),
        applications(BOUNDED),
    )
    choose = lambda n: data.draw(st.integers(0, n - 1))  # noqa: E731
    assert deliver_both_ways(reference_inbox, inbox, sent, choose) == 0

    exact(reference)
    exact(delivered)


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sent=logs(), data=st.data())
def test_any_delivery_of_the_same_logs_gives_the_same_read_models(
    view_stores: Callable[[MetaData], ViewStore], sent: list[Published], data: st.DataObject
) -> None:
    reference, delivered = LoyaltyViews(view_stores(metadata)), LoyaltyViews(view_stores(metadata))
    choose = lambda n: data.draw(st.integers(0, n - 1))  # noqa: E731
    assert deliver_both_ways(reference, delivered, sent, choose) == 0

    for table in (birthdays, account_rows, liability_rows):
        with reference.store.reading() as expected, delivered.store.reading() as got:
            assert table_rows(got, table) == table_rows(expected, table), table.name
