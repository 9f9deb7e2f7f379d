"""Which account an ERP order belongs to, and the orders that wait to find out.

The ERP names a customer by our id, by its own customer number, or both. An
order of a number nobody has linked yet is parked (with its follow-ups) in
these aggregates, in the same transaction as the message's tracking record,
and earns when the customer appears on ``crm.customers.v1``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event


@dataclass
class Application:
    """A promotion given to one order, and what of it went back."""

    customer_id: str
    points: int
    cost: Decimal  # taken from the budget: discount + gifts at declared cost + points_value
    revenue: Decimal
    discount: Decimal = Decimal(0)
    points_value: Decimal = Decimal(0)
    gift_sku: str | None = None
    gift_quantity: int = 0
    points_given_back: int = 0
    value_given_back: Decimal = Decimal(0)
    withdrawn: bool = False


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
        """The promotions the order was given, and what each cost: the order's return
        or cancellation finds them here."""

        TOPIC = "loyalty:LoyaltyOrder.PromotionsApplied"
        applications: dict[str, dict[str, Any]]  # by promotion id
        applied_at: datetime

    class PromotionGivenBack(Aggregate.Event):
        """Goods came back: ``points`` of the promotion's, worth ``value``, went with
        them; a cancelled order gives the whole promotion back (``withdrawn``)."""

        TOPIC = "loyalty:LoyaltyOrder.PromotionGivenBack"
        promotion_id: UUID
        points: int
        value: Decimal
        withdrawn: bool
        occurred_at: datetime

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
        self.applications: dict[UUID, Application] = {}

    def resolve(self, customer_id: str) -> tuple[dict[str, Any], list[tuple[str, dict[str, Any]]]]:
        """The order's customer is known: hand back its placement and follow-ups to apply."""
        placement, follow_ups = self.placement, list(self.follow_ups)
        self._resolved(customer_id)
        return placement, follow_ups

    def park_follow_up(self, event_type: str, data: dict[str, Any]) -> None:
        self._follow_up_parked(event_type, data)

    def note_promotions(self, applications: dict[UUID, Application], at: datetime) -> None:
        """Record what :func:`loyalty.domain.promotion_budget.apply_promotion` gave."""
        if applications:
            given = {str(pid): asdict(application) for pid, application in applications.items()}
            self._promotions_applied(given, at)

    @event(PromotionsApplied)
    def _promotions_applied(
        self, applications: dict[str, dict[str, Any]], applied_at: datetime
    ) -> None:
        for promotion_id, given in applications.items():
            self.applications[UUID(promotion_id)] = Application(**given)

    @event(PromotionGivenBack)
    def give_back_promotion(
        self,
        promotion_id: UUID,
        points: int,
        value: Decimal,
        withdrawn: bool,
        occurred_at: datetime,
    ) -> None:
        application = self.applications[promotion_id]
        application.points_given_back += points
        application.value_given_back += value
        application.withdrawn = application.withdrawn or withdrawn

    @event(Resolved)
    def _resolved(self, customer_id: str) -> None:
        self.customer_id = customer_id
        self.placement = {}
        self.follow_ups = []

    @event(FollowUpParked)
    def _follow_up_parked(self, event_type: str, data: dict[str, Any]) -> None:
        self.follow_ups.append((event_type, data))
