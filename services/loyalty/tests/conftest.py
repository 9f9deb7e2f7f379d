"""Messages as the ERP and acquisition send them, ready for loyalty's inbox."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from contracts import Envelope, IntegrationEvent
from contracts.customers import CustomerProfileChanged, CustomerRegistered
from contracts.erp.orders import (
    OrderCancelled,
    OrderLine,
    OrderPaid,
    OrderPlaced,
    OrderReturned,
    ReturnedLine,
)
from loyalty.app import Loyalty
from loyalty.inbox import LoyaltyInbox
from servicekit.consumer import Delivery
from servicekit.eventstore import store_environment

T0 = datetime(2026, 3, 1, tzinfo=UTC)


class Messages:
    """Builds deliveries with increasing offsets per topic."""

    def __init__(self) -> None:
        self.offsets: dict[str, int] = {}

    def deliver(self, topic: str, key: str, event: IntegrationEvent) -> Delivery:
        offset = self.offsets.get(topic, -1) + 1
        self.offsets[topic] = offset
        envelope = Envelope.wrap(event, source="/test", subject=key, time=T0)
        return Delivery(topic, 0, offset, key, envelope, event)

    def registered(self, customer_id: str, erp_customer_number: str | None = None) -> Delivery:
        return self.deliver(
            "crm.customers.v1",
            customer_id,
            CustomerRegistered(
                customer_id=customer_id,
                first_name="Ada",
                last_name="Lovelace",
                source="store",
                erp_customer_number=erp_customer_number,
                registered_at=T0,
            ),
        )

    def number_linked(self, customer_id: str, erp_customer_number: str) -> Delivery:
        return self.deliver(
            "crm.customers.v1",
            customer_id,
            CustomerProfileChanged(
                customer_id=customer_id, erp_customer_number=erp_customer_number, changed_at=T0
            ),
        )

    def placed(
        self,
        order_id: str,
        customer_id: str | None = None,
        number: str | None = None,
        lines: list[tuple[str, int, str]] | None = None,
        day: float = 0,
        payment_method: str = "cash",
    ) -> Delivery:
        order_lines = [
            OrderLine(sku=sku, category="general", quantity=qty, unit_price=Decimal(price))
            for sku, qty, price in (lines or [("SKU-1", 1, "100")])
        ]
        return self.deliver(
            "erp.orders.v1",
            order_id,
            OrderPlaced(
                order_id=order_id,
                customer_id=customer_id,
                erp_customer_number=number,
                placed_at=T0 + timedelta(days=day),
                currency="EUR",
                channel="store",
                payment_method=payment_method,  # type: ignore[arg-type]
                lines=order_lines,
                total=sum((line.unit_price * line.quantity for line in order_lines), Decimal(0)),
            ),
        )

    def paid(self, order_id: str, day: float = 1) -> Delivery:
        event = OrderPaid(order_id=order_id, paid_at=T0 + timedelta(days=day))
        return self.deliver("erp.orders.v1", order_id, event)

    def cancelled(self, order_id: str, day: float = 2) -> Delivery:
        at = T0 + timedelta(days=day)
        event = OrderCancelled(order_id=order_id, reason="customer", cancelled_at=at)
        return self.deliver("erp.orders.v1", order_id, event)

    def returned(self, order_id: str, lines: list[tuple[str, int]], day: float = 3) -> Delivery:
        event = OrderReturned(
            order_id=order_id,
            lines=[ReturnedLine(sku=sku, quantity=qty) for sku, qty in lines],
            returned_at=T0 + timedelta(days=day),
        )
        return self.deliver("erp.orders.v1", order_id, event)


@pytest.fixture
def messages() -> Messages:
    return Messages()


@pytest.fixture
def loyalty(store_settings: Any) -> Iterator[tuple[Loyalty, LoyaltyInbox]]:
    app = Loyalty(store_environment(store_settings("loyalty")))
    yield app, LoyaltyInbox(app)
    app.close()


def finished(client: TestClient, started: Response, headers: dict[str, str]) -> dict[str, Any]:
    """The job a 202 answer started, once it finished."""
    assert started.status_code == 202, started.text
    deadline = time.monotonic() + 30
    while True:
        job: dict[str, Any] = client.get(started.headers["Location"], headers=headers).json()
        if job["status"] not in ("queued", "running"):
            return job
        assert time.monotonic() < deadline, f"job still {job['status']}"
        time.sleep(0.02)
