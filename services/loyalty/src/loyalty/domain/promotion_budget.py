"""What promotions spend, and on whom: kept apart from their terms, and small.

A promotion's terms change when marketing changes them; what it spends changes
with every order it is applied to. Were both one aggregate, loading a promotion
would replay one event per order it ever touched, and the intake of each order
would grow with the history of the shop. So:

- :class:`PromotionBudget` keeps one promotion's running totals (spent against
  the budget, uses, customers, points, revenue). It is long-lived and snapshotted;
  its state stays a handful of numbers however many orders it counted.
- :class:`PromotionUses` keeps one customer's applications of one promotion: the
  per-customer limit counts them, and a return or a cancellation finds there what
  the order was given. Its history grows with that customer's orders only.

:func:`apply_promotion` and :func:`give_back` decide over the three together; the
inbox saves them with the order in one transaction, so a budget and a limit are
exact however messages are redelivered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from loyalty.domain.promotions import Promotion


@dataclass
class Application:
    """One order a promotion was applied to, and what of it went back."""

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


@dataclass(frozen=True)
class Performance:
    """What a promotion brought and cost, net of cancelled orders and returns."""

    uses: int
    customers: int
    points: int
    points_given_back: int
    cost: Decimal
    revenue: Decimal


@dataclass(frozen=True)
class Benefit:
    """What applying a promotion to one order gives and costs; ``cost`` is the discount,
    the gifts at their declared cost and the points' value (``points_value``) together."""

    order_id: str
    customer_id: str
    points: int
    cost: Decimal
    revenue: Decimal
    at: datetime
    discount: Decimal = Decimal(0)
    points_value: Decimal = Decimal(0)
    gift_sku: str | None = None
    gift_quantity: int = 0


class PromotionBudget(Aggregate):
    """A promotion's running totals; the budget is checked against ``spent``."""

    TOPIC = "loyalty:PromotionBudget"

    class Created(Aggregate.Created):
        """Never triggered (see the @event on __init__); pinned because the aggregate is."""

        TOPIC = "loyalty:PromotionBudget.Created"

    class Opened(Aggregate.Created):
        TOPIC = "loyalty:PromotionBudget.Opened"
        promotion_id: UUID

    class Charged(Aggregate.Event):
        """An order was given the promotion: its cost is spent from the budget."""

        TOPIC = "loyalty:PromotionBudget.Charged"
        order_id: str
        cost: Decimal
        points: int
        revenue: Decimal
        new_customer: bool

    class Released(Aggregate.Event):
        """Goods came back: ``points`` of the promotion's went with them and ``cost``
        returns to the budget; a cancelled order gives its use back too."""

        TOPIC = "loyalty:PromotionBudget.Released"
        order_id: str
        points: int
        cost: Decimal
        withdrawn: bool
        revenue: Decimal
        customer_gone: bool

    @staticmethod
    def create_id(promotion_id: UUID, **_: Any) -> UUID:
        return uuid5(NAMESPACE_URL, f"/crm/loyalty/promotions/{promotion_id}/budget")

    @event(Opened)
    def __init__(self, promotion_id: UUID) -> None:
        self.promotion_id = promotion_id
        self.spent = Decimal(0)
        self.uses = 0
        self.customers = 0
        self.points = 0
        self.points_given_back = 0
        self.revenue = Decimal(0)

    def allows(self, promotion: Promotion, cost: Decimal) -> bool:
        return promotion.budget is None or self.spent + cost <= promotion.budget

    def left(self, promotion: Promotion) -> Decimal | None:
        return None if promotion.budget is None else promotion.budget - self.spent

    def performance(self) -> Performance:
        return Performance(
            uses=self.uses,
            customers=self.customers,
            points=self.points - self.points_given_back,
            points_given_back=self.points_given_back,
            cost=self.spent,
            revenue=self.revenue,
        )

    @event(Charged)
    def charge(
        self, order_id: str, cost: Decimal, points: int, revenue: Decimal, new_customer: bool
    ) -> None:
        self.spent += cost
        self.uses += 1
        self.customers += int(new_customer)
        self.points += points
        self.revenue += revenue

    @event(Released)
    def release(
        self,
        order_id: str,
        points: int,
        cost: Decimal,
        withdrawn: bool,
        revenue: Decimal,
        customer_gone: bool,
    ) -> None:
        self.spent -= cost
        self.points_given_back += points
        self.uses -= int(withdrawn)
        self.customers -= int(customer_gone)
        self.revenue -= revenue


class PromotionUses(Aggregate):
    """One customer's applications of one promotion, by order."""

    TOPIC = "loyalty:PromotionUses"

    class Created(Aggregate.Created):
        """Never triggered (see the @event on __init__); pinned because the aggregate is."""

        TOPIC = "loyalty:PromotionUses.Created"

    class Started(Aggregate.Created):
        TOPIC = "loyalty:PromotionUses.Started"
        promotion_id: UUID
        customer_id: str

    class Applied(Aggregate.Event):
        TOPIC = "loyalty:PromotionUses.Applied"
        order_id: str
        points: int
        cost: Decimal
        revenue: Decimal
        applied_at: datetime
        discount: Decimal
        points_value: Decimal
        gift_sku: str | None
        gift_quantity: int

    class GivenBack(Aggregate.Event):
        TOPIC = "loyalty:PromotionUses.GivenBack"
        order_id: str
        points: int
        value: Decimal
        withdrawn: bool
        occurred_at: datetime

    @staticmethod
    def create_id(promotion_id: UUID, customer_id: str, **_: Any) -> UUID:
        return uuid5(NAMESPACE_URL, f"/crm/loyalty/promotions/{promotion_id}/uses/{customer_id}")

    @event(Started)
    def __init__(self, promotion_id: UUID, customer_id: str) -> None:
        self.promotion_id = promotion_id
        self.customer_id = customer_id
        self.applications: dict[str, Application] = {}

    @property
    def kept(self) -> int:
        """Uses the per-customer limit counts: a cancelled order's use came back."""
        return sum(1 for application in self.applications.values() if not application.withdrawn)

    def allows(self, promotion: Promotion) -> bool:
        return promotion.per_customer_limit is None or self.kept < promotion.per_customer_limit

    @event(Applied)
    def record(
        self,
        order_id: str,
        points: int,
        cost: Decimal,
        revenue: Decimal,
        applied_at: datetime,
        discount: Decimal,
        points_value: Decimal,
        gift_sku: str | None,
        gift_quantity: int,
    ) -> None:
        self.applications[order_id] = Application(
            self.customer_id,
            points,
            cost,
            revenue,
            discount,
            points_value,
            gift_sku,
            gift_quantity,
        )

    @event(GivenBack)
    def note_given_back(
        self, order_id: str, points: int, value: Decimal, withdrawn: bool, occurred_at: datetime
    ) -> None:
        application = self.applications[order_id]
        application.points_given_back += points
        application.value_given_back += value
        application.withdrawn = application.withdrawn or withdrawn


def apply_promotion(
    promotion: Promotion, budget: PromotionBudget, uses: PromotionUses, benefit: Benefit
) -> bool:
    """Record the promotion on an order once; refused (False) when the order had it
    already, when its full cost (points included) would overrun the budget, or when
    the customer has used it up."""
    if benefit.order_id in uses.applications:
        return False
    if not budget.allows(promotion, benefit.cost) or not uses.allows(promotion):
        return False
    new_customer = uses.kept == 0
    uses.record(
        benefit.order_id,
        benefit.points,
        benefit.cost,
        benefit.revenue,
        benefit.at,
        benefit.discount,
        benefit.points_value,
        benefit.gift_sku,
        benefit.gift_quantity,
    )
    budget.charge(benefit.order_id, benefit.cost, benefit.points, benefit.revenue, new_customer)
    return True


def give_back(
    budget: PromotionBudget,
    uses: PromotionUses,
    order_id: str,
    points: int,
    value: Decimal,
    cancelled: bool,
    at: datetime,
) -> bool:
    """Points of an order's returned or cancelled goods go back with their value; a
    cancellation also frees the rest of the order's cost and the customer's use."""
    application = uses.applications.get(order_id)
    if application is None or application.withdrawn or (points <= 0 and not cancelled):
        return False
    released = value
    if cancelled:  # all it cost comes back: what earlier returns gave back already came back
        released = application.cost - application.value_given_back
    uses.note_given_back(order_id, points, value, cancelled, at)
    customer_gone = cancelled and uses.kept == 0
    revenue = application.revenue if cancelled else Decimal(0)
    budget.release(order_id, points, released, cancelled, revenue, customer_gone)
    return True
