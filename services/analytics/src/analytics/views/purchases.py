"""What each customer bought, returned and how they pay, from the ERP's topics.

The ERP resends facts under new message ids and the topics interleave in any order,
so every change here is by business key and commutes: an order's status is the
furthest its facts took it (``contracts.erp.orders.ORDER_PROGRESS``), a return is applied once per
``return_key``, a payment's status never goes back from received. A fact that
changes nothing answers False, and the 360 leaves it off the customer's timeline.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Integer, Numeric, String, Table

from analytics.views import metadata
from contracts.erp.orders import (
    OrderCancelled,
    OrderPaid,
    OrderPlaced,
    OrderReturned,
    order_status,
)
from contracts.erp.payments import PaymentOverdue, PaymentReceived
from servicekit.staging import Staged

orders = Table(
    "orders",
    metadata,
    Column("order_id", String(64), primary_key=True),
    Column("customer_id", String(64), nullable=False, index=True),
    Column("placed_at", DateTime(timezone=True), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("payment_method", String(20), nullable=False),
    Column("total", Numeric(14, 2), nullable=False),
    Column("returned_amount", Numeric(14, 2), nullable=False, default=0),
    Column("status", String(20), nullable=False),
    Column("paid_at", DateTime(timezone=True)),
    Column("cancelled_at", DateTime(timezone=True)),
    Column("returns", JSON),  # the return_key of every return applied
)

order_lines = Table(
    "order_lines",
    metadata,
    Column("order_id", String(64), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("sku", String(64), nullable=False),
    Column("category", String(64), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("returned_quantity", Integer, nullable=False, default=0),
    Column("unit_price", Numeric(14, 2), nullable=False),
)

payments = Table(
    "payments",
    metadata,
    Column("invoice_id", String(64), primary_key=True),
    Column("customer_id", String(64), nullable=False, index=True),
    Column("amount", Numeric(14, 2), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(20), nullable=False),
    Column("days_overdue", Integer),
)


def placed(staged: Staged, event: OrderPlaced, customer_id: str) -> bool:
    """Record the order and its lines; False when it was recorded already."""
    key = {"order_id": event.order_id}
    if staged.row(orders, key) is not None:
        return False
    staged.upsert(
        orders,
        key,
        {
            "customer_id": customer_id,
            "placed_at": event.placed_at,
            "currency": event.currency,
            "channel": event.channel,
            "payment_method": event.payment_method,
            "total": event.total,
            "returned_amount": Decimal(0),
            "status": "placed",
            "returns": [],
        },
    )
    for number, line in enumerate(event.lines):
        staged.upsert(
            order_lines,
            {"order_id": event.order_id, "line_no": number},
            {
                "sku": line.sku,
                "category": line.category,
                "quantity": line.quantity,
                "returned_quantity": 0,
                "unit_price": line.unit_price,
            },
        )
    return True


def followed_up(
    staged: Staged, order: dict[str, Any], event: OrderPaid | OrderCancelled | OrderReturned
) -> bool:
    """Apply a payment, cancellation or return to a recorded order; False when the
    order knew it already."""
    key = {"order_id": event.order_id}
    status: str = order["status"]
    if isinstance(event, OrderPaid):
        if order.get("paid_at") is not None:
            return False
        staged.upsert(
            orders, key, {"paid_at": event.paid_at, "status": order_status(status, "paid")}
        )
    elif isinstance(event, OrderCancelled):
        if status == "cancelled":
            return False
        staged.upsert(orders, key, {"status": "cancelled", "cancelled_at": event.cancelled_at})
    else:
        if event.return_key in (order.get("returns") or ()):
            return False
        _returned(staged, order, event)
    return True


def _returned(staged: Staged, order: dict[str, Any], event: OrderReturned) -> None:
    """Take the returned quantities from the order's lines in line order: returns taken
    one after the other leave what their sum taken at once would, in any order."""
    lines = staged.rows_under(order_lines, event.order_id)
    refunded = Decimal(0)
    for returned in event.lines:
        remaining = returned.quantity
        for line in lines:
            if line["sku"] != returned.sku or remaining == 0:
                continue
            taken = min(remaining, line["quantity"] - line["returned_quantity"])
            if taken <= 0:
                continue
            remaining -= taken
            refunded += taken * line["unit_price"]
            line["returned_quantity"] += taken
            staged.upsert(
                order_lines,
                {"order_id": event.order_id, "line_no": line["line_no"]},
                {"returned_quantity": line["returned_quantity"]},
            )
    staged.upsert(
        orders,
        {"order_id": event.order_id},
        {
            "returned_amount": order["returned_amount"] + refunded,
            "status": order_status(order["status"], "returned"),
            "returns": [*(order.get("returns") or ()), event.return_key],
        },
    )


def paid_or_overdue(
    staged: Staged, event: PaymentReceived | PaymentOverdue, customer_id: str
) -> bool:
    """Record how an invoice is being paid; False when it changes nothing. A payment
    received stays received, and an invoice is as overdue as its latest report says."""
    key = {"invoice_id": event.invoice_id}
    known = staged.row(payments, key)
    if known is not None and known["status"] == "received":
        return False
    if isinstance(event, PaymentOverdue):
        if known is not None and (known.get("days_overdue") or 0) >= event.days_overdue:
            return False
        status, days_overdue = "overdue", event.days_overdue
    else:
        status, days_overdue = "received", None
    staged.upsert(
        payments,
        key,
        {
            "customer_id": customer_id,
            "amount": event.amount,
            "currency": event.currency,
            "status": status,
            "days_overdue": days_overdue,
        },
    )
    return True
