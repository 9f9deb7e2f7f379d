"""Promotions restricted to a segment: loyalty remembers the segment analytics last put
each customer in, and orders and checkout carts are eligible by it."""

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
from contracts.signals import SegmentChanged
from loyalty.app import Loyalty
from loyalty.bootstrap import build_runtime, create_app
from loyalty.domain.account import LoyaltyAccount
from loyalty.domain.promotions import Terms
from loyalty.inbox import LoyaltyInbox
from loyalty.settings import LoyaltySettings
from servicekit.auth import issue_token
from servicekit.consumer import Delivery
from servicekit.settings import DEV_SIGNING_KEY

from .conftest import T0, Messages

MARKETING = {"Authorization": f"Bearer {issue_token(DEV_SIGNING_KEY, 'm', ['marketing'])}"}


def apply(inbox: LoyaltyInbox, *deliveries: Delivery) -> None:
    for delivery in deliveries:
        inbox.apply([delivery], Tracking(f"{delivery.topic}:0", delivery.offset))


def segment(messages: Messages, customer_id: str, name: str, day: int = 0) -> Delivery:
    event = SegmentChanged(
        customer_id=customer_id,
        segment=name,
        previous_segment=None,
        rfm_score="555",
        assessed_at=T0 + timedelta(days=day),
    )
    return messages.deliver("crm.analytics.signals.v1", customer_id, event)


def placed(messages: Messages, order_id: str, customer_id: str, day: int = 10) -> Delivery:
    line = OrderLine(sku="A", category="shoes", quantity=1, unit_price=Decimal(100))
    event = OrderPlaced(
        order_id=order_id,
        customer_id=customer_id,
        placed_at=T0 + timedelta(days=day),
        currency="EUR",
        channel="store",
        payment_method="cash",
        lines=[line],
        total=Decimal(100),
    )
    return messages.deliver("erp.orders.v1", order_id, event)


def champions_bonus(app: Loyalty) -> UUID:
    promotion_id = UUID(int=7)
    app.draft_promotion(
        promotion_id,
        {
            "name": "Thank you, Champions",
            "kind": "limited_offer",
            "terms": Terms(bonus_points=200).to_dict(),
            "starts_at": None,
            "ends_at": None,
            "tiers": [],
            "segments": ["Champions"],
            "channels": [],
            "budget": None,
            "per_customer_limit": None,
        },
    )
    app.activate_promotion(promotion_id, "marketing")
    return promotion_id


def test_a_champions_promotion_applies_to_a_champions_order_and_not_to_anyone_elses(
    loyalty: tuple[Loyalty, LoyaltyInbox], messages: Messages
) -> None:
    app, inbox = loyalty
    promotion = champions_bonus(app)
    apply(inbox, segment(messages, "champ", "Champions"), segment(messages, "other", "Loyal"))

    apply(inbox, placed(messages, "o-1", "champ"), placed(messages, "o-2", "other"))
    apply(inbox, placed(messages, "o-3", "never-assessed"))

    assert set(app.applications_of({promotion})[promotion]) == {"o-1"}
    assert app.account_of("champ").pending_points == 100 + 200
    assert app.account_of("other").pending_points == 100
    assert app.account_of("never-assessed").pending_points == 100


def test_the_latest_assessment_counts_and_a_late_older_signal_changes_nothing(
    loyalty: tuple[Loyalty, LoyaltyInbox], messages: Messages
) -> None:
    app, inbox = loyalty
    promotion = champions_bonus(app)
    apply(inbox, segment(messages, "c-1", "Champions", day=1))
    apply(inbox, segment(messages, "c-1", "At risk", day=5))
    apply(inbox, segment(messages, "c-1", "Champions", day=3))  # delayed, superseded
    apply(inbox, segment(messages, "c-1", "At risk", day=5))  # the same signal again

    apply(inbox, placed(messages, "o-1", "c-1"))

    account = app.account_of("c-1")
    assert (account.segment, account.segments) == ("At risk", frozenset({"At risk"}))
    assert app.applications_of({promotion})[promotion] == {}
    stored = app.repository.event_store.get(account.id)
    assert [e.segment for e in stored if isinstance(e, LoyaltyAccount.SegmentChanged)] == [
        "Champions",
        "At risk",
    ]


@pytest.fixture
def served(tmp_path: Any) -> Iterator[tuple[TestClient, Loyalty, LoyaltyInbox]]:
    settings = LoyaltySettings(
        var_dir=tmp_path,
        relay_enabled=False,
        consumers_enabled=False,
        kafka_bootstrap_servers="127.0.0.1:1",
    )
    runtime = build_runtime(settings)
    inbox = runtime.handlers[0]
    assert isinstance(inbox, LoyaltyInbox)
    assert isinstance(runtime.app, Loyalty)
    with TestClient(create_app(runtime)) as client:
        yield client, runtime.app, inbox


def test_a_checkout_cart_is_eligible_by_the_customers_segment_unless_it_names_its_own(
    served: tuple[TestClient, Loyalty, LoyaltyInbox], messages: Messages
) -> None:
    client, app, inbox = served
    champions_bonus(app)
    apply(inbox, segment(messages, "champ", "Champions"), segment(messages, "other", "Loyal"))
    cart = {"channel": "web", "lines": [{"sku": "A", "quantity": 1, "unit_price": "100"}]}

    def bonus(**changes: Any) -> int:
        response = client.post("/promotions/evaluate", json=cart | changes, headers=MARKETING)
        assert response.status_code == 200, response.text
        return int(response.json()["bonus_points"])

    assert bonus(customer_id="champ") == 200
    assert bonus(customer_id="other") == 0
    assert bonus(customer_id="unknown") == 0
    assert bonus(customer_id="other", segments=["Champions"]) == 200  # the cart says so
    assert bonus(customer_id="champ", segments=[]) == 0  # explicitly no segment
