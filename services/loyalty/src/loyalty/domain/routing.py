"""Which account an ERP order belongs to, and the orders that wait to find out.

The ERP names a customer by our id, by its own customer number, or both. An
order of a number nobody has linked yet is parked (with its follow-ups) in
these aggregates, in the same transaction as the message's tracking record,
and earns when the customer appears on ``crm.customers.v1``.
"""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event


class ErpCustomer(Aggregate):
    """An ERP customer number: whom it names, and the orders waiting to know."""

    TOPIC = "loyalty:ErpCustomer"

    class Created(Aggregate.Created):
        """Never triggered (see the @event on __init__); pinned because the aggregate is."""

        TOPIC = "loyalty:ErpCustomer.Created"

    class Noted(Aggregate.Created):
        TOPIC = "loyalty:ErpCustomer.Noted"
        erp_customer_number: str

    class Linked(Aggregate.Event):
        TOPIC = "loyalty:ErpCustomer.Linked"
        customer_id: str

    class OrderParked(Aggregate.Event):
        TOPIC = "loyalty:ErpCustomer.OrderParked"
        order_id: str

    @staticmethod
    def create_id(erp_customer_number: str, **_: Any) -> UUID:
        return uuid5(NAMESPACE_URL, f"/crm/loyalty/erp-customers/{erp_customer_number}")

    @event(Noted)
    def __init__(self, erp_customer_number: str) -> None:
        self.erp_customer_number = erp_customer_number
        self.customer_id: str | None = None
        self.waiting: list[str] = []

    def link(self, customer_id: str) -> list[str]:
        """The number names ``customer_id`` from now on; returns the orders it releases."""
        if customer_id == self.customer_id:
            return []
        released = list(self.waiting)
        self._linked(customer_id)
        return released

    def park(self, order_id: str) -> None:
        if order_id not in self.waiting:
            self._order_parked(order_id)

    @event(Linked)
    def _linked(self, customer_id: str) -> None:
        self.customer_id = customer_id
        self.waiting = []

    @event(OrderParked)
    def _order_parked(self, order_id: str) -> None:
        self.waiting.append(order_id)


class LoyaltyOrder(Aggregate):
    """An ERP order as loyalty received it: the key of idempotent intake by order id."""

    TOPIC = "loyalty:LoyaltyOrder"

    class Created(Aggregate.Created):
        """Never triggered (see the @event on __init__); pinned because the aggregate is."""

        TOPIC = "loyalty:LoyaltyOrder.Created"

    class Received(Aggregate.Created):
        TOPIC = "loyalty:LoyaltyOrder.Received"
        order_id: str
        customer_id: str | None
        erp_customer_number: str | None
        placement: dict[str, Any]

    class Resolved(Aggregate.Event):
        TOPIC = "loyalty:LoyaltyOrder.Resolved"
        customer_id: str

    class FollowUpParked(Aggregate.Event):
        TOPIC = "loyalty:LoyaltyOrder.FollowUpParked"
        event_type: str
        data: dict[str, Any]

    class PromotionsApplied(Aggregate.Event):
        """The promotions the order was given: its return or cancellation finds them here."""

        TOPIC = "loyalty:LoyaltyOrder.PromotionsApplied"
        promotion_ids: list[UUID]

    @staticmethod
    def create_id(order_id: str, **_: Any) -> UUID:
        return uuid5(NAMESPACE_URL, f"/crm/loyalty/orders/{order_id}")

    @event(Received)
    def __init__(
        self,
        order_id: str,
        customer_id: str | None,
        erp_customer_number: str | None,
        placement: dict[str, Any],
    ) -> None:
        self.order_id = order_id
        self.customer_id = customer_id
        self.erp_customer_number = erp_customer_number
        self.placement = placement if customer_id is None else {}  # kept only while it waits
        self.follow_ups: list[tuple[str, dict[str, Any]]] = []
        self.promotion_ids: list[UUID] = []

    def resolve(self, customer_id: str) -> tuple[dict[str, Any], list[tuple[str, dict[str, Any]]]]:
        """The order's customer is known: hand back its placement and follow-ups to apply."""
        placement, follow_ups = self.placement, list(self.follow_ups)
        self._resolved(customer_id)
        return placement, follow_ups

    def park_follow_up(self, event_type: str, data: dict[str, Any]) -> None:
        self._follow_up_parked(event_type, data)

    def note_promotions(self, promotion_ids: list[UUID]) -> None:
        if promotion_ids:
            self._promotions_applied(promotion_ids)

    @event(PromotionsApplied)
    def _promotions_applied(self, promotion_ids: list[UUID]) -> None:
        self.promotion_ids = [*self.promotion_ids, *promotion_ids]

    @event(Resolved)
    def _resolved(self, customer_id: str) -> None:
        self.customer_id = customer_id
        self.placement = {}
        self.follow_ups = []

    @event(FollowUpParked)
    def _follow_up_parked(self, event_type: str, data: dict[str, Any]) -> None:
        self.follow_ups.append((event_type, data))
