"""What every read model must show, folded from what was sent and nothing else.

The oracle knows the customers registered and the ERP's facts (the erpsim plans), and
restates the business rules the read models follow, without importing a service:

- an order's status is the furthest of placed < paid < returned < cancelled; a return
  counts once (by its key) and refunds its units at their price; an invoice once
  received stays received, an overdue one shows its highest days overdue;
- a shipment's status is the furthest of dispatched < delayed < delivered, its ETA the
  latest the dispatch or a delay gave;
- loyalty (no promotions, every account in the standard tier, nothing expires within
  the simulated months): a line earns ``floor(quantity x unit price)`` points and keeps
  ``points x (quantity - returned) // quantity``; an order's kept points are pending
  until it is paid, then issued in one movement; a return after payment reverses what
  the returned units earned, a cancellation what the order still kept.

A fact resent, byte for byte or under a new message id, is the same fact: the plans are
folded once, however many times their messages went out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_FLOOR, Decimal

from contracts.erp.orders import OrderCancelled, OrderPaid, OrderPlaced, OrderReturned
from contracts.erp.payments import PaymentOverdue, PaymentReceived
from contracts.erp.shipments import ShipmentDelayed, ShipmentDelivered, ShipmentDispatched
from erpsim import ErpCustomer, Plan

ORDER_PROGRESS = ("placed", "paid", "returned", "cancelled")
SHIPMENT_PROGRESS = (None, "dispatched", "delayed", "delivered")
#: above this a customer's tier (and so their earning rate) would change: not folded here
SILVER_ABOVE = Decimal(10_000)


@dataclass
class Line:
    sku: str
    category: str
    quantity: int
    unit_price: Decimal
    returned: int = 0

    @property
    def points(self) -> int:
        return int((self.quantity * self.unit_price).to_integral_value(rounding=ROUND_FLOOR))

    def kept_points(self, returned: int | None = None) -> int:
        given_back = self.returned if returned is None else returned
        return self.points * (self.quantity - given_back) // self.quantity


@dataclass
class Order:
    """One order as every read model should know it at the end."""

    order_id: str
    customer_id: str
    placed_at: datetime
    total: Decimal
    lines: list[Line]
    status: str = "placed"
    paid: bool = False
    returned_amount: Decimal = Decimal(0)
    returns: set[str] = field(default_factory=set)
    shipment_status: str | None = None
    eta: date | None = None
    delivered_at: datetime | None = None
    #: loyalty's ledger movements of this order: (kind, points)
    movements: list[tuple[str, int]] = field(default_factory=list)

    @property
    def kept(self) -> bool:
        return self.status != "cancelled"

    @property
    def kept_points(self) -> int:
        return 0 if not self.kept else sum(line.kept_points() for line in self.lines)

    def reach(self, status: str) -> None:
        self.status = max(self.status, status, key=ORDER_PROGRESS.index)

    def ship(self, status: str, eta: date | None = None) -> None:
        self.shipment_status = max(self.shipment_status, status, key=SHIPMENT_PROGRESS.index)
        if eta is not None:
            self.eta = eta if self.eta is None else max(self.eta, eta)


@dataclass
class Account:
    customer_id: str
    available: int = 0
    pending: int = 0
    movements: Counter[tuple[str, int, str]] = field(default_factory=Counter)


@dataclass
class Expected:
    customers: dict[str, ErpCustomer]
    orders: dict[str, Order]
    invoices: dict[str, tuple[str, str, int | None]]  # invoice -> customer, status, days

    def orders_of(self, customer_id: str) -> list[Order]:
        return [o for o in self.orders.values() if o.customer_id == customer_id]

    def account(self, customer_id: str) -> Account:
        account = Account(customer_id)
        for order in self.orders_of(customer_id):
            if order.kept and order.paid:
                account.available += order.kept_points
            elif order.kept:
                account.pending += order.kept_points
            for kind, points in order.movements:
                if points:
                    account.movements[(kind, points, order.order_id)] += 1
        return account

    def purchases(self, customer_id: str) -> dict[str, object]:
        """Analytics' purchases block: orders not cancelled, at what was kept."""
        kept = [o for o in self.orders_of(customer_id) if o.kept]
        spent = sum((o.total - o.returned_amount for o in kept), Decimal(0))
        return {
            "orders": len(kept),
            "total_spent": str(spent.quantize(Decimal("0.01"))),
            "average_order_value": str((spent / len(kept)).quantize(Decimal("0.01")))
            if kept
            else None,
            "last_purchase_at": max((o.placed_at for o in kept), default=None),
        }

    def category_cents(self, customer_id: str) -> dict[str, int]:
        cents: Counter[str] = Counter()
        for order in self.orders_of(customer_id):
            if order.kept:
                for line in order.lines:
                    kept = line.quantity - line.returned
                    cents[line.category] += int(kept * line.unit_price * 100)
        return dict(cents)

    def payment_behaviour(self, customer_id: str) -> dict[str, int]:
        mine = [(s, d) for c, s, d in self.invoices.values() if c == customer_id]
        overdue = [d or 0 for s, d in mine if s == "overdue"]
        return {
            "invoices_paid": sum(1 for s, _ in mine if s == "received"),
            "invoices_overdue": len(overdue),
            "max_days_overdue": max(overdue, default=0),
        }


def expected(customers: Iterable[ErpCustomer], plans: Iterable[Plan]) -> Expected:
    """Fold the registrations and every plan's facts into the read models' end state."""
    known = {c.erp_customer_number: c for c in customers}
    by_id = {str(c.customer_id): c for c in known.values()}
    orders: dict[str, Order] = {}
    invoices: dict[str, tuple[str, str, int | None]] = {}
    for the_plan in plans:
        for message in the_plan.messages:
            _fold(message.event, known, orders, invoices)
    for customer_id in by_id:
        spent = sum((o.total for o in orders.values() if o.customer_id == customer_id), Decimal(0))
        if spent > SILVER_ABOVE:
            raise ValueError(f"{customer_id} bought {spent}: the oracle does not fold tiers")
    return Expected(by_id, orders, invoices)


def _customer(known: dict[str, ErpCustomer], customer_id: str | None, number: str | None) -> str:
    if customer_id:
        return customer_id
    assert number is not None, "an ERP fact names its customer"
    return str(known[number].customer_id)


def _fold(
    event: object,
    known: dict[str, ErpCustomer],
    orders: dict[str, Order],
    invoices: dict[str, tuple[str, str, int | None]],
) -> None:
    match event:
        case OrderPlaced() as placed:
            orders[placed.order_id] = Order(
                placed.order_id,
                _customer(known, placed.customer_id, placed.erp_customer_number),
                placed.placed_at,
                placed.total,
                [Line(li.sku, li.category, li.quantity, li.unit_price) for li in placed.lines],
            )
        case OrderPaid(order_id=order_id):
            order = orders[order_id]
            order.reach("paid")
            if not order.paid and order.kept:
                order.paid = True
                order.movements.append(("issued", order.kept_points))
            order.paid = True
        case OrderCancelled(order_id=order_id):
            order = orders[order_id]
            if order.kept and order.paid:
                order.movements.append(("reversed", -order.kept_points))
            order.reach("cancelled")
        case OrderReturned() as returned:
            order = orders[returned.order_id]
            if returned.return_key in order.returns:
                return
            order.returns.add(returned.return_key)
            before = order.kept_points
            for back in returned.lines:
                left = back.quantity
                for line in order.lines:
                    taken = min(left, line.quantity - line.returned) if line.sku == back.sku else 0
                    if taken > 0:
                        line.returned += taken
                        left -= taken
                        order.returned_amount += taken * line.unit_price
            if order.kept and order.paid:
                order.movements.append(("reversed", order.kept_points - before))
            order.reach("returned")
        case ShipmentDispatched() as dispatched:
            orders[dispatched.order_id].ship("dispatched", dispatched.eta)
        case ShipmentDelayed() as delay:
            orders[delay.order_id].ship("delayed", delay.new_eta)
        case ShipmentDelivered() as delivered:
            orders[delivered.order_id].ship("delivered")
            orders[delivered.order_id].delivered_at = delivered.delivered_at
        case PaymentReceived() as received:
            customer = _customer(known, received.customer_id, received.erp_customer_number)
            invoices[received.invoice_id] = (customer, "received", None)
        case PaymentOverdue() as overdue:
            customer = _customer(known, overdue.customer_id, overdue.erp_customer_number)
            status = invoices.get(overdue.invoice_id, (customer, "overdue", 0))
            if status[1] != "received" and (status[2] or 0) < overdue.days_overdue:
                invoices[overdue.invoice_id] = (customer, "overdue", overdue.days_overdue)
