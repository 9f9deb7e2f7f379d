"""Redelivery of every message, by the broker or re-sent by the ERP, has no second effect,
on the ledger nor on the promotions the orders earned bonus points from."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import IntegrityError, Tracking
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loyalty.app import Loyalty
from loyalty.domain.promotions import Terms
from loyalty.inbox import LoyaltyInbox
from servicekit.consumer import Delivery

STORE_CARD = Terms(payment_method="store_card", bonus_points=40)
HALF_AGAIN = Terms(multiplier=Decimal("1.5"))
BONUS_ON_B = Terms(bonus_points=25, skus=frozenset({"B"}))
PROMOTIONS = {  # running throughout: a payment-method bonus, a multiplier, a bonus on a sku
    UUID(int=1): ("Store card bonus", "payment_method", STORE_CARD),
    UUID(int=2): ("Half as much again", "points_multiplier", HALF_AGAIN),
    UUID(int=3): ("25 points on B", "limited_offer", BONUS_ON_B),
}
skus = st.sampled_from(("A", "B"))
order_numbers = st.integers(0, 2)
operations = st.lists(
    st.one_of(
        st.tuples(
            st.just("place"),
            order_numbers,
            st.integers(1, 3),
            st.sampled_from(("store_card", "cash")),
        ),
        st.tuples(st.just("pay"), order_numbers),
        st.tuples(st.just("return"), order_numbers, skus, st.integers(1, 2)),
        st.tuples(st.just("cancel"), order_numbers),
    ),
    max_size=12,
)


def history(messages: Any, customer: str, ops: list[tuple[Any, ...]]) -> list[Delivery]:
    """The customer registers with an ERP number the orders use half of the time."""
    deliveries = []
    placed: set[int] = set()
    for day, op in enumerate(ops, start=1):
        order_id = f"{customer}-o{op[1]}"
        if op[0] == "place" and op[1] not in placed:
            placed.add(op[1])
            reference = {"customer_id": customer} if op[1] % 2 else {"number": f"E-{customer}"}
            lines = [("A", op[2], "10"), ("B", 1, "3.33")]
            deliveries.append(
                messages.placed(order_id, lines=lines, day=day, payment_method=op[3], **reference)
            )
        elif op[0] == "pay":
            deliveries.append(messages.paid(order_id, day=day))
        elif op[0] == "return":
            deliveries.append(messages.returned(order_id, [(op[2], op[3])], day=day))
        elif op[0] == "cancel":
            deliveries.append(messages.cancelled(order_id, day=day))
    deliveries.append(messages.registered(customer, erp_customer_number=f"E-{customer}"))
    return deliveries


def resent(messages: Any, delivery: Delivery) -> Delivery:
    """The same business message under a new message id and offset."""
    return messages.deliver(delivery.topic, str(delivery.key), delivery.event)


def apply_once(inbox: LoyaltyInbox, delivery: Delivery) -> None:
    inbox.apply([delivery], Tracking(f"{delivery.topic}:0", delivery.offset))


def run_promotions(app: Loyalty) -> None:
    """Draft and activate the promotions once; the examples share the application."""
    for promotion_id, (name, kind, terms) in PROMOTIONS.items():
        request = {
            "name": name,
            "kind": kind,
            "terms": terms.to_dict(),
            "starts_at": None,
            "ends_at": None,
            "tiers": [],
            "segments": [],
            "channels": [],
            "budget": None,
            "per_customer_limit": None,
        }
        app.draft_promotion(promotion_id, request)
        app.activate_promotion(promotion_id, "marketing")


def state(app: Loyalty, customer: str) -> tuple[Any, ...]:
    account = app.account_of(customer)
    applied = {  # what each promotion recorded for the customer's orders, by order number
        (str(promotion_id), order_id.removeprefix(customer)): (
            application.points,
            application.cost,
            application.points_given_back,
            application.value_given_back,
            application.withdrawn,
        )
        for order_id in account.orders
        for promotion_id, application in app.applications_to([order_id])
    }
    return (
        account.points_balance,
        account.pending_points,
        account.points_owed,
        [(m.kind, m.points, m.balance_after, m.reason) for m in account.movements],
        applied,
    )


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations)
def test_every_message_delivered_again_or_resent_changes_nothing(
    loyalty: tuple[Loyalty, LoyaltyInbox], messages: Any, ops: list[tuple[Any, ...]]
) -> None:
    app, inbox = loyalty
    run_promotions(app)
    once, twice = f"a{uuid4().hex[:8]}", f"b{uuid4().hex[:8]}"

    for delivery in history(messages, once, ops):
        apply_once(inbox, delivery)
    for planned in history(messages, twice, ops):
        delivery = resent(messages, planned)  # offsets in the order of delivery
        apply_once(inbox, delivery)
        recorded = app.recorder.max_notification_id()
        with pytest.raises(IntegrityError):  # the broker delivers it again
            apply_once(inbox, delivery)
        assert app.recorder.max_notification_id() == recorded
        apply_once(inbox, resent(messages, delivery))  # the ERP sends it again

    assert state(app, twice) == state(app, once)
