"""What promotions spend, and on whom: kept apart from their terms, and small.

A promotion's terms change when marketing changes them; what it spends changes
with every order it is applied to. Were both one aggregate, loading a promotion
would replay one event per order it ever touched, and the intake of each order
would grow with the history of the shop. So:

- :class:`PromotionBudget` keeps one promotion's running totals (spent against
  the budget, uses, customers, points, revenue). It is long-lived and snapshotted;
  its state stays a handful of numbers however many orders it counted.
- What each order was given is kept on the order (:class:`LoyaltyOrder`), where a
  return or a cancellation finds it; the customer's account notes which promotions
  each of their orders got, which is what a per-customer limit counts.

:func:`apply_promotion` and :func:`give_back` decide over them together; the inbox
saves them with the order in one transaction, so a budget and a limit are exact
however messages are redelivered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from loyalty.domain.account import LoyaltyAccount
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


def apply_promotion(
    promotion: Promotion, budget: PromotionBudget, account: LoyaltyAccount, benefit: Benefit
) -> Application | None:
    """Charge the promotion to its budget for an order the account has not recorded
    yet; refused (None) when its full cost (points included) would overrun the
    budget, or when the customer's orders used it up already."""
    uses = account.promotion_uses(str(promotion.id))
    if not budget.allows(promotion, benefit.cost):
        return None
    if promotion.per_customer_limit is not None and uses >= promotion.per_customer_limit:
        return None
    budget.charge(benefit.order_id, benefit.cost, benefit.points, benefit.revenue, uses == 0)
    return Application(
        benefit.customer_id,
        benefit.points,
        benefit.cost,
        benefit.revenue,
        benefit.discount,
        benefit.points_value,
        benefit.gift_sku,
        benefit.gift_quantity,
    )


def give_back(
    budget: PromotionBudget,
    order: LoyaltyOrder,
    account: LoyaltyAccount,
    points: int,
    value: Decimal,
    cancelled: bool,
    at: datetime,
) -> bool:
    """Points of an order's returned or cancelled goods go back with their value; a
    cancellation (already recorded on the account) also frees the rest of the order's
    cost and the customer's use."""
    application = order.applications.get(budget.promotion_id)
    if application is None or application.withdrawn or (points <= 0 and not cancelled):
        return False
    released = value
    if cancelled:  # all it cost comes back: what earlier returns gave back already came back
        released = application.cost - application.value_given_back
    order.give_back_promotion(budget.promotion_id, points, value, cancelled, at)
    customer_gone = cancelled and account.promotion_uses(str(budget.promotion_id)) == 0
    revenue = application.revenue if cancelled else Decimal(0)
    budget.release(order.order_id, points, released, cancelled, revenue, customer_gone)
    return True
