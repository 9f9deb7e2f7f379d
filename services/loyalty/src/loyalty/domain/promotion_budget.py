"""What promotions spend, and on whom: kept apart from their terms, and small.

A promotion's terms change when marketing changes them; what it spends changes
with every order it is applied to. Were both one aggregate, loading a promotion
would replay one event per order it ever touched, and the intake of each order
would grow with the history of the shop. So:

- :class:`PromotionBudget` keeps one promotion's running totals (spent against
  the budget, uses, customers, points, revenue). It is long-lived and snapshotted;
  its state stays a handful of numbers however many orders it counted.
- :class:`PromotionUses` counts one customer's uses of one promotion, for its
  per-customer limit; also snapshotted, also a number.
- What each order was given is kept on the order (:class:`LoyaltyOrder`), where a
  return or a cancellation finds it.

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
from loyalty.domain.routing import Application, LoyaltyOrder


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
    """How many orders of one customer keep one promotion: what its per-customer limit
    counts. A count, however many orders the customer places."""

    TOPIC = "loyalty:PromotionUses"

    class Created(Aggregate.Created):
        """Never triggered (see the @event on __init__); pinned because the aggregate is."""

        TOPIC = "loyalty:PromotionUses.Created"

    class Started(Aggregate.Created):
        TOPIC = "loyalty:PromotionUses.Started"
        promotion_id: UUID
        customer_id: str

    class Used(Aggregate.Event):
        TOPIC = "loyalty:PromotionUses.Used"
        order_id: str

    class UseGivenBack(Aggregate.Event):
        """The order was cancelled: its use no longer counts."""

        TOPIC = "loyalty:PromotionUses.UseGivenBack"
        order_id: str

    @staticmethod
    def create_id(promotion_id: UUID, customer_id: str, **_: Any) -> UUID:
        return uuid5(NAMESPACE_URL, f"/crm/loyalty/promotions/{promotion_id}/uses/{customer_id}")

    @event(Started)
    def __init__(self, promotion_id: UUID, customer_id: str) -> None:
        self.promotion_id = promotion_id
        self.customer_id = customer_id
        self.kept = 0

    def allows(self, promotion: Promotion) -> bool:
        return promotion.per_customer_limit is None or self.kept < promotion.per_customer_limit

    @event(Used)
    def use(self, order_id: str) -> None:
        self.kept += 1

    @event(UseGivenBack)
    def give_back_use(self, order_id: str) -> None:
        self.kept -= 1


def apply_promotion(
    promotion: Promotion,
    budget: PromotionBudget,
    uses: PromotionUses,
    order: LoyaltyOrder,
    benefit: Benefit,
) -> bool:
    """Record the promotion on an order once; refused (False) when the order had it
    already, when its full cost (points included) would overrun the budget, or when
    the customer has used it up."""
    if promotion.id in order.applications:
        return False
    if not budget.allows(promotion, benefit.cost) or not uses.allows(promotion):
        return False
    new_customer = uses.kept == 0
    order.apply_promotion(
        promotion.id,
        Application(
            benefit.customer_id,
            benefit.points,
            benefit.cost,
            benefit.revenue,
            benefit.discount,
            benefit.points_value,
            benefit.gift_sku,
            benefit.gift_quantity,
        ),
        benefit.at,
    )
    uses.use(benefit.order_id)
    budget.charge(benefit.order_id, benefit.cost, benefit.points, benefit.revenue, new_customer)
    return True


def give_back(
    budget: PromotionBudget,
    uses: PromotionUses,
    order: LoyaltyOrder,
    points: int,
    value: Decimal,
    cancelled: bool,
    at: datetime,
) -> bool:
    """Points of an order's returned or cancelled goods go back with their value; a
    cancellation also frees the rest of the order's cost and the customer's use."""
    application = order.applications.get(budget.promotion_id)
    if application is None or application.withdrawn or (points <= 0 and not cancelled):
        return False
    released = value
    if cancelled:  # all it cost comes back: what earlier returns gave back already came back
        released = application.cost - application.value_given_back
        uses.give_back_use(order.order_id)
    order.give_back_promotion(budget.promotion_id, points, value, cancelled, at)
    customer_gone = cancelled and uses.kept == 0
    revenue = application.revenue if cancelled else Decimal(0)
    budget.release(order.order_id, points, released, cancelled, revenue, customer_gone)
    return True
