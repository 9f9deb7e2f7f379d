"""Contribution margin: what a customer, or a promotion, leaves once the goods, the
points, the discounts and the gifts are paid for.

    margin = revenue - product cost - points cost - discounts - gift cost

- **revenue**: the order lines at the ERP's prices, net of the units returned; a
  cancelled order brings nothing;
- **product cost**: the units kept times the unit cost the ERP last described for
  the sku (``erp.products.v1``). A line whose sku has no known cost (or a cost in
  another currency than the order's) adds no cost and is counted in
  ``lines_without_cost``, its sku listed: the margin is then overstated and says so;
- **points cost**: for a customer, the monetary value of every point issued to them
  minus the value of those reversed (each ledger movement carries its value at the
  programme's cost per point when it happened), so an unpaid order's points cost
  nothing yet; for a promotion, the value of the bonus points it gave from the moment
  it was applied (as its budget counts them), net of what returns and cancellations
  took back;
- **discounts**: what promotions took off the orders (the ERP's lines are priced
  before them, as promotions evaluate them);
- **gift cost**: each gift given with a purchase at the gift's unit cost in the
  catalogue, or at the promotion's declared gift cost when the catalogue does not
  know the gift; a cancelled order gave no gift.

Amounts are in one currency, the programme's: an order in another currency is
left out and counted in ``orders_in_other_currencies``.

Everything here is computed from loyalty's own event-sourced state (the accounts'
orders and ledger, the promotions' applications, the catalogue): replaying the
events rebuilds it, and the inbox's tracking records make a redelivered message
change none of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from loyalty.domain.catalogue import Products
from loyalty.domain.ledger import EarnedOrder, OrderStatus
from loyalty.domain.promotions import Promotion
from loyalty.domain.routing import Application

ZERO = Decimal(0)


@dataclass(frozen=True)
class Margin:
    """A contribution margin and the parts it is made of."""

    currency: str
    orders: int  # orders counted (not cancelled, in the currency)
    revenue: Decimal
    product_cost: Decimal
    points_cost: Decimal
    discounts: Decimal
    gift_cost: Decimal
    lines_without_cost: int
    skus_without_cost: tuple[str, ...]
    orders_in_other_currencies: int

    @property
    def margin(self) -> Decimal:
        return self.revenue - self.product_cost - self.points_cost - self.discounts - self.gift_cost


@dataclass(frozen=True)
class Goods:
    """What some orders sold, net of returns, and what the goods cost."""

    orders: int = 0
    revenue: Decimal = ZERO
    product_cost: Decimal = ZERO
    lines_without_cost: int = 0
    skus_without_cost: frozenset[str] = frozenset()
    orders_in_other_currencies: int = 0


def goods_of(orders: Iterable[EarnedOrder], products: Products, currency: str) -> Goods:
    counted = other_currency = uncosted = 0
    revenue = cost = ZERO
    unknown: set[str] = set()
    for order in orders:
        if order.status is OrderStatus.CANCELLED:
            continue
        if order.currency != currency:
            other_currency += 1
            continue
        counted += 1
        for line in order.lines:
            kept = line.quantity - line.returned
            if kept == 0:
                continue
            revenue += kept * line.unit_price
            product = products.get(line.sku)
            if product is None or product.currency != order.currency:
                uncosted += 1
                unknown.add(line.sku)
                continue
            cost += kept * product.unit_cost
    return Goods(counted, revenue, cost, uncosted, frozenset(unknown), other_currency)


def gift_cost(promotion: Promotion, application: Application, products: Products) -> Decimal:
    """What the gifts given with one order cost: the catalogue's unit cost of the gift,
    else what the promotion declared one costs."""
    if application.withdrawn or not application.gift_sku or not application.gift_quantity:
        return ZERO
    product = products.get(application.gift_sku)
    unit = product.unit_cost if product is not None else promotion.terms.gift_cost
    return application.gift_quantity * unit


def customer_margin(
    orders: Iterable[EarnedOrder],
    points_cost: Decimal,
    applied: Iterable[tuple[Promotion, Application]],
    products: Products,
    currency: str,
) -> Margin:
    """A customer's margin: their orders, the net value of the points they were given,
    and the discounts and gifts the promotions ``applied`` to their orders gave."""
    kept = [(p, a) for p, a in applied if not a.withdrawn]
    return _margin(
        goods_of(orders, products, currency),
        currency,
        points_cost=points_cost,
        discounts=sum((a.discount for _, a in kept), ZERO),
        gifts=sum((gift_cost(p, a, products) for p, a in kept), ZERO),
    )


def promotion_margin(
    promotion: Promotion,
    applications: Mapping[str, Application],
    orders: Mapping[str, EarnedOrder],
    products: Products,
    currency: str,
) -> Margin:
    """A promotion's margin: the orders it was applied to (``applications`` by order id;
    ``orders`` by id holds them) and what it cost on them; a cancelled order's
    application counts for nothing."""
    kept = {
        order_id: application
        for order_id, application in applications.items()
        if not application.withdrawn
    }
    return _margin(
        goods_of((orders[o] for o in kept if o in orders), products, currency),
        currency,
        points_cost=sum((a.points_value - a.value_given_back for a in kept.values()), ZERO),
        discounts=sum((a.discount for a in kept.values()), ZERO),
        gifts=sum((gift_cost(promotion, a, products) for a in kept.values()), ZERO),
    )


def _margin(
    goods: Goods, currency: str, points_cost: Decimal, discounts: Decimal, gifts: Decimal
) -> Margin:
    return Margin(
        currency=currency,
        orders=goods.orders,
        revenue=goods.revenue,
        product_cost=goods.product_cost,
        points_cost=points_cost,
        discounts=discounts,
        gift_cost=gifts,
        lines_without_cost=goods.lines_without_cost,
        skus_without_cost=tuple(sorted(goods.skus_without_cost)),
        orders_in_other_currencies=goods.orders_in_other_currencies,
    )
