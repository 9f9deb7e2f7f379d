"""Promotions applied to ERP orders: once per order, through the ledger, within budget
and limits, and taken back with the goods exactly like the order's own points."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import Tracking
from fastapi.testclient import TestClient

from contracts.erp.orders import OrderLine, OrderPlaced
from loyalty.app import Loyalty
from loyalty.bootstrap import build_runtime, create_app
from loyalty.domain.account import LoyaltyAccount
from loyalty.domain.promotions import Terms
from loyalty.inbox import LoyaltyInbox
from loyalty.outbox import to_integration_event
from loyalty.settings import LoyaltySettings
from servicekit.auth import issue_token
from servicekit.consumer import Delivery
from servicekit.settings import DEV_SIGNING_KEY

from .conftest import T0, Messages

STORE_CARD = Terms(payment_method="store_card", bonus_points=50)
DOUBLE = Terms(multiplier=Decimal(2), categories=frozenset({"shoes"}))


def apply(inbox: LoyaltyInbox, *deliveries: Delivery) -> None:
    for delivery in deliveries:
        inbox.apply([delivery], Tracking(f"{delivery.topic}:0", delivery.offset))


def promotion(
    app: Loyalty,
    name: str,
    kind: str,
    terms: Terms,
    budget: str | None = None,
    per_customer_limit: int | None = None,
) -> UUID:
    promotion_id = UUID(int=len(app.promotion_ids()) + 1)
    app.draft_promotion(
        promotion_id,
        {
            "name": name,
            "kind": kind,
            "terms": terms.to_dict(),
            "starts_at": None,
            "ends_at": None,
            "tiers": [],
            "segments": [],
            "channels": [],
            "budget": None if budget is None else Decimal(budget),
            "per_customer_limit": per_customer_limit,
        },
    )
    app.activate_promotion(promotion_id, "marketing")
    return promotion_id


def placed(
    messages: Messages,
    order_id: str,
    payment_method: str = "store_card",
    lines: list[tuple[str, str, int, str]] | None = None,
    customer_id: str = "c-1",
) -> Delivery:
    order_lines = [
        OrderLine(sku=sku, category=category, quantity=qty, unit_price=Decimal(price))
        for sku, category, qty, price in (lines or [("A", "shoes", 1, "100")])
    ]
    return messages.deliver(
        "erp.orders.v1",
        order_id,
        OrderPlaced(
            order_id=order_id,
            customer_id=customer_id,
            placed_at=T0 + timedelta(hours=1),
            currency="EUR",
            channel="store",
            payment_method=payment_method,  # type: ignore[arg-type]
            lines=order_lines,
            total=sum((line.unit_price * line.quantity for line in order_lines), Decimal(0)),
        ),
    )


def issued(app: Loyalty, customer_id: str) -> list[tuple[int, str]]:
    events = app.repository.event_store.get(LoyaltyAccount.create_id(customer_id))
    return [(e.points, e.reason) for e in events if isinstance(e, LoyaltyAccount.PointsIssued)]


def test_a_store_card_order_earns_the_bonus_on_the_ledger_naming_the_promotion(
    loyalty: tuple[Loyalty, LoyaltyInbox], messages: Messages
) -> None:
    app, inbox = loyalty
    card = promotion(app, "Store card bonus", "payment_method", STORE_CARD)

    apply(inbox, messages.registered("c-1"), placed(messages, "o-1"), messages.paid("o-1"))

    assert app.account_of("c-1").points_balance == 150
    assert issued(app, "c-1") == [(100, "order paid"), (50, "promotion: Store card bonus")]
    events = app.repository.event_store.get(LoyaltyAccount.create_id("c-1"))
    published = [to_integration_event(e) for e in events]
    assert any(
        p is not None and getattr(p, "reason", "") == "promotion: Store card bonus"
        for p in published
    )
    performance = app.promotion_budget(card).performance()
    assert (performance.uses, performance.points, performance.revenue) == (1, 50, Decimal(100))
    assert performance.cost == Decimal("0.50")


def test_an_order_sent_again_under_a_new_message_id_gets_its_promotions_once(
    loyalty: tuple[Loyalty, LoyaltyInbox], messages: Messages
) -> None:
    app, inbox = loyalty
    card = promotion(app, "Store card bonus", "payment_method", STORE_CARD)
    apply(inbox, messages.registered("c-1"), placed(messages, "o-1"), messages.paid("o-1"))

    apply(inbox, placed(messages, "o-1"), messages.paid("o-1", day=4))

    assert app.account_of("c-1").points_balance == 150
    assert app.promotion_budget(card).performance().uses == 1
    assert app.promotion_budget(card).spent == Decimal("0.50")


def test_an_order_paid_otherwise_is_not_eligible_for_a_payment_method_promotion(
    loyalty: tuple[Loyalty, LoyaltyInbox], messages: Messages
) -> None:
    app, inbox = loyalty
    card = promotion(app, "Store card bonus", "payment_method", STORE_CARD)

    apply(inbox, placed(messages, "o-1", payment_method="cash"), messages.paid("o-1"))

    assert app.account_of("c-1").points_balance == 100
    assert app.promotion_budget(card).performance().uses == 0


def test_a_multiplier_adds_to_the_points_of_the_lines_it_applies_to_only(
    loyalty: tuple[Loyalty, LoyaltyInbox], messages: Messages
) -> None:
    app, inbox = loyalty
    promotion(app, "Double points on shoes", "points_multiplier", DOUBLE)
    lines = [("A", "shoes", 1, "100"), ("B", "socks", 1, "10")]

    apply(inbox, placed(messages, "o-1", lines=lines), messages.paid("o-1"))

    assert issued(app, "c-1") == [(110, "order paid"), (100, "promotion: Double points on shoes")]


def test_a_cancelled_order_takes_back_the_promotion_points_and_frees_its_budget_and_use(
    loyalty: tuple[Loyalty, LoyaltyInbox], messages: Messages
) -> None:
    app, inbox = loyalty
    card = promotion(app, "Store card", "payment_method", STORE_CARD, per_customer_limit=1)
    apply(inbox, placed(messages, "o-1"), messages.paid("o-1"))

    apply(inbox, messages.cancelled("o-1"), messages.cancelled("o-1", day=3))

    account = app.account_of("c-1")
    assert account.points_balance == 0
    assert [m.points for m in account.movements] == [100, 50, -150]
    performance = app.promotion_budget(card).performance()
    assert (performance.uses, performance.points, performance.cost) == (0, 0, Decimal(0))
    apply(inbox, placed(messages, "o-2"), messages.paid("o-2"))
    assert app.account_of("c-1").points_balance == 150  # the limit's use came back


def test_a_return_takes_back_the_returned_lines_share_of_the_promotion_points(
    loyalty: tuple[Loyalty, LoyaltyInbox], messages: Messages
) -> None:
    app, inbox = loyalty
    card = promotion(app, "Store card bonus", "payment_method", STORE_CARD)
    lines = [("A", "shoes", 1, "60"), ("B", "socks", 1, "40")]
    apply(inbox, placed(messages, "o-1", lines=lines), messages.paid("o-1"))

    apply(inbox, messages.returned("o-1", [("B", 1)]), messages.returned("o-1", [("B", 1)]))

    assert app.account_of("c-1").points_balance == 60 + 30  # A's points and A's share
    performance = app.promotion_budget(card).performance()
    assert (performance.uses, performance.points, performance.points_given_back) == (1, 30, 20)


def test_a_promotion_stops_applying_when_its_budget_or_the_customers_limit_is_used_up(
    loyalty: tuple[Loyalty, LoyaltyInbox], messages: Messages
) -> None:
    app, inbox = loyalty
    budgeted = promotion(app, "Budgeted", "payment_method", STORE_CARD, budget="1.00")
    limited = promotion(app, "Once each", "payment_method", STORE_CARD, per_customer_limit=1)

    apply(inbox, *(placed(messages, f"o-{n}") for n in range(3)))
    apply(inbox, placed(messages, "o-9", customer_id="c-2"))

    assert app.promotion_budget(budgeted).performance().uses == 2  # 0.50 each
    assert app.promotion_budget(budgeted).spent == Decimal("1.00")
    assert [app.account_of(c).promotion_uses(str(limited)) for c in ("c-1", "c-2")] == [1, 1]
    assert app.account_of("c-1").pending_points == 300 + 2 * 50 + 50


MARKETING = {"Authorization": f"Bearer {issue_token(DEV_SIGNING_KEY, 'm', ['marketing'])}"}


@pytest.fixture
def served(tmp_path: Any) -> Iterator[tuple[TestClient, LoyaltyInbox]]:
    settings = LoyaltySettings(
        var_dir=tmp_path,
        relay_enabled=False,
        consumers_enabled=False,
        kafka_bootstrap_servers="127.0.0.1:1",
    )
    runtime = build_runtime(settings)
    inbox = runtime.handlers[0]
    assert isinstance(inbox, LoyaltyInbox)
    with TestClient(create_app(runtime)) as client:
        yield client, inbox


def test_promotions_are_listed_and_their_performance_shows_uses_cost_and_revenue(
    served: tuple[TestClient, LoyaltyInbox], messages: Messages
) -> None:
    client, inbox = served
    body = {
        "name": "Card",
        "kind": "payment_method",
        "terms": {"payment_method": "store_card", "bonus_points": 50},
    }
    promotion_id = client.post("/promotions", json=body, headers=MARKETING).json()["promotion_id"]
    client.post(f"/promotions/{promotion_id}/activate", headers=MARKETING)
    apply(inbox, placed(messages, "o-1"), placed(messages, "o-2", customer_id="c-2"))

    listed = client.get("/promotions", headers=MARKETING).json()
    performance = client.get(f"/promotions/{promotion_id}/performance", headers=MARKETING)

    assert [p["promotion_id"] for p in listed] == [promotion_id]
    assert client.get("/promotions?status=paused", headers=MARKETING).json() == []
    assert performance.json() | {} == {
        "promotion_id": promotion_id,
        "name": "Card",
        "uses": 2,
        "customers": 2,
        "points": 100,
        "points_given_back": 0,
        "cost": "1.00",
        "revenue": "200",
        "budget": None,
        "budget_left": None,
    }
    unknown = "00000000-0000-0000-0000-000000000000"
    assert client.get(f"/promotions/{unknown}/performance", headers=MARKETING).status_code == 404
