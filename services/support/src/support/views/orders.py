"""Where each order is, so support answers "where is my order?" without asking the ERP.

The ERP resends facts under new message ids, and an order's facts reach support on
two topics: every change commutes. An order's status and its shipment's are the
furthest their facts took them (``ORDER_PROGRESS`` and ``SHIPMENT_PROGRESS`` in the
contracts), a delay only ever moves the ETA later, and an order placed again changes
nothing.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Connection,
    Date,
    DateTime,
    Numeric,
    String,
    Table,
    select,
    update,
)

from contracts.erp.orders import (
    OrderCancelled,
    OrderPaid,
    OrderPlaced,
    OrderReturned,
    order_status,
)
from contracts.erp.shipments import (
    ShipmentDelayed,
    ShipmentDelivered,
    ShipmentDispatched,
    shipment_status,
)
from servicekit.upserts import upsert
from support.views import metadata

orders = Table(
    "orders",
    metadata,
    Column("order_id", String(64), primary_key=True),
    Column("customer_id", String(64), index=True),
    Column("erp_customer_number", String(64), index=True),
    Column("placed_at", DateTime(timezone=True), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("total", Numeric(14, 2), nullable=False),
    Column("lines", JSON, nullable=False),
    Column("status", String(20), nullable=False),
    Column("shipment_status", String(20)),
    Column("shipment_id", String(64)),
    Column("carrier", String(64)),
    Column("tracking_number", String(64)),
    Column("eta", Date),
    Column("delay_reason", String(500)),
    Column("delivered_at", DateTime(timezone=True)),
)


shipment_delays = Table(
    "shipment_delays",
    metadata,
    Column("order_id", String(64), primary_key=True),
    Column("new_eta", Date, primary_key=True),
    Column("reason", String(500), nullable=False),
    Column("customer_id", String(64)),
    Column("handled_at", DateTime(timezone=True)),
)


def delayed(connection: Connection, event: ShipmentDelayed) -> None:
    """Remember the delay for proactive care (see support.watcher.delay_care)."""
    customer_id = connection.scalar(
        select(orders.c.customer_id).where(orders.c.order_id == event.order_id)
    )
    upsert(
        connection,
        shipment_delays,
        {"order_id": event.order_id, "new_eta": event.new_eta},
        {"reason": event.reason, "customer_id": customer_id},
    )


def delays_to_handle(connection: Connection, limit: int = 100) -> list[dict[str, Any]]:
    rows = (
        connection.execute(
            select(shipment_delays)
            .where(shipment_delays.c.handled_at.is_(None))
            .where(shipment_delays.c.customer_id.is_not(None))
            .limit(limit)
        )
        .mappings()
        .all()
    )
    return [dict(row) for row in rows]


def delay_handled(connection: Connection, order_id: str, new_eta: Any, at: Any) -> None:
    connection.execute(
        update(shipment_delays)
        .where(shipment_delays.c.order_id == order_id)
        .where(shipment_delays.c.new_eta == new_eta)
        .values(handled_at=at)
    )


def placed(connection: Connection, event: OrderPlaced, customer_id: str | None) -> None:
    if known(connection, event.order_id):
        return  # sent again
    upsert(
        connection,
        orders,
        {"order_id": event.order_id},
        {
            "customer_id": customer_id,
            "erp_customer_number": event.erp_customer_number,
            "placed_at": event.placed_at,
            "channel": event.channel,
            "currency": event.currency,
            "total": event.total,
            "lines": [line.model_dump(mode="json") for line in event.lines],
            "status": "placed",
        },
    )


def known(connection: Connection, order_id: str) -> bool:
    return (
        connection.scalar(select(orders.c.order_id).where(orders.c.order_id == order_id))
        is not None
    )


def followed_up(
    connection: Connection,
    order: dict[str, Any],
    event: OrderPaid
    | OrderCancelled
    | OrderReturned
    | ShipmentDispatched
    | ShipmentDelayed
    | ShipmentDelivered,
) -> None:
    """Apply a follow-up to the ``order`` it names, as :func:`find` read it."""
    changes: dict[str, Any]
    match event:
        case OrderPaid():
            changes = {"status": order_status(order["status"], "paid")}
        case OrderCancelled():
            changes = {"status": "cancelled"}
        case OrderReturned():
            changes = {"status": order_status(order["status"], "returned")}
        case ShipmentDispatched():
            changes = {
                "shipment_status": shipment_status(order["shipment_status"], "dispatched"),
                "shipment_id": event.shipment_id,
                "carrier": event.carrier,
                "tracking_number": event.tracking_number,
                "eta": _later(order["eta"], event.eta),
            }
        case ShipmentDelayed():
            changes = {
                "shipment_status": shipment_status(order["shipment_status"], "delayed"),
                "eta": _later(order["eta"], event.new_eta),
            }
            if changes["eta"] == event.new_eta:
                changes["delay_reason"] = event.reason
        case ShipmentDelivered():
            changes = {"shipment_status": "delivered", "delivered_at": event.delivered_at}
    connection.execute(update(orders).where(orders.c.order_id == event.order_id).values(**changes))


def _later(eta: date | None, other: date) -> date:
    return other if eta is None else max(eta, other)


def customer_known(connection: Connection, erp_customer_number: str, customer_id: str) -> None:
    """Orders placed under an ERP number now belong to the CRM customer, and so do
    their delays."""
    unresolved = (
        select(orders.c.order_id)
        .where(orders.c.erp_customer_number == erp_customer_number)
        .where(orders.c.customer_id.is_(None))
    )
    connection.execute(
        update(shipment_delays)
        .where(shipment_delays.c.order_id.in_(unresolved.scalar_subquery()))
        .values(customer_id=customer_id)
    )
    connection.execute(
        update(orders)
        .where(orders.c.erp_customer_number == erp_customer_number)
        .where(orders.c.customer_id.is_(None))
        .values(customer_id=customer_id)
    )


def find(connection: Connection, order_id: str) -> dict[str, Any] | None:
    row = connection.execute(select(orders).where(orders.c.order_id == order_id)).mappings().first()
    return dict(row) if row else None
